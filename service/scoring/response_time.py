"""Responsiveness: answer wait, abandonment and holds of calls; first reply and resolution of tickets."""

from datetime import datetime, timedelta

from service.scoring.timeline import Timeline
from service.scoring.types import Evidence, ResponseTimes, ScoreItem, Status
from service.standards.schema import Standard


def _secs(start: datetime, end: datetime) -> float:
    return round((end - start).total_seconds(), 3)


def _deadline_item(
    item_id: str,
    weight: float,
    start: datetime | None,
    done: datetime | None,
    limit_s: float,
    now: datetime,
    what: str,
    start_note: str,
) -> ScoreItem:
    """Pass when `done` came within `limit_s` of `start`; fail once the limit passed without it."""
    if start is None:
        return ScoreItem(item_id, "responsiveness", Status.NOT_APPLICABLE, weight, f"no {start_note} event")
    deadline = start + timedelta(seconds=limit_s)
    ev_start = Evidence(note=start_note, at=start)
    if done is not None:
        took = _secs(start, done)
        ok = took <= limit_s
        status = Status.PASS if ok else Status.FAIL
        detail = f"{what} after {took:g} s ({'within' if ok else 'over'} the {limit_s:g} s limit)"
        return ScoreItem(
            item_id,
            "responsiveness",
            status,
            weight,
            detail,
            deadline=None if ok else deadline,  # a late answer breached the standard when the limit passed
            evidence=(ev_start, Evidence(note=what, at=done, value=took)),
        )
    if now > deadline:  # done exactly at the deadline still passes, so only a later `now` fails
        waited = _secs(start, now)
        detail = f"no {what} after {waited:g} s (limit {limit_s:g} s)"
        return ScoreItem(
            item_id,
            "responsiveness",
            Status.FAIL,
            weight,
            detail,
            deadline=deadline,
            evidence=(ev_start, Evidence(note="still waiting", at=now, value=waited)),
        )
    detail = f"waiting for {what}: limit {limit_s:g} s"
    return ScoreItem(item_id, "responsiveness", Status.PENDING, weight, detail, deadline=deadline, evidence=(ev_start,))


def _answer_item(tl: Timeline, std: Standard, now: datetime) -> ScoreItem:
    rules = std.responsiveness.call
    weight = std.quality.weights.answer_time
    if tl.offered_at is not None and tl.answered_at is None and tl.ended_at is not None:
        wait = _secs(tl.offered_at, tl.ended_at)
        ev = (
            Evidence(note="call.offered", at=tl.offered_at),
            Evidence(note="abandoned", at=tl.ended_at, value=wait),
        )
        if wait < rules.short_abandon_seconds:
            detail = (
                f"caller hung up after {wait:g} s, within the {rules.short_abandon_seconds:g} s short-abandon limit"
            )
            return ScoreItem("answer_time", "responsiveness", Status.NOT_APPLICABLE, weight, detail, evidence=ev)
        detail = f"abandoned after {wait:g} s in queue"
        # Breached when the answer limit passed, or at the hang-up if that came first.
        breached = min(tl.ended_at, tl.offered_at + timedelta(seconds=rules.answer_within_seconds))
        return ScoreItem("answer_time", "responsiveness", Status.FAIL, weight, detail, deadline=breached, evidence=ev)
    return _deadline_item(
        "answer_time",
        weight,
        tl.offered_at,
        tl.answered_at,
        rules.answer_within_seconds,
        now,
        "answer",
        "call.offered",
    )


def call_response(tl: Timeline, std: Standard, now: datetime) -> tuple[ResponseTimes, list[ScoreItem]]:
    rules = std.responsiveness.call
    answer = _answer_item(tl, std, now)
    abandoned = tl.ended_at is not None and tl.answered_at is None
    wait = _secs(tl.offered_at, tl.answered_at) if tl.offered_at and tl.answered_at else None
    # Service level counts offered calls that were answered or abandoned (short abandons left out).
    counts = answer.status in (Status.PASS, Status.FAIL) and (tl.answered_at is not None or abandoned)
    hold_seconds, hold_item = _holds(tl, std, now)
    times = ResponseTimes(
        answer_wait_seconds=wait,
        abandoned=abandoned,
        counts_for_service_level=counts,
        answered_within_limit=(wait is not None and wait <= rules.answer_within_seconds) if counts else None,
        hold_count=len(tl.holds),
        hold_seconds=hold_seconds,
        transfer_count=tl.transfers,
        talk_seconds=_secs(tl.answered_at, tl.ended_at) if tl.answered_at and tl.ended_at else None,
    )
    return times, [answer, hold_item]


def _holds(tl: Timeline, std: Standard, now: datetime) -> tuple[float, ScoreItem]:
    limit = std.responsiveness.call.max_hold_seconds
    weight = std.quality.weights.hold_time
    if not tl.holds:
        return 0.0, ScoreItem("hold_time", "responsiveness", Status.NOT_APPLICABLE, weight, "no hold")
    total = 0.0
    too_long = []
    evidence = []
    deadline = None
    breached = None  # when the first hold passed the limit
    for h in tl.holds:
        took = _secs(h.start, h.end or now)
        total += took
        evidence.append(Evidence(note="hold" if h.end else "on hold now", event_id=h.event_id, at=h.start, value=took))
        if took > limit:
            too_long.append(took)
            passed_limit = h.start + timedelta(seconds=limit)
            breached = passed_limit if breached is None else min(breached, passed_limit)
        elif h.end is None:
            deadline = h.start + timedelta(seconds=limit)
    if too_long:
        detail = f"{len(too_long)} hold(s) over {limit:g} s (longest {max(too_long):g} s)"
        status, deadline = Status.FAIL, breached
    elif deadline is not None:
        detail, status = f"on hold now; limit {limit:g} s", Status.PENDING
    else:
        detail, status = f"{len(tl.holds)} hold(s), all within {limit:g} s", Status.PASS
    return round(total, 3), ScoreItem(
        "hold_time", "responsiveness", status, weight, detail, deadline=deadline, evidence=tuple(evidence)
    )


def ticket_limits(tl: Timeline, std: Standard) -> tuple[float, float]:
    """First-reply and resolution limits for this ticket: complaint levels have their own."""
    rules = std.responsiveness.ticket
    level = tl.complaint_level
    if level is not None:
        return rules.complaint_first_reply_within_seconds.get(level, rules.first_reply_within_seconds), (  # type: ignore[call-overload]
            rules.complaint_resolution_within_seconds.get(level, rules.resolution_within_seconds)  # type: ignore[call-overload]
        )
    return rules.first_reply_within_seconds, rules.resolution_within_seconds


def ticket_response(tl: Timeline, std: Standard, now: datetime) -> tuple[ResponseTimes, list[ScoreItem]]:
    weights = std.quality.weights
    first_limit, resolve_limit = ticket_limits(tl, std)
    replies = tl.turns_of("agent")
    first_reply = replies[0].at if replies else None
    # A ticket resolved without any reply is not waiting for one any more.
    reply_or_close = first_reply or tl.resolved_at
    first = _deadline_item(
        "first_reply_time",
        weights.first_reply_time,
        tl.created_at,
        reply_or_close,
        first_limit,
        now,
        "first reply",
        "ticket.created",
    )
    resolution = _deadline_item(
        "resolution_time",
        weights.resolution_time,
        tl.created_at,
        tl.resolved_at,
        resolve_limit,
        now,
        "resolution",
        "ticket.created",
    )
    times = ResponseTimes(
        first_reply_seconds=_secs(tl.created_at, first_reply) if tl.created_at and first_reply else None,
        first_reply_deadline_seconds=first_limit,
        resolution_seconds=_secs(tl.created_at, tl.resolved_at) if tl.created_at and tl.resolved_at else None,
    )
    return times, [first, resolution]

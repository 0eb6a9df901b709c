"""The calculation behind each judgement, machine-readable: what was measured, against which limit of which
rule of which standard version, and how the quality score was added up. Derived from the items the scorers
built and the standard, so every scorer stays about judging and this module about explaining."""

from collections.abc import Sequence

from service.scoring.response_time import ticket_limits
from service.scoring.timeline import Timeline
from service.scoring.types import ItemTrace, ScoreItem, ScoreTrace, Status
from service.standards.schema import Standard

SCORE_FORMULA = (
    "quality_score = 100 * sum(weight of passed items) / sum(weight of passed and failed items); "
    "pending and not-applicable items are left out; a failed critical item fails the interaction"
)


def _measured(item: ScoreItem) -> float | None:
    """The figure the scorer recorded last in its evidence (a wait, a hold, a mean), if any."""
    values = [e.value for e in item.evidence if e.value is not None]
    if item.id == "hold_time":
        return max(values, default=None)
    return values[-1] if values else None


def _response_trace(item: ScoreItem, tl: Timeline, std: Standard) -> ItemTrace:
    call = std.responsiveness.call
    if item.id == "answer_time":
        rule, limit, formula = (
            "responsiveness.call.answer_within_seconds",
            call.answer_within_seconds,
            "seconds from call.offered to call.answered (or to now while queued) <= limit",
        )
    elif item.id == "hold_time":
        rule, limit, formula = (
            "responsiveness.call.max_hold_seconds",
            call.max_hold_seconds,
            "longest hold (call.hold to call.resumed, or to now) <= limit",
        )
    else:
        first, resolution = ticket_limits(tl, std)
        level = f" for complaint level {tl.complaint_level}" if tl.complaint_level is not None else ""
        if item.id == "first_reply_time":
            rule, limit = "responsiveness.ticket.first_reply_within_seconds" + level, first
            formula = "seconds from ticket.created to the first agent reply (or resolution, or now) <= limit"
        else:
            rule, limit = "responsiveness.ticket.resolution_within_seconds" + level, resolution
            formula = "seconds from ticket.created to ticket.resolved (or now) <= limit"
    return ItemTrace(rule, std.version, _measured(item), limit, "s", formula)


def _compliance_trace(item: ScoreItem, std: Standard) -> ItemTrace:
    rule = next((r for r in std.script_rules if r.id == item.id), None)
    matches = float(sum(e.matched_text is not None for e in item.evidence))
    window = rule.window.kind if rule else "unknown"
    if item.requirement == "forbidden":
        formula = f"forbidden phrases said in the window '{window}' = 0"
        threshold = 0.0
    else:
        formula = f"required phrase said at least once in the window '{window}'"
        threshold = 1.0
    return ItemTrace(f"script_rules.{item.id}", std.version, matches, threshold, "matches", formula)


def _sentiment_trace(item: ScoreItem, std: Standard) -> ItemTrace:
    s = std.sentiment
    formula = (
        f"every mean of {s.rolling_window} consecutive customer turns (judged scores, once "
        f"{s.min_customer_turns} customer turns are heard) >= limit"
    )
    measured = item.evidence[0].value if item.evidence else None  # the mean: first in the item's evidence
    return ItemTrace("sentiment.customer_alert_below", std.version, measured, s.customer_alert_below, "", formula)


def item_trace(item: ScoreItem, tl: Timeline, std: Standard) -> ItemTrace:
    if item.category == "compliance":
        return _compliance_trace(item, std)
    if item.category == "sentiment":
        return _sentiment_trace(item, std)
    return _response_trace(item, tl, std)


def score_trace(items: Sequence[ScoreItem], std: Standard) -> ScoreTrace:
    counted = [i.status in (Status.PASS, Status.FAIL) and i.weight > 0 for i in items]
    judged = [i for i, c in zip(items, counted, strict=True) if c]
    return ScoreTrace(
        formula=SCORE_FORMULA,
        standard_version=std.version,
        passed_weight=sum(i.weight for i in judged if i.status is Status.PASS),
        judged_weight=sum(i.weight for i in judged),
        pass_mark=std.quality.pass_mark,
        counted=tuple(i.id for i in judged),
        left_out=tuple(i.id for i, c in zip(items, counted, strict=True) if not c),
        critical_failed=tuple(i.id for i in items if i.critical and i.status is Status.FAIL),
    )

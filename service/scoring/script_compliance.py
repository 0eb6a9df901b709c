"""Script compliance: each rule of the standard judged pass / fail / pending / not applicable, with evidence."""

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from service.scoring.sentiment import compound
from service.scoring.text_match import PhraseMatch, PhraseMatcher
from service.scoring.timeline import Timeline, Turn
from service.scoring.types import Evidence, ScoreItem, Status
from service.standards.schema import ScriptRule, Standard

_MATCHERS: dict[tuple[object, ...], PhraseMatcher] = {}
_EVIDENCE_TEXT_CHARS = 500


def matcher_for(rule: ScriptRule, standard: Standard) -> PhraseMatcher:
    """Compiled once per rule content; phrases of the standard's languages only."""
    phrases = tuple(p for lang in sorted(standard.languages) for p in rule.phrases.get(lang, ()))
    key = (phrases, rule.patterns, standard.quality.fuzzy_threshold)
    found = _MATCHERS.get(key)
    if found is None:
        found = _MATCHERS[key] = PhraseMatcher(phrases, rule.patterns, standard.quality.fuzzy_threshold)
    return found


def _said(turn: Turn, m: PhraseMatch) -> Evidence:
    return Evidence(
        note="matched",
        event_id=turn.event_id,
        at=turn.at,
        offset_ms=turn.offset_ms,
        speaker=turn.speaker,
        text=turn.text[:_EVIDENCE_TEXT_CHARS],
        matched_text=m.matched_text,
        phrase=m.phrase,
        method=m.method,
        similarity=round(m.similarity, 3),
    )


def _first_match(turns: Sequence[Turn], find: Callable[[str], PhraseMatch | None]) -> Evidence | None:
    for t in turns:
        m = find(t.text)
        if m is not None:
            return _said(t, m)
    return None


def _every_match(text: str, find: Callable[[str], PhraseMatch | None]) -> list[PhraseMatch]:
    """Every occurrence in one turn, left to right (a forbidden phrase said twice is shown twice)."""
    found: list[PhraseMatch] = []
    pos = 0
    while pos < len(text) and (m := find(text[pos:])) is not None and m.end > 0:
        found.append(replace(m, start=m.start + pos, end=m.end + pos))
        pos += m.end
    return found


def _searched(turns: Sequence[Turn], what: str) -> Evidence:
    ids = ", ".join(t.event_id for t in turns[:10]) or "none"
    return Evidence(note=f"searched {len(turns)} {what}: {ids}")


def evaluate_rule(rule: ScriptRule, tl: Timeline, standard: Standard, now: datetime) -> ScoreItem:
    find = matcher_for(rule, standard).find
    turns = tl.turns_of(rule.speaker)
    who = f"{rule.speaker} turns"

    def item(status: Status, detail: str, evidence: Sequence[Evidence] = (), deadline: datetime | None = None):
        return ScoreItem(
            rule.id,
            "compliance",
            status,
            rule.weight,
            detail,
            critical=rule.critical,
            requirement=rule.requirement,
            deadline=deadline,
            evidence=tuple(evidence),
        )

    if rule.requirement == "forbidden":
        said = [_said(t, m) for t in _window_turns(rule, tl, turns) for m in _every_match(t.text, find)]
        if said:
            return item(Status.FAIL, f"forbidden phrase said {len(said)} time(s)", said)
        if not turns:
            return item(Status.NOT_APPLICABLE if tl.final else Status.PENDING, f"no {who}")
        return item(Status.PASS, "no forbidden phrase" + ("" if tl.final else " so far"), [_searched(turns, who)])

    w = rule.window
    match w.kind:
        case "first_turns":
            cands = turns[: w.turns]  # type: ignore[union-attr]
            hit = _first_match(cands, find)
            if hit:
                return item(Status.PASS, f"said in the first {w.turns} {who}", [hit])  # type: ignore[union-attr]
            if len(turns) >= w.turns or (tl.final and turns):  # type: ignore[union-attr]
                return item(Status.FAIL, f"not said in the first {w.turns} {who}", [_searched(cands, who)])  # type: ignore[union-attr]
            return item(Status.NOT_APPLICABLE if tl.final else Status.PENDING, f"{len(turns)} {who} so far")
        case "last_turns":
            if not tl.final:
                return item(Status.PENDING, "judged when the interaction ends")
            if not turns:
                return item(Status.NOT_APPLICABLE, f"no {who}")
            cands = _closing_turns(turns, w.turns)  # type: ignore[union-attr]
            hit = _first_match(cands, find)
            if hit:
                return item(Status.PASS, f"said in the last {w.turns} {who}", [hit])  # type: ignore[union-attr]
            return item(Status.FAIL, f"not said in the last {w.turns} {who}", [_searched(cands, who)])  # type: ignore[union-attr]
        case "within_seconds_of_answer":
            if tl.answered_at is None:
                return item(Status.NOT_APPLICABLE if tl.final else Status.PENDING, "call not answered")
            deadline = tl.answered_at + timedelta(seconds=w.seconds)  # type: ignore[union-attr]
            cands = [t for t in turns if t.at <= deadline]
            hit = _first_match(cands, find)
            if hit:
                return item(Status.PASS, f"said within {w.seconds:g} s of answer", [hit])  # type: ignore[union-attr]
            if tl.final and not tl.turns:
                return item(Status.NOT_APPLICABLE, "no transcript")
            if now > deadline or tl.final:
                detail = f"not said within {w.seconds:g} s of answer"  # type: ignore[union-attr]
                return item(Status.FAIL, detail, [_searched(cands, who)], deadline)
            return item(Status.PENDING, f"due by {deadline.isoformat()}", deadline=deadline)
        case "anywhere":
            hit = _first_match(turns, find)
            if hit:
                return item(Status.PASS, "said", [hit])
            if not tl.final:
                return item(Status.PENDING, "judged when the interaction ends")
            if not turns:
                return item(Status.NOT_APPLICABLE, f"no {who}")
            return item(Status.FAIL, "never said", [_searched(turns, who)])
        case "before_hold":
            return _before_hold(rule, tl, turns, find, item)
        case "after_customer_upset":
            return _after_upset(rule, tl, standard, find, item)
    raise AssertionError(f"unknown window {w.kind}")


def _closing_turns(turns: Sequence[Turn], n: int) -> Sequence[Turn]:
    """The last n turns, never the opening one while there are others: "thank you for calling" opening a
    short call is its greeting, not its closing."""
    return turns[max(len(turns) - n, 1 if len(turns) > 1 else 0) :]


def _window_turns(rule: ScriptRule, tl: Timeline, turns: tuple[Turn, ...]) -> Sequence[Turn]:
    w = rule.window
    if w.kind == "first_turns":
        return turns[: w.turns]
    if w.kind == "last_turns":
        return _closing_turns(turns, w.turns)
    if w.kind == "within_seconds_of_answer" and tl.answered_at is not None:
        deadline = tl.answered_at + timedelta(seconds=w.seconds)
        return [t for t in turns if t.at <= deadline]
    return turns


def _before_hold(rule, tl, turns, find, item) -> ScoreItem:  # type: ignore[no-untyped-def]
    if not tl.holds:
        return item(Status.NOT_APPLICABLE, "no hold")
    asked, missed = [], []
    for hold in tl.holds:
        before = [t for t in turns if t.at <= hold.start][-rule.window.turns :]
        hit = _first_match(before, find)
        if hit:
            asked.append(hit)
        else:
            missed.append(Evidence(note="hold without asking", event_id=hold.event_id, at=hold.start))
    if missed:
        return item(Status.FAIL, f"{len(missed)} of {len(tl.holds)} hold(s) without asking first", missed + asked)
    return item(Status.PASS, f"asked before all {len(tl.holds)} hold(s)", asked)


def _after_upset(rule, tl, standard, find, item) -> ScoreItem:  # type: ignore[no-untyped-def]
    """Each episode of an upset customer needs the phrase within the next N agent turns."""
    threshold = standard.sentiment.customer_upset_below
    n = rule.window.turns
    episodes: list[dict] = []  # {"upset": Evidence, "agent_turns": int, "hit": Evidence | None}
    open_ep: dict | None = None
    for t in tl.turns:
        if t.speaker == "customer":
            score = compound(t.text)
            if score <= threshold and open_ep is None:
                upset = Evidence(
                    note="customer upset",
                    event_id=t.event_id,
                    at=t.at,
                    offset_ms=t.offset_ms,
                    speaker=t.speaker,
                    text=t.text[:_EVIDENCE_TEXT_CHARS],
                    value=score,
                )
                open_ep = {"upset": upset, "agent_turns": 0, "hit": None}
                episodes.append(open_ep)
        elif t.speaker == rule.speaker and open_ep is not None:
            open_ep["agent_turns"] += 1
            m = find(t.text)
            if m is not None:
                open_ep["hit"] = _said(t, m)
            if open_ep["hit"] or open_ep["agent_turns"] >= n:
                open_ep = None
    if not episodes:
        return item(Status.NOT_APPLICABLE, "customer was not upset")
    evidence: list[Evidence] = []
    failed = pending = 0
    for ep in episodes:
        evidence.append(ep["upset"])
        if ep["hit"]:
            evidence.append(ep["hit"])
        elif ep["agent_turns"] >= n or (tl.final and ep["agent_turns"] > 0):
            failed += 1
        elif not tl.final:
            pending += 1
    if failed:
        return item(
            Status.FAIL,
            f"no empathy within {n} agent turns in {failed} of {len(episodes)} episode(s)",
            evidence,
        )
    if pending:
        return item(Status.PENDING, "customer upset; waiting for the agent's next turns", evidence)
    return item(Status.PASS, f"responded to {len(episodes)} upset episode(s)", evidence)


def evaluate_script(tl: Timeline, standard: Standard, now: datetime) -> list[ScoreItem]:
    return [evaluate_rule(r, tl, standard, now) for r in standard.script_rules if tl.kind in r.applies_to]

"""Script compliance: each rule of the standard judged pass / fail / pending / not applicable, with evidence."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from service.scoring.sentiment import judged_score
from service.scoring.text_match import PhraseMatch, PhraseMatcher, PhraseWithConditions, TurnPosition
from service.scoring.timeline import Timeline, Turn, turn_evidence
from service.scoring.types import Evidence, ScoreItem, Status
from service.standards.schema import (
    AfterCustomerUpset,
    Anywhere,
    BeforeHold,
    FirstTurns,
    LastTurns,
    ScriptRule,
    Standard,
    WithinSecondsOfAnswer,
)

Find = Callable[[Turn, str], PhraseMatch | None]  # (the turn, the part of its text to search)


# The same rule object of the same standard object asks for its matcher on every rescore: found by identity
# first (the entry holds both objects, so their ids cannot be reused while it is kept), by content after.
_BY_IDENTITY: dict[tuple[int, int], tuple[ScriptRule, Standard, PhraseMatcher]] = {}
_BY_IDENTITY_MAX = 1024


def matcher_for(rule: ScriptRule, standard: Standard) -> PhraseMatcher:
    """Compiled once per rule content; phrases of the standard's languages only."""
    known = _BY_IDENTITY.get((id(rule), id(standard)))
    if known is not None and known[0] is rule and known[1] is standard:
        return known[2]
    if len(_BY_IDENTITY) >= _BY_IDENTITY_MAX:
        _BY_IDENTITY.clear()
    found = _matcher_by_content(rule, standard)
    _BY_IDENTITY[(id(rule), id(standard))] = (rule, standard, found)
    return found


def _matcher_by_content(rule: ScriptRule, standard: Standard) -> PhraseMatcher:
    phrases = tuple(p for lang in sorted(standard.languages) for p in rule.phrases.get(lang, ()))
    classes = tuple(sorted(standard.word_classes.items()))
    return _matcher(phrases, rule.patterns, standard.quality.fuzzy_threshold, classes)


# The most recently used rule contents (8 rules in the default standard): every candidate standard an admin tries
# (activation fixtures, backtests) compiles its own, so an unbounded table would only grow; one that left is
# compiled again when asked.
@lru_cache(maxsize=128)
def _matcher(
    phrases: tuple[str | PhraseWithConditions, ...],
    patterns: tuple[str, ...],
    fuzzy_threshold: float,
    classes: tuple[tuple[str, tuple[str, ...]], ...],
) -> PhraseMatcher:
    return PhraseMatcher(phrases, patterns, fuzzy_threshold, dict(classes))


def finder(matcher: PhraseMatcher, turns: Sequence[Turn], final: bool) -> Find:
    """A search that knows where each turn is among `turns` (its speaker's), for phrases bound to a turn."""
    first = turns[0].event_id if turns else None
    last = turns[-1].event_id if turns and final else None

    def find(turn: Turn, text: str) -> PhraseMatch | None:
        return matcher.find(text, TurnPosition(turn.event_id == first, turn.event_id == last, turn.speaker))

    return find


def _said(turn: Turn, m: PhraseMatch) -> Evidence:
    return turn_evidence(
        turn, "matched", matched_text=m.matched_text, phrase=m.phrase, method=m.method,
        similarity=round(m.similarity, 3),
    )  # fmt: skip


def _first_match(turns: Sequence[Turn], find: Find) -> Evidence | None:
    for t in turns:
        m = find(t, t.text)
        if m is not None:
            return _said(t, m)
    return None


def _every_match(turn: Turn, find: Find) -> list[PhraseMatch]:
    """Every occurrence in one turn, left to right (a forbidden phrase said twice is shown twice)."""
    found: list[PhraseMatch] = []
    text = turn.text
    pos = 0
    while pos < len(text) and (m := find(turn, text[pos:])) is not None and m.end > 0:
        found.append(replace(m, start=m.start + pos, end=m.end + pos))
        pos += m.end
    return found


def _searched(turns: Sequence[Turn], what: str) -> Evidence:
    ids = ", ".join(t.event_id for t in turns[:10]) or "none"
    return Evidence(note=f"searched {len(turns)} {what}: {ids}")


@dataclass(frozen=True, slots=True)
class _Judging:
    """One rule over one timeline: what every window's judgement reads, and how it writes its item."""

    rule: ScriptRule
    tl: Timeline
    turns: tuple[Turn, ...]  # the rule's speaker's
    find: Find
    standard: Standard
    now: datetime

    @property
    def who(self) -> str:
        return f"{self.rule.speaker} turns"

    def item(
        self, status: Status, detail: str, evidence: Sequence[Evidence] = (), deadline: datetime | None = None
    ) -> ScoreItem:
        r = self.rule
        return ScoreItem(
            r.id,
            "compliance",
            status,
            r.weight,
            detail,
            critical=r.critical,
            requirement=r.requirement,
            deadline=deadline,
            evidence=tuple(evidence),
        )

    def unjudged(self, detail: str) -> ScoreItem:
        """Nothing to judge by: not applicable once the interaction is over, pending until then."""
        return self.item(Status.NOT_APPLICABLE if self.tl.final else Status.PENDING, detail)


def evaluate_rule(rule: ScriptRule, tl: Timeline, standard: Standard, now: datetime) -> ScoreItem:
    turns = tl.turns_of(rule.speaker)
    j = _Judging(rule, tl, turns, finder(matcher_for(rule, standard), turns, tl.final), standard, now)
    if rule.requirement == "forbidden":
        return _forbidden(j)
    judge = _BY_WINDOW.get(rule.window.kind)
    if judge is None:
        raise AssertionError(f"unknown window {rule.window.kind}")
    return judge(j, rule.window)


def _forbidden(j: _Judging) -> ScoreItem:
    said = [_said(t, m) for t in _window_turns(j.rule, j.tl, j.turns) for m in _every_match(t, j.find)]
    if said:
        return j.item(Status.FAIL, f"forbidden phrase said {len(said)} time(s)", said)
    if not j.turns:
        return j.unjudged(f"no {j.who}")
    return j.item(Status.PASS, "no forbidden phrase" + ("" if j.tl.final else " so far"), [_searched(j.turns, j.who)])


def _first_turns(j: _Judging, w: FirstTurns) -> ScoreItem:
    n, turns = w.turns, j.turns
    cands = turns[:n]
    hit = _first_match(cands, j.find)
    if hit:
        return j.item(Status.PASS, f"said in the first {n} {j.who}", [hit])
    if len(turns) >= n or (j.tl.final and turns):
        return j.item(Status.FAIL, f"not said in the first {n} {j.who}", [_searched(cands, j.who)])
    return j.unjudged(f"{len(turns)} {j.who} so far")


def _last_turns(j: _Judging, w: LastTurns) -> ScoreItem:
    n = w.turns
    if not j.tl.final:
        return j.item(Status.PENDING, "judged when the interaction ends")
    if not j.turns:
        return j.item(Status.NOT_APPLICABLE, f"no {j.who}")
    closing = _closing_turns(j.turns, n)
    hit = _first_match(closing, j.find)
    if hit:
        return j.item(Status.PASS, f"said in the last {n} {j.who}", [hit])
    return j.item(Status.FAIL, f"not said in the last {n} {j.who}", [_searched(closing, j.who)])


def _within_seconds_of_answer(j: _Judging, w: WithinSecondsOfAnswer) -> ScoreItem:
    tl, secs = j.tl, w.seconds
    if tl.answered_at is None:
        return j.unjudged("call not answered")
    deadline = tl.answered_at + timedelta(seconds=secs)
    early = [t for t in j.turns if t.at <= deadline]
    hit = _first_match(early, j.find)
    if hit:
        return j.item(Status.PASS, f"said within {secs:g} s of answer", [hit])
    if tl.final and not tl.turns:
        return j.item(Status.NOT_APPLICABLE, "no transcript")
    if j.now > deadline or tl.final:
        return j.item(Status.FAIL, f"not said within {secs:g} s of answer", [_searched(early, j.who)], deadline)
    return j.item(Status.PENDING, f"due by {deadline.isoformat()}", deadline=deadline)


def _anywhere(j: _Judging, _: Anywhere) -> ScoreItem:
    hit = _first_match(j.turns, j.find)
    if hit:
        return j.item(Status.PASS, "said", [hit])
    if not j.tl.final:
        return j.item(Status.PENDING, "judged when the interaction ends")
    if not j.turns:
        return j.item(Status.NOT_APPLICABLE, f"no {j.who}")
    return j.item(Status.FAIL, "never said", [_searched(j.turns, j.who)])


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


def _before_hold(j: _Judging, w: BeforeHold) -> ScoreItem:
    item, tl, turns, find, n = j.item, j.tl, j.turns, j.find, w.turns
    if not tl.holds:
        return item(Status.NOT_APPLICABLE, "no hold")
    asked, missed = [], []
    for hold in tl.holds:
        before = [t for t in turns if t.at <= hold.start][-n:]
        hit = _first_match(before, find)
        if hit:
            asked.append(hit)
        else:
            missed.append(Evidence(note="hold without asking", event_id=hold.event_id, at=hold.start))
    if missed:
        return item(Status.FAIL, f"{len(missed)} of {len(tl.holds)} hold(s) without asking first", missed + asked)
    return item(Status.PASS, f"asked before all {len(tl.holds)} hold(s)", asked)


@dataclass(slots=True)
class _Episode:
    """An upset customer turn and the agent turns that followed it."""

    upset: Evidence
    agent_turns: int = 0
    hit: Evidence | None = None


def _after_upset(j: _Judging, w: AfterCustomerUpset) -> ScoreItem:
    """Each episode of an upset customer needs the phrase within the next n turns of the rule's speaker."""
    item, tl, speaker, std, find, n = j.item, j.tl, j.rule.speaker, j.standard.sentiment, j.find, w.turns
    threshold = std.customer_upset_below
    episodes: list[_Episode] = []
    current: _Episode | None = None
    for t in tl.turns:
        if t.speaker == "customer" and current is None and (score := judged_score(t.text, std)) <= threshold:
            current = _Episode(turn_evidence(t, "customer upset", value=score))
            episodes.append(current)
        elif t.speaker == speaker and current is not None:
            current.agent_turns += 1
            m = find(t, t.text)
            if m is not None:
                current.hit = _said(t, m)
            if current.hit or current.agent_turns >= n:
                current = None
    if not episodes:
        return item(Status.NOT_APPLICABLE, "customer was not upset")
    evidence: list[Evidence] = []
    failed = pending = answered = 0
    for ep in episodes:
        evidence.append(ep.upset)
        if ep.hit:
            evidence.append(ep.hit)
            answered += 1
        elif ep.agent_turns >= n or (tl.final and ep.agent_turns > 0):
            failed += 1
        elif not tl.final:
            pending += 1
    if failed:
        return item(
            Status.FAIL, f"no empathy within {n} agent turns in {failed} of {len(episodes)} episode(s)", evidence
        )
    if pending:
        return item(Status.PENDING, "customer upset; waiting for the agent's next turns", evidence)
    if not answered:  # the interaction ended before the agent had a turn to respond
        return item(Status.NOT_APPLICABLE, "customer upset in the last turn; no agent turn followed", evidence)
    return item(Status.PASS, f"responded to {answered} upset episode(s)", evidence)


# Each window kind of the standard (service/standards/schema.py) judged by its own function.
_BY_WINDOW: dict[str, Callable[[_Judging, Any], ScoreItem]] = {
    "first_turns": _first_turns,
    "last_turns": _last_turns,
    "within_seconds_of_answer": _within_seconds_of_answer,
    "anywhere": _anywhere,
    "before_hold": _before_hold,
    "after_customer_upset": _after_upset,
}


def evaluate_script(tl: Timeline, standard: Standard, now: datetime) -> list[ScoreItem]:
    return [evaluate_rule(r, tl, standard, now) for r in standard.script_rules if tl.kind in r.applies_to]

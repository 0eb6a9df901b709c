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
    Anywhere,
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


def _searched(head: Sequence[Turn], count: int, what: str) -> Evidence:
    """What was searched without a match: how many turns, and the first ten of them (`head`)."""
    ids = ", ".join(t.event_id for t in head[:10]) or "none"
    return Evidence(note=f"searched {count} {what}: {ids}")


class _Judging:
    """One rule over one timeline: what every window's judgement reads, and how it writes its item."""

    __slots__ = ("_find", "matcher", "now", "rule", "tl", "turns")

    def __init__(
        self, rule: ScriptRule, tl: Timeline, turns: tuple[Turn, ...], matcher: PhraseMatcher, now: datetime
    ) -> None:
        self.rule = rule
        self.tl = tl
        self.turns = turns  # the rule's speaker's
        self.matcher = matcher
        self.now = now
        self._find: Find | None = None

    @property
    def find(self) -> Find:
        """The search of one of `turns` (made when first asked: most judgements of a live call search nothing)."""
        if self._find is None:
            self._find = finder(self.matcher, self.turns, self.tl.final)
        return self._find

    @property
    def who(self) -> str:
        return f"{self.rule.speaker} turns"

    @property
    def final_last(self) -> int | None:
        """Where the speaker's last turn is once the interaction is over: the one turn searched again as the
        last (phrases bound to the last turn count only there)."""
        return len(self.turns) - 1 if self.tl.final and self.turns else None

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


def _held(rule: ScriptRule, turn: Turn, index: int, answered_at: datetime | None) -> bool:
    """Whether the speaker's turn at `index` is in the rule's window for good, known when it is said (the last
    turns' window moves: its turns are all held and chosen when judged)."""
    w = rule.window
    if w.kind == "first_turns":
        return index < w.turns
    if w.kind == "within_seconds_of_answer" and answered_at is not None:
        return turn.at <= answered_at + timedelta(seconds=w.seconds)
    return True


class _RuleFold:
    """The running judgement of one rule, so that a turn said costs its own search only.

    `add` takes every turn of the timeline in order, with the place of the rule speaker's turns among theirs
    (None for the other speaker's); `sync` what may change without a turn (the holds); `item` judges from what
    was kept and what a rescore may change (final, now). Searches while folding place a turn as its speaker's
    first or not, never last: a turn is the last only once the interaction is over, so `item` searches that one
    turn again then (`_Judging.final_last`). A fold from no turns is the full judgement (evaluate_rule)."""

    def __init__(self, rule: ScriptRule, standard: Standard) -> None:
        self.rule = rule
        self.matcher = matcher_for(rule, standard)

    def copy(self) -> "_RuleFold":
        """An independent fold (its values are immutable: a copy of their references is enough)."""
        other = object.__new__(type(self))
        other.__dict__.update(self.__dict__)
        return other

    def add(self, turn: Turn, index: int | None, at: int, answered_at: datetime | None) -> None:
        """`at`: the turn's place in the timeline's turns."""

    def sync(self, tl: Timeline) -> None:
        """Catch up with what changed beside the turns."""

    def item(self, j: _Judging) -> ScoreItem:
        raise NotImplementedError

    def _find(self, index: int) -> Find:
        """The search of the speaker's turn at `index` while it is not known to be the last."""
        matcher, first = self.matcher, index == 0
        return lambda turn, text: matcher.find(text, TurnPosition(first, False, turn.speaker))  # as `finder` does


class _Forbidden(_RuleFold):
    def __init__(self, rule: ScriptRule, standard: Standard) -> None:
        super().__init__(rule, standard)
        self.hits: tuple[tuple[int, tuple[Evidence, ...]], ...] = ()  # (speaker turn, what it said), in order

    def add(self, turn: Turn, index: int | None, at: int, answered_at: datetime | None) -> None:
        if index is not None and _held(self.rule, turn, index, answered_at):
            said = tuple(_said(turn, m) for m in _every_match(turn, self._find(index)))
            if said:
                self.hits += ((index, said),)

    def item(self, j: _Judging) -> ScoreItem:
        w, turns, last = self.rule.window, j.turns, j.final_last
        lo = max(len(turns) - w.turns, 1 if len(turns) > 1 else 0) if isinstance(w, LastTurns) else 0
        kept: list[tuple[Evidence, ...]] = []
        for index, said in reversed(self.hits):
            if index < lo:
                break
            if index != last:
                kept.append(said)
        found = [e for said in reversed(kept) for e in said]
        if last is not None and _held(self.rule, turns[last], last, j.tl.answered_at):
            found += [_said(turns[last], m) for m in _every_match(turns[last], j.find)]
        if found:
            return j.item(Status.FAIL, f"forbidden phrase said {len(found)} time(s)", found)
        if not turns:
            return j.unjudged(f"no {j.who}")
        detail = "no forbidden phrase" + ("" if j.tl.final else " so far")
        return j.item(Status.PASS, detail, [_searched(turns, len(turns), j.who)])


class _FirstSaid(_RuleFold):
    """A required phrase in a window whose turns are known as they are said (first turns, within seconds of the
    answer, anywhere): its first match, and how many turns were searched."""

    def __init__(self, rule: ScriptRule, standard: Standard) -> None:
        super().__init__(rule, standard)
        self.hit: tuple[int, Evidence] | None = None
        self.held = 0
        self.head: tuple[Turn, ...] = ()  # the first ten turns held, as evidence names them

    def add(self, turn: Turn, index: int | None, at: int, answered_at: datetime | None) -> None:
        if index is None or not _held(self.rule, turn, index, answered_at):
            return
        speaker = turn.speaker
        self.held += 1
        if len(self.head) < 10:
            self.head += (turn,)
        if self.hit is None:
            m = self.matcher.find(turn.text, TurnPosition(index == 0, False, speaker))
            if m is not None:
                self.hit = (index, _said(turn, m))

    def found(self, j: _Judging) -> Evidence | None:
        last = j.final_last
        if self.hit is not None and self.hit[0] != last:
            return self.hit[1]
        if last is None or not _held(self.rule, j.turns[last], last, j.tl.answered_at):
            return None
        return _first_match(j.turns[last:], j.find)

    def item(self, j: _Judging) -> ScoreItem:
        return _BY_WINDOW[self.rule.window.kind](self, j, self.rule.window)


def _first_turns(f: _FirstSaid, j: _Judging, w: FirstTurns) -> ScoreItem:
    n, turns = w.turns, j.turns
    hit = f.found(j)
    if hit:
        return j.item(Status.PASS, f"said in the first {n} {j.who}", [hit])
    if len(turns) >= n or (j.tl.final and turns):
        return j.item(Status.FAIL, f"not said in the first {n} {j.who}", [_searched(f.head, f.held, j.who)])
    return j.unjudged(f"{len(turns)} {j.who} so far")


def _within_seconds_of_answer(f: _FirstSaid, j: _Judging, w: WithinSecondsOfAnswer) -> ScoreItem:
    tl, secs = j.tl, w.seconds
    if tl.answered_at is None:
        return j.unjudged("call not answered")
    deadline = tl.answered_at + timedelta(seconds=secs)
    hit = f.found(j)
    if hit:
        return j.item(Status.PASS, f"said within {secs:g} s of answer", [hit])
    if tl.final and not tl.turns:
        return j.item(Status.NOT_APPLICABLE, "no transcript")
    if j.now > deadline or tl.final:
        searched = _searched(f.head, f.held, j.who)
        return j.item(Status.FAIL, f"not said within {secs:g} s of answer", [searched], deadline)
    return j.item(Status.PENDING, f"due by {deadline.isoformat()}", deadline=deadline)


def _anywhere(f: _FirstSaid, j: _Judging, _: Anywhere) -> ScoreItem:
    hit = f.found(j)
    if hit:
        return j.item(Status.PASS, "said", [hit])
    if not j.tl.final:
        return j.item(Status.PENDING, "judged when the interaction ends")
    if not j.turns:
        return j.item(Status.NOT_APPLICABLE, f"no {j.who}")
    return j.item(Status.FAIL, "never said", [_searched(j.turns, len(j.turns), j.who)])


# The windows whose turns are known as they are said, each judged by its own function.
_BY_WINDOW: dict[str, Callable[[_FirstSaid, _Judging, Any], ScoreItem]] = {
    "first_turns": _first_turns,
    "within_seconds_of_answer": _within_seconds_of_answer,
    "anywhere": _anywhere,
}


def _closing_turns(turns: Sequence[Turn], n: int) -> Sequence[Turn]:
    """The last n turns, never the opening one while there are others: "thank you for calling" opening a
    short call is its greeting, not its closing."""
    return turns[max(len(turns) - n, 1 if len(turns) > 1 else 0) :]


class _LastSaid(_RuleFold):
    """A required phrase in the last turns: judged when the interaction ends, over those few turns."""

    def item(self, j: _Judging) -> ScoreItem:
        n = self.rule.window.turns  # type: ignore[union-attr]
        if not j.tl.final:
            return j.item(Status.PENDING, "judged when the interaction ends")
        if not j.turns:
            return j.item(Status.NOT_APPLICABLE, f"no {j.who}")
        closing = _closing_turns(j.turns, n)
        hit = _first_match(closing, j.find)
        if hit:
            return j.item(Status.PASS, f"said in the last {n} {j.who}", [hit])
        return j.item(Status.FAIL, f"not said in the last {n} {j.who}", [_searched(closing, len(closing), j.who)])


class _BeforeHold(_RuleFold):
    """Asked before each hold: the last n speaker turns said by its start, kept per hold as turns come."""

    def __init__(self, rule: ScriptRule, standard: Standard) -> None:
        super().__init__(rule, standard)
        self.before: tuple[tuple[str, datetime, tuple[Turn, ...]], ...] = ()  # each hold's event, start, turns

    def add(self, turn: Turn, index: int | None, at: int, answered_at: datetime | None) -> None:
        if index is None:
            return
        n = self.rule.window.turns  # type: ignore[union-attr]
        if any(turn.at <= start for _, start, _ in self.before):
            self.before = tuple(
                (event_id, start, (*turns, turn)[-n:] if turn.at <= start else turns)
                for event_id, start, turns in self.before
            )

    def sync(self, tl: Timeline) -> None:
        n = self.rule.window.turns  # type: ignore[union-attr]
        before = list(self.before)
        for k, hold in enumerate(tl.holds):
            if k == len(before) or before[k][:2] != (hold.event_id, hold.start):
                said = [t for t in tl.turns_of(self.rule.speaker) if t.at <= hold.start][-n:]
                before[k:] = [(hold.event_id, hold.start, tuple(said))]
        self.before = tuple(before)

    def item(self, j: _Judging) -> ScoreItem:
        holds = j.tl.holds
        if not holds:
            return j.item(Status.NOT_APPLICABLE, "no hold")
        asked, missed = [], []
        for k, hold in enumerate(holds):
            hit = _first_match(self.before[k][2], j.find)
            if hit:
                asked.append(hit)
            else:
                missed.append(Evidence(note="hold without asking", event_id=hold.event_id, at=hold.start))
        if missed:
            return j.item(Status.FAIL, f"{len(missed)} of {len(holds)} hold(s) without asking first", missed + asked)
        return j.item(Status.PASS, f"asked before all {len(holds)} hold(s)", asked)


@dataclass(frozen=True, slots=True)
class _Upsets:
    """Episodes of an upset customer so far: the evidence and counts of those over, and the one still open (an
    upset customer turn whose answer the rule's speaker still has turns left to give)."""

    evidence: tuple[Evidence, ...] = ()  # each episode over: its upset turn, and the phrase that answered it
    episodes: int = 0
    failed: int = 0
    answered: int = 0
    open: Evidence | None = None
    agent_turns: int = 0  # the open episode's turns of the rule's speaker so far


class _AfterUpset(_RuleFold):
    """Each episode of an upset customer needs the phrase within the next n turns of the rule's speaker."""

    def __init__(self, rule: ScriptRule, standard: Standard) -> None:
        super().__init__(rule, standard)
        self.sentiment = standard.sentiment
        self.state = _Upsets()
        self.mark: tuple[_Upsets, int] | None = None  # the state before the speaker's latest turn, and where it is

    def add(self, turn: Turn, index: int | None, at: int, answered_at: datetime | None) -> None:
        if index is not None:
            self.mark = (self.state, at)
        self.state = self._step(self.state, turn, None if index is None else self._find(index))

    def _step(self, s: _Upsets, t: Turn, find: Find | None) -> _Upsets:
        """`find`: the search of the turn when it is the rule speaker's, else None."""
        std, n = self.sentiment, self.rule.window.turns  # type: ignore[union-attr]
        upset = std.customer_upset_below
        if t.speaker == "customer" and s.open is None and (score := judged_score(t.text, std)) <= upset:
            return replace(s, episodes=s.episodes + 1, open=turn_evidence(t, "customer upset", value=score))
        if find is None or s.open is None:
            return s
        m = find(t, t.text)
        if m is not None:
            return _Upsets((*s.evidence, s.open, _said(t, m)), s.episodes, s.failed, s.answered + 1)
        if s.agent_turns + 1 >= n:
            return _Upsets((*s.evidence, s.open), s.episodes, s.failed + 1, s.answered)
        return replace(s, agent_turns=s.agent_turns + 1)

    def item(self, j: _Judging) -> ScoreItem:
        tl, n, s = j.tl, self.rule.window.turns, self.state  # type: ignore[union-attr]
        if tl.final and self.mark is not None:  # the speaker's last turn again, searched as the last
            s, at = self.mark
            for t in tl.turns[at:]:
                s = self._step(s, t, j.find if t.speaker == self.rule.speaker else None)
        if not s.episodes:
            return j.item(Status.NOT_APPLICABLE, "customer was not upset")
        evidence, failed, pending = s.evidence, s.failed, 0
        if s.open is not None:
            evidence += (s.open,)
            if tl.final and s.agent_turns > 0:
                failed += 1
            elif not tl.final:
                pending = 1
        if failed:
            detail = f"no empathy within {n} agent turns in {failed} of {s.episodes} episode(s)"
            return j.item(Status.FAIL, detail, evidence)
        if pending:
            return j.item(Status.PENDING, "customer upset; waiting for the agent's next turns", evidence)
        if not s.answered:  # the interaction ended before the agent had a turn to respond
            return j.item(Status.NOT_APPLICABLE, "customer upset in the last turn; no agent turn followed", evidence)
        return j.item(Status.PASS, f"responded to {s.answered} upset episode(s)", evidence)


# Each window kind of the standard (service/standards/schema.py) folded by its own class.
_REQUIRED: dict[str, type[_RuleFold]] = {
    **dict.fromkeys(_BY_WINDOW, _FirstSaid),
    "last_turns": _LastSaid,
    "before_hold": _BeforeHold,
    "after_customer_upset": _AfterUpset,
}


def _fold_of(rule: ScriptRule, standard: Standard) -> _RuleFold:
    if rule.requirement == "forbidden":
        return _Forbidden(rule, standard)
    fold = _REQUIRED.get(rule.window.kind)
    if fold is None:
        raise AssertionError(f"unknown window {rule.window.kind}")
    return fold(rule, standard)


class ScriptFold:
    """The running judgement of script rules over one interaction's turns, added in transcript order."""

    def __init__(self, standard: Standard, rules: Sequence[ScriptRule]) -> None:
        self._spoken: dict[str, int] = {}  # turns of each speaker added
        self._keep([_fold_of(r, standard) for r in rules])

    def _keep(self, rules: list[_RuleFold]) -> None:
        self._rules = rules
        # Those that read turns as they come, and those that catch up beside them (every turn calls them).
        self._adding = [r for r in rules if type(r).add is not _RuleFold.add]
        self._syncing = [r for r in rules if type(r).sync is not _RuleFold.sync]

    @classmethod
    def of(cls, tl: Timeline, standard: Standard, rules: Sequence[ScriptRule]) -> "ScriptFold":
        fold = cls(standard, rules)
        for at, turn in enumerate(tl.turns):
            fold.add(turn, at, tl.answered_at)
        fold.sync(tl)
        return fold

    def copy(self) -> "ScriptFold":
        other = object.__new__(ScriptFold)
        other._spoken = dict(self._spoken)
        other._keep([r.copy() for r in self._rules])
        return other

    def add(self, turn: Turn, at: int, answered_at: datetime | None) -> None:
        """The turn at place `at` of the timeline's turns; its time hangs on `answered_at`."""
        index = self._spoken.get(turn.speaker, 0)
        self._spoken[turn.speaker] = index + 1
        speaker = turn.speaker
        for r in self._adding:
            r.add(turn, index if speaker == r.rule.speaker else None, at, answered_at)

    def sync(self, tl: Timeline) -> None:
        for r in self._syncing:
            r.sync(tl)

    def items(self, tl: Timeline, now: datetime) -> list[ScoreItem]:
        """Each rule's item: `tl` is the timeline of the turns added (and `sync`ed)."""
        out = []
        for r in self._rules:
            turns = tl.turns_of(r.rule.speaker)
            out.append(r.item(_Judging(r.rule, tl, turns, r.matcher, now)))
        return out


def script_rules_of(standard: Standard, kind: str) -> list[ScriptRule]:
    return [r for r in standard.script_rules if kind in r.applies_to]


def evaluate_rule(rule: ScriptRule, tl: Timeline, standard: Standard, now: datetime) -> ScoreItem:
    return ScriptFold.of(tl, standard, [rule]).items(tl, now)[0]


def evaluate_script(tl: Timeline, standard: Standard, now: datetime) -> list[ScoreItem]:
    return ScriptFold.of(tl, standard, script_rules_of(standard, tl.kind)).items(tl, now)

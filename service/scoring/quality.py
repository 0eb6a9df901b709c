"""The whole judgement of one interaction: events + standard + `now` in, an `InteractionScore` out.

Pure: no I/O and no clock of its own, so HTTP ingest, Kafka consumers, the deadline sweeper and replays all get
the same answer for the same events.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime

from service.events.model import Event
from service.scoring.response_time import call_response, ticket_response
from service.scoring.script_compliance import ScriptFold, script_rules_of
from service.scoring.sentiment import SentimentFold
from service.scoring.timeline import Timeline, Turn, build_timeline
from service.scoring.trace import item_trace, score_trace
from service.scoring.types import (
    InteractionScore,
    ResponseTimes,
    ScoreItem,
    ScoreTrace,
    SentimentSummary,
    Status,
)
from service.standards.schema import Standard


def combine(items: Sequence[ScoreItem], final: bool, pass_mark: float) -> tuple[float | None, bool | None, bool]:
    """Weighted score over judged items (pending and not-applicable left out); a failed critical item fails."""
    judged = [i for i in items if i.status in (Status.PASS, Status.FAIL) and i.weight > 0]
    passed = sum(i.weight for i in judged if i.status is Status.PASS)
    critical = any(i.critical and i.status is Status.FAIL for i in items)
    return verdict(passed, sum(i.weight for i in judged), critical, final, pass_mark)


def verdict(
    passed_weight: float, judged_weight: float, critical: bool, final: bool, pass_mark: float
) -> tuple[float | None, bool | None, bool]:
    """(score, passed, critical failure) from the weights of the judged items, as `combine` adds them up."""
    score = round(100 * passed_weight / judged_weight, 2) if judged_weight else None
    if critical:
        return score, False, True
    if not final:
        return score, None, False
    return score, (None if score is None else score >= pass_mark), False


class ScoreFold:
    """The running judgement of one interaction under one standard: what the script rules and the sentiment
    summary kept of the turns so far, so that a turn added costs its own judgement, however long the call.

    `advance` takes a timeline whose turns begin with those already folded (a TimelineFold's timeline after
    `add`: turns only ever come at the end); what may change without a turn (final, holds, now) is judged from the
    running state by each score. A full rescore is the same fold from no turns, so both give the same score.
    """

    def __init__(self, standard: Standard) -> None:
        self.standard = standard
        self._script: ScriptFold | None = None  # made for the interaction's kind, at the first `advance`
        self._sentiment = SentimentFold(standard.sentiment)
        self._seen = 0  # turns folded
        self._last: Turn | None = None  # the last of them
        self._kind: str | None = None
        self._answered: datetime | None = None  # the answer time the turns' times hang on
        # The last score's items, each as the scorers made it and as scored (a cache: see `_scored`).
        self._judged: Judged = ((), None, None)

    def copy(self) -> "ScoreFold":
        """An independent fold to advance: the kept one never changes (a rolled-back batch leaves no trace)."""
        other = object.__new__(ScoreFold)
        other.__dict__.update(self.__dict__)
        other._script = self._script.copy() if self._script else None
        other._sentiment = self._sentiment.copy()
        return other

    def fits(self, tl: Timeline, standard: Standard) -> bool:
        """Whether `tl` goes on from the turns folded, under the same standard."""
        if standard is not self.standard:
            return False
        seen = self._seen
        if not seen:
            return True
        return (
            len(tl.turns) >= seen
            and tl.turns[seen - 1] is self._last
            and tl.kind == self._kind
            and tl.answered_at == self._answered
        )

    def advance(self, tl: Timeline) -> None:
        """Fold the turns of `tl` past those folded (`fits` must hold)."""
        if self._script is None or tl.kind != self._kind:
            self._script = ScriptFold(self.standard, script_rules_of(self.standard, tl.kind))
            self._kind = tl.kind
        self._answered = tl.answered_at
        turns = tl.turns
        for at in range(self._seen, len(turns)):
            self._script.add(turns[at], at, tl.answered_at)
            self._sentiment.add(turns[at])
        if len(turns) > self._seen:
            self._seen, self._last = len(turns), turns[-1]
        self._script.sync(tl)

    def score(self, tl: Timeline, now: datetime, *, per_utterance: bool = True) -> InteractionScore:
        assert self._script is not None, "advance first"
        standard = self.standard
        response, items = (call_response if tl.kind == "call" else ticket_response)(tl, standard, now)
        summary = self._sentiment.summary(tl, per_utterance=per_utterance)
        items = (
            items
            + self._script.items(tl, now)
            + [self._sentiment.item(tl, standard.quality.weights.customer_sentiment)]
        )
        score, self._judged = _scored(tl, standard, now, response, summary, items, self._judged)
        return score


def score_interaction(
    events: Iterable[Event], standard: Standard, now: datetime, *, per_utterance: bool = True
) -> InteractionScore:
    return score_timeline(build_timeline(events), standard, now, per_utterance=per_utterance)


def score_timeline(
    tl: Timeline,
    standard: Standard,
    now: datetime,
    *,
    per_utterance: bool = True,
    running: ScoreFold | None = None,
) -> InteractionScore:
    """The score of a folded timeline (incremental ingest keeps one per live interaction: see TimelineFold).
    `per_utterance=False` leaves each turn's sentiment evidence out (see sentiment.summarize). `running`: the
    interaction's running judgement, advanced here past the turns it holds (a new one is made, from no turns,
    when it does not fit `tl`)."""
    fold = running if running is not None and running.fits(tl, standard) else ScoreFold(standard)
    fold.advance(tl)
    return fold.score(tl, now, per_utterance=per_utterance)


# What a running judgement keeps of its last score: each item as the scorers made it and as scored (with its
# trace), the ticket's complaint level the traces read, and the score's trace.
Judged = tuple[tuple[tuple[ScoreItem, ScoreItem], ...], int | None, ScoreTrace | None]


def _scored(
    tl: Timeline,
    standard: Standard,
    now: datetime,
    response: ResponseTimes,
    summary: SentimentSummary,
    made: list[ScoreItem],
    before: Judged,
) -> tuple[InteractionScore, Judged]:
    """The score of the items the scorers `made`; `before`: what the last score of the interaction kept. An item
    equal to the one the scorers made in its place last time is the same scored item (its trace reads the item,
    the standard and the complaint level only): most items of a live call do not change from one event to the next,
    and their trace and copy were a sixth of a rescore. The same object, too, so that interactions.stored reuses
    its JSON by identity."""
    critical_items = standard.quality.critical_items
    pairs, level, trace = before
    if level != tl.complaint_level:
        pairs = ()
    items = [
        pairs[k][1]
        if k < len(pairs) and pairs[k][0] == i
        else ScoreItem(  # built directly: dataclasses.replace costs several times more
            id=i.id, category=i.category, status=i.status, weight=i.weight, detail=i.detail,
            critical=i.critical or i.id in critical_items, requirement=i.requirement, deadline=i.deadline,
            evidence=i.evidence, trace=item_trace(i, tl, standard),
        )
        for k, i in enumerate(made)
    ]  # fmt: skip
    if trace is None or len(items) != len(pairs) or any(a is not b[1] for a, b in zip(items, pairs, strict=True)):
        trace = score_trace(items, standard)
    # the trace adds up the same weights
    score, passed, critical = verdict(
        trace.passed_weight, trace.judged_weight, bool(trace.critical_failed), tl.final, standard.quality.pass_mark
    )
    compliance = [i for i in items if i.category == "compliance"]
    deadlines = [i.deadline for i in items if i.status is Status.PENDING and i.deadline is not None]
    return InteractionScore(
        interaction_id=tl.interaction_id,
        kind=tl.kind,
        status=tl.status,
        final=tl.final,
        standard_version=standard.version,
        scored_at=now,
        quality_score=score,
        passed=passed,
        critical_failure=critical,
        compliance_passed=sum(i.status is Status.PASS for i in compliance),
        compliance_failed=sum(i.status is Status.FAIL for i in compliance),
        response=response,
        sentiment=summary,
        items=tuple(items),
        next_deadline=min(deadlines) if deadlines and not tl.final else None,
        agent_id=tl.agent_id,
        team_id=tl.team_id,
        queue_id=tl.queue_id,
        started_at=tl.started_at,
        ended_at=tl.ended_at or tl.resolved_at,
        trace=trace,
    ), (tuple(zip(made, items, strict=True)), tl.complaint_level, trace)

"""record_events: the pipeline's store -> score -> alert step, shared by HTTP ingest, consumers and replays.

Services flush, never commit: the edge that opened the session (HTTP request, consumer batch) commits it.
"""

from collections import defaultdict
from collections.abc import Sequence, Set
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.orm import Session

from service import metrics, telemetry
from service.alerts.book import AlertBook
from service.alerts.models import Alert
from service.alerts.notify import Destinations
from service.alerts.schemas import summary_doc
from service.alerts.service import settle_alerts
from service.config import Settings
from service.events.consistency import inconsistency
from service.events.decode import FieldError, Rejection, describe
from service.events.model import Event
from service.interactions import repository as repo
from service.interactions.live import LiveState, LiveStates
from service.interactions.stored import ItemsJSON, Stored, score_document
from service.outcomes.repository import Subject, follow_subjects
from service.outcomes.service import record_outcomes
from service.privacy.events import redact_event
from service.privacy.redact import redactor_for
from service.scoring.breaches import find_breaches
from service.scoring.quality import score_timeline
from service.scoring.types import InteractionScore
from service.standards import service as standards
from service.standards.book import StandardBook
from service.standards.schema import Standard


@dataclass(frozen=True, slots=True)
class Outcome:
    index: int
    event_id: str | None
    status: str  # accepted | duplicate | rejected
    interaction_id: str | None = None
    errors: tuple[FieldError, ...] = ()

    @property
    def reason(self) -> str:
        """Why it was rejected, as one line (empty when it was not)."""
        return describe(self.errors)

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"index": self.index, "event_id": self.event_id, "status": self.status}
        if self.interaction_id:
            out["interaction_id"] = self.interaction_id
        if self.errors:
            out["errors"] = [e.as_dict() for e in self.errors]
        return out


@dataclass(slots=True)
class Recorded:
    outcomes: list[Outcome] = field(default_factory=list)
    scores: list[InteractionScore] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    withdrawn: list[Alert] = field(default_factory=list)  # open alerts a later score cleared

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    def alerts_brief(self) -> list[dict[str, Any]]:
        """The alerts raised, as an ingest answer lists them."""
        return [summary_doc(a) for a in self.alerts]


def _subject(columns: dict[str, Any]) -> Subject:
    return Subject(columns["agent_id"], columns["team_id"], columns["queue_id"])


class Judged(Protocol):
    """What picks the standard an interaction is judged by: a stored row, or the columns scoring locked."""

    @property
    def standard_version(self) -> str: ...

    @property
    def started_at(self) -> datetime: ...


_LIVE_STATES_DEFAULT: int = Settings.model_fields["live_state_interactions"].default


@dataclass(frozen=True, slots=True)
class Pipeline:
    """What every entry point shares: the standards in force (by time, kept in step with the database's
    activations) and the ingest limits."""

    book: StandardBook
    max_order_skew: timedelta
    destinations: Destinations = field(default_factory=Destinations)
    labels: telemetry.SubjectLabels = field(default_factory=telemetry.SubjectLabels)
    live: LiveStates = field(default_factory=lambda: LiveStates(_LIVE_STATES_DEFAULT))

    def standard_at(self, session: Session, moment: datetime) -> Standard:
        """The version in force at `moment`, after reading the database's activations (made by any process)."""
        standards.refresh(session, self.book)
        return self.book.in_force_at(moment)

    def judged_by(self, row: Judged) -> Standard:
        """The version an interaction is judged by: its own, else the one in force when it started."""
        return self.book.version(row.standard_version) or self.book.in_force_at(row.started_at)

    def standard_of(self, session: Session, row: Judged) -> Standard:
        """`judged_by` after reading the database's versions: one another process recorded is known too. Human
        reviews and disputes judge an interaction by it, never by the version in force now."""
        standards.refresh(session, self.book)
        return self.judged_by(row)

    def redact(self, items: Sequence[Event | Rejection], standard: Standard) -> list[Event | Rejection]:
        """Personal data replaced by placeholders, as the standard in force says: the first step of every path
        that stores or sends events, so the first score and every rescore read the same (redacted) text."""
        redactor = redactor_for(standard.redaction)
        out: list[Event | Rejection] = []
        for item in items:
            if isinstance(item, Event):
                item, kinds = redact_event(item, redactor)
                telemetry.count_redactions(kinds)
            out.append(item)
        return out

    def record_events(
        self,
        session: Session,
        items: Sequence[Event | Rejection],
        source: str | Sequence[str],
        now: datetime,
        rejected_as: str = "rejected",
    ) -> Recorded:
        """Store new events, rescore the interactions they touch, raise alerts for new breaches.

        `source` is the ingest path or source of every item, or of each item (a Kafka batch mixes them); it is
        stored with each event and labels its metrics. `rejected_as` is how rejections are counted in metrics: an
        edge that sends them on to a dead-letter topic says "dead_lettered".
        """
        result = Recorded()
        sources = [source] * len(items) if isinstance(source, str) else list(source)
        current = self.standard_at(session, now)
        items = self.redact(items, current)
        by_interaction: dict[str, list[tuple[int, Event]]] = defaultdict(list)
        outcomes: list[tuple[int, Event]] = []  # survey answers, contact reasons: stored apart, never scored
        seen: set[str] = set()
        for index, item in enumerate(items):
            if isinstance(item, Rejection):
                result.outcomes.append(Outcome(item.index, item.event_id, "rejected", errors=item.errors))
            elif item.event_id in seen:
                result.outcomes.append(Outcome(index, item.event_id, "duplicate", item.interaction_id))
            else:
                seen.add(item.event_id)
                (outcomes if item.type.is_outcome else by_interaction[item.interaction_id]).append((index, item))
        if by_interaction:
            self._record_batch(session, by_interaction, sources, now, result)
        if outcomes:
            # an outcome whose id an interaction's event already has is a duplicate too (events are checked
            # against what is stored by their insert: _record_batch)
            known = repo.known_event_ids(session, (e.event_id for _, e in outcomes))
            for index, e in outcomes:
                if e.event_id in known:
                    result.outcomes.append(Outcome(index, e.event_id, "duplicate", e.interaction_id))
            outcomes = [(index, e) for index, e in outcomes if e.event_id not in known]
        if outcomes:
            taken = [(e, sources[index]) for index, e in outcomes]
            stored = record_outcomes(session, taken, now, current, self.labels, repo.subjects_of)
            for index, e in outcomes:
                status = "accepted" if e.event_id in stored else "duplicate"
                result.outcomes.append(Outcome(index, e.event_id, status, e.interaction_id))
        result.outcomes.sort(key=lambda o: o.index)
        telemetry.count_received(items, result.outcomes, sources, rejected_as)
        return result

    def _record_batch(
        self,
        session: Session,
        by_interaction: dict[str, list[tuple[int, Event]]],
        sources: Sequence[str],
        now: datetime,
        result: Recorded,
    ) -> None:
        """One round trip per step for the whole batch: lock rows, insert, read what no live state holds, check,
        score, raise. The insert tells new events from duplicates (ON CONFLICT DO NOTHING RETURNING, under the rows'
        locks); one that the interaction's stored events then show inconsistent is deleted again. An interaction
        with a valid live state (see interactions.live) is not read back: the new events are folded into its state,
        so each costs the same however long the interaction already is."""
        # a new interaction is judged by the version in force when it started; an existing one keeps its own
        firsts = [min((e for _, e in new), key=lambda e: e.occurred_at) for new in by_interaction.values()]
        rows = repo.lock_interactions(session, firsts, lambda e: self.book.in_force_at(e.occurred_at).version, now)
        with metrics.STAGE_SECONDS.labels(stage="store").time():
            offered = [(e, sources[index]) for new in by_interaction.values() for index, e in new]
            inserted = repo.insert_events(session, offered, now)
        fresh: dict[str, list[tuple[int, Event]]] = {}
        for interaction_id, new in by_interaction.items():
            for index, event in new:
                if event.event_id not in inserted:
                    result.outcomes.append(Outcome(index, event.event_id, "duplicate", interaction_id))
            if stored := [(index, e) for index, e in new if e.event_id in inserted]:
                fresh[interaction_id] = stored
        states, existing = self._states_of(session, [rows[i] for i in fresh], inserted)
        added: dict[str, list[Event]] = {}
        scored: list[tuple[Event, str]] = []
        unstored: list[str] = []
        for interaction_id, new in fresh.items():
            state = states[interaction_id]
            before = state.consistency_view() if state else existing[interaction_id]
            taken: list[Event] = []
            for index, event in new:
                problem = inconsistency(before + taken, event, self.max_order_skew)
                if problem:
                    result.outcomes.append(Outcome(index, event.event_id, "rejected", interaction_id, (problem,)))
                    unstored.append(event.event_id)
                else:
                    result.outcomes.append(Outcome(index, event.event_id, "accepted", interaction_id))
                    taken.append(event)
                    scored.append((event, sources[index]))
            if taken:
                added[interaction_id] = taken
        for interaction_id, state in states.items():
            if state and interaction_id not in added:  # taken, and nothing of the batch joined it: kept as it was
                self.live.stage(session, interaction_id, state)
        repo.unstore_events(session, unstored)
        # nothing of it was stored: leave no empty placeholder
        repo.delete_placeholders(session, [i for i in by_interaction if i not in added and rows[i].event_count == 0])
        telemetry.observe_scored(scored, now)
        extended: dict[str, LiveState | None] = {}
        for interaction_id, new_events in added.items():
            state = states[interaction_id]
            extended[interaction_id] = state if state and state.extend(new_events) else None
        # Out of order (or no live state): fold everything stored again, from the database.
        refold = [i for i, state in extended.items() if state is None and i not in existing]
        existing.update(repo.events_of_many(session, refold))
        to_score = []
        for interaction_id, state in extended.items():
            if state is None:
                state = LiveState.of(existing[interaction_id] + added[interaction_id])
            known = states[interaction_id]
            state.stored = known.stored if known else None  # what the last score stored
            to_score.append((rows[interaction_id], state))
        self._rescore(session, to_score, now, result)

    def _rescore(
        self, session: Session, interactions: list[tuple[repo.Locked, LiveState]], now: datetime, result: Recorded
    ) -> None:
        breaches = []
        saved = []
        books: dict[str, AlertBook | None] = {}
        items: dict[str, ItemsJSON] = {}
        rows = [row for row, _ in interactions]
        scoring = metrics.STAGE_SECONDS.labels(stage="score")
        for row, state in interactions:
            standard = self.judged_by(row)
            with scoring.time():
                # Each utterance's sentiment evidence is left out of the stored score (it grows with the call);
                # reads add it back from the events (interactions.endpoints).
                running = state.scoring(standard)
                score = score_timeline(state.fold.timeline(), standard, now, per_utterance=False, running=running)
            stored = state.stored
            document, items[row.id] = score_document(score, stored.items if stored else ())
            saved.append(repo.score_columns(row, score, state.event_count, document))
            # a row never scored has no alert (alerts are raised by its scores, and never deleted)
            books[row.id] = {} if row.event_count == 0 else stored.alerts_at(row.revision) if stored else None
            if score.final and not row.final:
                telemetry.observe_final(score, self.labels)
            result.scores.append(score)
            breaches.append((score, find_breaches(score, standard)))
        with metrics.STAGE_SECONDS.labels(stage="store").time():
            repo.save_scores(session, saved)
            moved = {r.id: s for r, c in zip(rows, saved, strict=True) if (s := _subject(c)) != r.subject}
            if moved:
                follow_subjects(session, moved)
        with metrics.STAGE_SECONDS.labels(stage="alert").time():
            settled = settle_alerts(session, breaches, books, now, self.destinations)
        result.alerts.extend(settled.raised)
        result.withdrawn.extend(settled.withdrawn)
        for (row, state), (score, _) in zip(interactions, breaches, strict=True):
            state.stored = Stored(row.revision + 1, settled.books[row.id], items[row.id])
            self.live.stage(session, row.id, None if score.final else state)

    def rescore_due(self, session: Session, now: datetime, limit: int = 200) -> Recorded:
        """Judge live interactions whose deadline passed with no new event (answer limit, first reply, ...)."""
        result = Recorded()
        standards.refresh(session, self.book)
        ids = repo.due_interaction_ids(session, now, limit)
        rows = list(repo.locked(session, ids).values())
        states, events = self._states_of(session, rows)
        due = [(r, states[r.id] or LiveState.of(events[r.id])) for r in rows if states[r.id] or events[r.id]]
        self._rescore(session, due, now, result)
        return result

    def _states_of(
        self, session: Session, rows: Sequence[repo.Locked], just_stored: Set[str] = frozenset()
    ) -> tuple[dict[str, LiveState | None], dict[str, list[Event]]]:
        """Each row's valid live state (taken: see LiveStates.take; what the transaction stages goes back when it
        commits), and the stored events of those without one (read in one go), but those of
        `just_stored` (this transaction's: not yet part of what the row's state is). A row no score counted an
        event of yet has none stored: it is not read."""
        states = {row.id: self.live.take(row.id, row.event_count) for row in rows}
        unread = [row.id for row in rows if states[row.id] is None and row.event_count > 0]
        stored: dict[str, list[Event]] = {row.id: [] for row in rows if states[row.id] is None}
        stored.update(repo.events_of_many(session, unread))
        if just_stored:
            stored = {i: [e for e in events if e.event_id not in just_stored] for i, events in stored.items()}
        return states, stored

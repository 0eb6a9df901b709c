"""Per-interaction scoring state kept between events, so that an event costs the same at the end of a long call
as at its start: the interaction's timeline fold (see scoring.timeline.TimelineFold) and the events that
consistency checks read, instead of reading every event back and folding them again.

The state is a cache of what is committed, never a source of truth:
- it is used only when it has folded exactly as many events as the interaction's row says are stored (read under
  the row lock), so events stored by another process or instance, or a state lost to eviction, fall back to
  reading the events from the database;
- a transaction takes the state out of the table (LiveStates.take), folds its new events into it in place (no copy
  per batch) and puts what to keep back only once it commits: a rolled-back batch leaves no trace (the
  interaction is read back next time);
- live interactions only, at most `CALLQA_LIVE_STATE_INTERACTIONS` of them holding at most
  `CALLQA_LIVE_STATE_EVENTS` events in all (least recently used leave first, so a few very long calls cannot
  grow the table past its bound either); an interaction whose score is final is dropped.
"""

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from threading import Lock

from sqlalchemy import event
from sqlalchemy.orm import Session

from service.events.model import Event, EventType
from service.interactions.stored import Stored
from service.scoring.quality import ScoreFold
from service.scoring.timeline import TimelineFold
from service.standards.schema import Standard

_TURNS = frozenset({EventType.CALL_UTTERANCE, EventType.TICKET_REPLIED})
_STAGED = "callqa_live_states"  # session.info key: states waiting for the commit
_LISTENING = "callqa_live_listening"


@dataclass(slots=True)
class LiveState:
    fold: TimelineFold
    event_count: int  # events folded: must equal the row's event_count to be used
    lifecycle: list[Event] = field(default_factory=list)  # every event but utterances and replies, in arrival order
    scores: ScoreFold | None = None  # the running judgement of the fold's turns (see `scoring`)
    stored: Stored | None = None  # what its last score stored (interactions.stored), set by the pipeline

    @classmethod
    def of(cls, events: Sequence[Event]) -> "LiveState":
        """From every stored event (an event given twice counts once, as the database stores it)."""
        unique = list({e.event_id: e for e in events}.values())
        return cls(TimelineFold.of(unique), len(unique), [e for e in unique if e.type not in _TURNS])

    def extend(self, new: Sequence[Event]) -> bool:
        """`new` folded in, in place, in constant time per event; False when one arrived out of order, which leaves
        the state unusable (the interaction is folded again from what is stored). Only a taken state (see
        LiveStates.take) is extended: no other transaction sees it."""
        if not all(self.fold.add(e) for e in new):
            return False
        self.lifecycle = self.lifecycle + [e for e in new if e.type not in _TURNS]
        self.event_count += len(new)
        return True

    def scoring(self, standard: Standard) -> ScoreFold:
        """The running judgement to score this state's timeline by (score_timeline advances it to the fold's
        turns). A state is kept only after the transaction that scored it commits, and a transaction changes only
        a state it took out of the table, so a kept state's judgement is always advanced to its own fold already;
        the one change a kept state can see is a new running judgement when the interaction is judged by another
        standard object, started from no turns and advanced to the kept fold: a pure function of what is
        committed."""
        if self.scores is None or self.scores.standard is not standard:
            self.scores = ScoreFold(standard)
        return self.scores

    def consistency_view(self) -> list[Event]:
        """What `events.consistency.inconsistency` reads of the stored events: their kind and lifecycle order
        (utterances and replies take part in no order rule)."""
        first = self.fold.first_event
        return self.lifecycle if self.lifecycle or first is None else [first]


class LiveStates:
    """The bounded, thread-safe table of live states of one process."""

    def __init__(self, capacity: int, max_events: int = 500_000) -> None:
        self.capacity = capacity
        self.max_events = max_events
        self._states: OrderedDict[str, LiveState] = OrderedDict()
        self._events = 0  # events folded by the states kept
        self._lock = Lock()

    def __len__(self) -> int:
        return len(self._states)

    @property
    def events(self) -> int:
        return self._events

    def __contains__(self, interaction_id: object) -> bool:
        with self._lock:
            return interaction_id in self._states

    def take(self, interaction_id: str, stored_events: int) -> LiveState | None:
        """The interaction's state if it holds every stored event, taken out of the table: the caller's
        transaction owns it and stages what to keep (`stage`); if it rolls back, the interaction has no state until
        it is read back."""
        with self._lock:
            state = self._states.get(interaction_id)
            if state is None or state.event_count != stored_events:
                return None
            del self._states[interaction_id]
            self._events -= state.event_count
            return state

    def stage(self, session: Session, interaction_id: str, state: LiveState | None) -> None:
        """Keep `state` (None: forget the interaction) once the session's transaction commits."""
        if self.capacity <= 0:
            return
        if not session.info.get(_LISTENING):
            session.info[_LISTENING] = True
            event.listen(session, "after_commit", self._commit)
            event.listen(session, "after_rollback", _discard)
        session.info.setdefault(_STAGED, {})[interaction_id] = state

    def _commit(self, session: Session) -> None:
        staged: dict[str, LiveState | None] = session.info.pop(_STAGED, {})
        with self._lock:
            for interaction_id, state in staged.items():
                old = self._states.pop(interaction_id, None)
                self._events -= old.event_count if old else 0
                if state is None or state.event_count > self.max_events:
                    continue
                self._states[interaction_id] = state
                self._events += state.event_count
            while len(self._states) > self.capacity or self._events > self.max_events:
                self._events -= self._states.popitem(last=False)[1].event_count


def _discard(session: Session) -> None:
    session.info.pop(_STAGED, None)

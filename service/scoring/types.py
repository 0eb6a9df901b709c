"""Results of the scoring core: frozen, plain data, each judgement with the evidence behind it."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import datetime
from enum import StrEnum
from operator import attrgetter
from typing import Any


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    PENDING = "pending"  # cannot be judged yet: the window or deadline is still open
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True, slots=True)
class Evidence:
    """One fact a judgement rests on: an utterance (with offset and matched text) or a measured time."""

    note: str
    event_id: str | None = None
    at: datetime | None = None
    offset_ms: int | None = None
    speaker: str | None = None
    text: str | None = None
    matched_text: str | None = None
    phrase: str | None = None
    method: str | None = None
    similarity: float | None = None
    value: float | None = None


@dataclass(frozen=True, slots=True)
class ItemTrace:
    """How one item was judged: the measured value against the limit of a rule of a standard version."""

    rule: str  # where the limit lives in the standard, e.g. responsiveness.call.answer_within_seconds
    standard_version: str
    measured: float | None
    threshold: float | None
    unit: str
    formula: str


@dataclass(frozen=True, slots=True)
class ScoreTrace:
    """How the quality score was added up from the items."""

    formula: str
    standard_version: str
    passed_weight: float
    judged_weight: float
    pass_mark: float
    counted: tuple[str, ...]
    left_out: tuple[str, ...]  # pending, not applicable or weightless
    critical_failed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ScoreItem:
    id: str
    category: str  # responsiveness | compliance | sentiment
    status: Status
    weight: float
    detail: str
    critical: bool = False
    requirement: str | None = None  # required | forbidden, for script rules
    deadline: datetime | None = None  # pending: when it turns into a failure; failed: when the limit passed
    evidence: tuple[Evidence, ...] = ()
    trace: ItemTrace | None = None


@dataclass(frozen=True, slots=True)
class SentimentSummary:
    customer_mean: float | None
    agent_mean: float | None
    customer_trend: float | None  # mean of the last N customer utterances minus mean of the first N
    customer_rolling_mean: float | None  # mean of the customer's last N utterances, now
    customer_lowest_rolling_mean: float | None
    per_utterance: tuple[Evidence, ...] = ()


@dataclass(frozen=True, slots=True)
class ResponseTimes:
    answer_wait_seconds: float | None = None
    abandoned: bool = False
    counts_for_service_level: bool = False  # offered, and not a short abandon
    answered_within_limit: bool | None = None
    hold_count: int = 0
    hold_seconds: float = 0.0
    transfer_count: int = 0
    talk_seconds: float | None = None
    first_reply_seconds: float | None = None
    first_reply_deadline_seconds: float | None = None
    resolution_seconds: float | None = None


@dataclass(frozen=True, slots=True)
class InteractionScore:
    interaction_id: str
    kind: str  # call | ticket
    status: str  # queued, talking, on_hold, ended, abandoned, open, resolved
    final: bool
    standard_version: str
    scored_at: datetime
    quality_score: float | None  # 0-100, None when nothing applicable has been judged yet
    passed: bool | None  # None while the interaction is live and can still pass
    critical_failure: bool
    compliance_passed: int
    compliance_failed: int
    response: ResponseTimes
    sentiment: SentimentSummary
    items: tuple[ScoreItem, ...]
    next_deadline: datetime | None  # earliest moment a pending item can turn into a failure
    agent_id: str | None = None
    team_id: str | None = None
    queue_id: str | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    trace: ScoreTrace | None = None

    def as_dict(self) -> dict[str, Any]:
        return _jsonable(self)  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class Breach:
    """A standard breached by one interaction: what the alert layer raises, deduplicated on `key`."""

    rule: str
    key: str  # unique per interaction: rule plus the item it is about
    severity: str
    message: str
    at: datetime
    evidence: tuple[Evidence, ...] = field(default=())


# A dataclass's field names, and a getter of all their values at once (one C call instead of one per field); None
# for any other type met (asked once per type).
Fields = tuple[tuple[str, ...], Callable[[Any], tuple[Any, ...]]]
_FIELDS: dict[type, Fields | None] = {}
_PLAIN = (str, int, float, bool)
_EXACT_PLAIN = frozenset(_PLAIN)  # by exact type: a StrEnum is a str but is written as its value


def _fields_of(value: Any) -> Fields | None:
    cls = type(value)
    if cls in _FIELDS:
        return _FIELDS[cls]
    known = None
    if is_dataclass(value) and not isinstance(value, type):
        names = tuple(f.name for f in fields(value))
        getter = attrgetter(*names)
        known = (names, getter if len(names) > 1 else lambda v: (getter(v),))
    _FIELDS[cls] = known
    return known


def _jsonable(value: Any) -> Any:
    """JSON-ready copy, walking dataclasses directly (`asdict` deep-copies everything first: 3x slower).

    None and empty tuples are left out: evidence stays readable and a score's JSON small. Runs on every rescore,
    so the common cases (plain values, then dataclasses) are tested first.
    """
    if type(value) in _EXACT_PLAIN:
        return value
    known = _fields_of(value)
    if known is not None:
        return _fields_json(known[0], known[1](value))
    if isinstance(value, _PLAIN):
        return value.value if isinstance(value, StrEnum) else value
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items() if v is not None and v != ()}
    if isinstance(value, list | tuple):
        return _sequence_json(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _fields_json(names: tuple[str, ...], values: tuple[Any, ...]) -> dict[str, Any]:
    out = {}
    for n, v in zip(names, values, strict=True):
        kind = type(v)  # the common kinds inline: a call per node would cost more than the node
        if kind in _EXACT_PLAIN:
            out[n] = v
        elif v is None:
            continue
        elif kind is datetime:
            out[n] = v.isoformat()
        elif isinstance(v, tuple):
            if v:
                out[n] = _sequence_json(v)
        else:
            out[n] = _jsonable(v)
    return out


def _sequence_json(values: Sequence[Any]) -> list[Any]:
    return [_evidence_json(v) if type(v) is Evidence else _jsonable(v) for v in values]


def fields_json(value: Any, replaced: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON of a dataclass as _jsonable writes it, the values of some of its fields `replaced` first."""
    known = _fields_of(value)
    assert known is not None, f"not a dataclass: {type(value)}"
    names, values = known[0], known[1](value)
    return _fields_json(names, tuple(replaced.get(n, v) for n, v in zip(names, values, strict=True)))


# The JSON of recent evidence, by identity. A live call's rules keep their evidence objects from one rescore to the
# next (each upset episode, each forbidden phrase said: see scoring.script_compliance), so a long call's score JSON
# is not rebuilt node by node on every event. An entry holds its evidence, so its id cannot be reused while kept;
# the table is emptied when full (a miss only builds the JSON again). Callers never change the dicts they get.
_EVIDENCE_JSON: dict[int, tuple[Evidence, dict[str, Any]]] = {}
_EVIDENCE_JSON_MAX = 10_000


def _evidence_json(e: Evidence) -> dict[str, Any]:
    known = _EVIDENCE_JSON.get(id(e))
    if known is not None and known[0] is e:
        return known[1]
    if len(_EVIDENCE_JSON) >= _EVIDENCE_JSON_MAX:
        _EVIDENCE_JSON.clear()
    doc: dict[str, Any] = _jsonable(e)
    _EVIDENCE_JSON[id(e)] = (e, doc)
    return doc


def kept_fields(value: Any) -> dict[str, Any]:
    """A dataclass's fields that _jsonable writes (None and empty tuples left out), their values as they are: for a
    JSON library that writes the values itself (interactions.stored: times, enums and tuples in C). Evidence is
    its JSON already (the same, kept by identity)."""
    if type(value) is Evidence:
        return _evidence_json(value)
    known = _fields_of(value)
    if known is None:
        raise TypeError(f"not a dataclass: {type(value)}")
    return {n: v for n, v in zip(known[0], known[1](value), strict=True) if v is not None and v != ()}


def evidence_dicts(evidence: tuple[Evidence, ...]) -> list[dict[str, Any]]:
    return [_evidence_json(e) for e in evidence]


def item_dict(item: ScoreItem) -> dict[str, Any]:
    """One item as InteractionScore.as_dict writes it (interactions.stored reuses those of unchanged items)."""
    return _jsonable(item)  # type: ignore[no-any-return]

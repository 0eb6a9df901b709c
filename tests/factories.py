"""Builders of canonical events and standards for tests: a whole call or ticket in one readable call.

Times are seconds after the fixed `BASE` (use `at(s)` for the datetime, also as the scorers' `now`).
Event ids are deterministic (`<interaction>:<what><n>`), so the same call built twice is the same events.

    call(offered=0, answered=12, utterances=[("agent", "Hello, my name is Ann", 1000)], holds=[(30, 60)], ended=200)
    ticket(created=0, complaint_level=1, replies=[("agent", "Sorry for the trouble.", 3600)], resolved=7200)
    wire(call(...))  # -> {"events": [...]} as POST /v1/events takes it

Standards: `default_standard()` is the shipped file; `standard(...)` is the default with deep-merged overrides and
optionally only the given script rules, built with `rule(...)`.
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from service.events.model import Event, EventType
from service.standards.schema import Standard

BASE = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
DEFAULT_STANDARD_FILE = Path(__file__).resolve().parents[1] / "service" / "standards" / "default.yaml"

# (speaker, text, offset_ms) or (speaker, text, offset_ms, seq): offset_ms counts from the answer.
Utterance = tuple[str, str, int] | tuple[str, str, int, int]
# (author, text, seconds after BASE)
Reply = tuple[str, str, float]
# (start, end) in seconds after BASE; end None while the customer is still on hold.
HoldSpan = tuple[float, float | None]


def at(seconds: float) -> datetime:
    """The moment `seconds` after BASE."""
    return BASE + timedelta(seconds=seconds)


def event(
    type_: EventType | str,
    seconds: float,
    interaction_id: str = "call-1",
    event_id: str | None = None,
    *,
    agent_id: str | None = None,
    team_id: str | None = None,
    queue_id: str | None = None,
    **payload: Any,
) -> Event:
    """One event at `seconds` after BASE; keyword arguments not named above form the payload (None left out)."""
    kind = EventType(type_)
    return Event(
        event_id=event_id or f"{interaction_id}:{kind.value}@{seconds:g}",
        type=kind,
        occurred_at=at(seconds),
        interaction_id=interaction_id,
        agent_id=agent_id,
        team_id=team_id,
        queue_id=queue_id,
        payload={k: v for k, v in payload.items() if v is not None},
    )


def utterance(
    speaker: str,
    text: str,
    offset_ms: int,
    *,
    answered: float = 0,
    interaction_id: str = "call-1",
    event_id: str | None = None,
    seq: int | None = None,
) -> Event:
    """One `call.utterance`, occurring `offset_ms` after the answer at `answered` s (to add to a live call)."""
    return event(
        EventType.CALL_UTTERANCE,
        answered + offset_ms / 1000,
        interaction_id,
        event_id or f"{interaction_id}:u@{offset_ms}:{seq or 0}",
        speaker=speaker,
        text=text,
        offset_ms=offset_ms,
        seq=seq,
    )


def call(
    interaction_id: str = "call-1",
    *,
    offered: float | None = 0,
    answered: float | None = None,
    utterances: Sequence[Utterance] = (),
    holds: Sequence[HoldSpan] = (),
    transfers: Sequence[tuple[float, str | None]] = (),
    ended: float | None = None,
    agent_id: str | None = "agent-1",
    team_id: str | None = "team-1",
    queue_id: str | None = "queue-1",
) -> list[Event]:
    """The events of one call, in time order. Leave out `answered` for a call still queued (or, with `ended`,
    abandoned) and `ended` for a call still going on. `transfers` are (seconds, to_agent_id)."""
    ids = {"team_id": team_id, "queue_id": queue_id}
    out: list[Event] = []
    if offered is not None:
        out.append(event(EventType.CALL_OFFERED, offered, interaction_id, f"{interaction_id}:offered", **ids))
    if answered is not None:
        out.append(
            event(
                EventType.CALL_ANSWERED,
                answered,
                interaction_id,
                f"{interaction_id}:answered",
                agent_id=agent_id,
                **ids,
            )
        )
    start = answered if answered is not None else (offered or 0)
    for i, u in enumerate(utterances):
        speaker, text, offset_ms = u[0], u[1], u[2]
        seq = u[3] if len(u) > 3 else None  # type: ignore[misc]
        out.append(
            utterance(
                speaker,
                text,
                offset_ms,
                answered=start,
                interaction_id=interaction_id,
                event_id=f"{interaction_id}:u{i}",
                seq=seq,
            )
        )
    for i, (begin, end) in enumerate(holds):
        out.append(event(EventType.CALL_HOLD, begin, interaction_id, f"{interaction_id}:hold{i}"))
        if end is not None:
            out.append(event(EventType.CALL_RESUMED, end, interaction_id, f"{interaction_id}:resumed{i}"))
    for i, (when, to_agent) in enumerate(transfers):
        out.append(
            event(
                EventType.CALL_TRANSFERRED, when, interaction_id, f"{interaction_id}:transfer{i}", to_agent_id=to_agent
            )
        )
    if ended is not None:
        out.append(event(EventType.CALL_ENDED, ended, interaction_id, f"{interaction_id}:ended"))
    return sorted(out, key=lambda e: (e.occurred_at, e.event_id))


def ticket(
    interaction_id: str = "ticket-1",
    *,
    created: float | None = 0,
    complaint_level: int | None = None,
    priority: int | None = None,
    channel: str | None = "email",
    subject: str | None = "My order",
    replies: Sequence[Reply] = (),
    statuses: Sequence[tuple[str, float]] = (),
    resolved: float | None = None,
    agent_id: str | None = "agent-1",
    team_id: str | None = "team-1",
    queue_id: str | None = "queue-1",
) -> list[Event]:
    """The events of one ticket, in time order. `statuses` are (status, seconds)."""
    ids = {"agent_id": agent_id, "team_id": team_id, "queue_id": queue_id}
    out: list[Event] = []
    if created is not None:
        out.append(
            event(
                EventType.TICKET_CREATED,
                created,
                interaction_id,
                f"{interaction_id}:created",
                complaint_level=complaint_level,
                priority=priority,
                channel=channel,
                subject=subject,
                **ids,
            )
        )
    for i, (author, text, when) in enumerate(replies):
        out.append(
            event(EventType.TICKET_REPLIED, when, interaction_id, f"{interaction_id}:r{i}", author=author, text=text)
        )
    for i, (status, when) in enumerate(statuses):
        out.append(
            event(EventType.TICKET_STATUS_CHANGED, when, interaction_id, f"{interaction_id}:s{i}", status=status)
        )
    if resolved is not None:
        out.append(event(EventType.TICKET_RESOLVED, resolved, interaction_id, f"{interaction_id}:resolved"))
    return sorted(out, key=lambda e: (e.occurred_at, e.event_id))


def wire(events: Iterable[Event]) -> dict[str, Any]:
    """A POST /v1/events batch body for these events."""
    return {"events": [e.as_dict() for e in events]}


# --------------------------------------------------------------------------------------------------
# standards


@cache
def _default_data() -> dict[str, Any]:
    return yaml.safe_load(DEFAULT_STANDARD_FILE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@cache
def default_standard() -> Standard:
    """The standard shipped in service/standards/default.yaml."""
    return Standard.model_validate(_default_data())


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def standard(*rules: Mapping[str, Any], keep_rules: bool = False, **overrides: Any) -> Standard:
    """The default standard with `overrides` deep-merged (e.g. `quality={"pass_mark": 90}`).

    With `rules`, those script rules replace the default ones and its fixture cases (added to them when
    `keep_rules`); with no rules, the default rules stay.
    """
    data = _merge(_default_data(), overrides)
    if rules:
        data["script_rules"] = [*data["script_rules"], *rules] if keep_rules else list(rules)
        if not keep_rules:
            data.pop("fixtures", None)  # they are about the default rules
    return Standard.model_validate(data)


def rule(
    id: str,
    window: Mapping[str, Any] | str,
    phrases: Sequence[str] = (),
    *,
    requirement: str = "required",
    zh: Sequence[str] = (),
    **fields: Any,
) -> dict[str, Any]:
    """A script rule as the standards file spells it. `window` is a kind name or a full window mapping."""
    win = {"kind": window} if isinstance(window, str) else dict(window)
    data: dict[str, Any] = {
        "id": id,
        "description": f"test rule {id}",
        "requirement": requirement,
        "window": win,
        "phrases": {"en": list(phrases), "zh": list(zh)},
    }
    if win["kind"] in ("within_seconds_of_answer", "before_hold"):
        data["applies_to"] = ["call"]
    return data | fields

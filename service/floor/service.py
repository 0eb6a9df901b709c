"""Pure figures of the floor over plain rows, `now` passed in: queue tiles (waiting, oldest waiting, speed of
answer, handle time, agents on contacts), the agent table and the shift's trends. No I/O here."""

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from service.interactions import liveness
from service.standards.schema import Standard

ON_CONTACT = frozenset({"talking", "on_hold"})


@dataclass(frozen=True, slots=True)
class Contact:
    id: str
    kind: str
    status: str
    final: bool
    agent_id: str | None
    team_id: str | None
    queue_id: str | None
    started_at: datetime
    ended_at: datetime | None
    answer_wait_seconds: float | None
    counts_for_service_level: bool
    answered_within_limit: bool | None
    abandoned: bool
    compliance_passed: int
    compliance_failed: int
    quality_score: float | None
    customer_sentiment_mean: float | None
    last_event_at: datetime | None = None

    @property
    def answered_at(self) -> datetime | None:
        if self.kind != "call" or self.status in {"queued", "abandoned"}:
            return None
        return self.started_at + timedelta(seconds=self.answer_wait_seconds or 0)

    @property
    def handle_seconds(self) -> float | None:
        answered = self.answered_at
        return (self.ended_at - answered).total_seconds() if answered and self.ended_at else None


CONTACT_FIELDS = tuple(f for f in Contact.__slots__ if f != "last_event_at")  # type: ignore[attr-defined]


def is_stale(c: Contact, now: datetime, standard: Standard) -> bool:
    return liveness.is_stale(c.kind, c.final, c.started_at, c.last_event_at, now, standard)


def _mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.fmean(present), 4) if present else None


def _ratio(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def queue_floor(
    contacts: Sequence[Contact], window_start: datetime, now: datetime, standard: Standard
) -> dict[str, dict[str, Any]]:
    """Per queue, what a wallboard shows beside the service level: contacts waiting now and the oldest wait,
    average speed of answer and handle time of the window's calls, agents on a contact now."""
    by_queue: dict[str, list[Contact]] = defaultdict(list)
    for c in contacts:
        if c.queue_id and c.kind == "call":
            by_queue[c.queue_id].append(c)
    out = {}
    for queue, calls in sorted(by_queue.items()):
        live = [c for c in calls if not c.final and not is_stale(c, now, standard)]
        waiting = [c for c in live if c.status == "queued"]
        in_window = [c for c in calls if window_start <= c.started_at < now]
        out[queue] = {
            "waiting": len(waiting),
            "oldest_waiting_seconds": max(((now - c.started_at).total_seconds() for c in waiting), default=None),
            "average_speed_of_answer_seconds": _mean(c.answer_wait_seconds for c in in_window if c.answered_at),
            "average_handle_seconds": _mean(c.handle_seconds for c in in_window),
            "agents_on_contacts": len({c.agent_id for c in live if c.status in ON_CONTACT and c.agent_id}),
            "stale_calls": sum(1 for c in calls if is_stale(c, now, standard)),
        }
    return out


def agent_table(
    contacts: Sequence[Contact], start: datetime, now: datetime, standard: Standard
) -> list[dict[str, Any]]:
    """One row per agent seen since `start`: state now (on a contact, on hold, idle), the contact, time in the
    state, and the period's handled count, average quality and average customer sentiment."""
    by_agent: dict[str, list[Contact]] = defaultdict(list)
    for c in contacts:
        if c.agent_id:
            by_agent[c.agent_id].append(c)
    rows = []
    for agent, mine in sorted(by_agent.items()):
        current = max(
            (c for c in mine if c.status in ON_CONTACT and not c.final and not is_stale(c, now, standard)),
            key=lambda c: c.started_at,
            default=None,
        )
        period = [c for c in mine if start <= c.started_at < now]
        handled = [c for c in period if c.kind == "ticket" or c.answered_at]
        since: datetime | None
        if current is not None:
            state = current.status
            since = (current.last_event_at if state == "on_hold" else current.answered_at) or current.started_at
        else:
            state = "idle"
            since = max((c.ended_at for c in mine if c.ended_at and c.ended_at <= now), default=None)
        rows.append(
            {
                "agent_id": agent,
                "team_id": next(
                    (c.team_id for c in sorted(mine, key=lambda c: c.started_at, reverse=True) if c.team_id), None
                ),
                "state": state,
                "state_since": since.isoformat() if since else None,
                "seconds_in_state": (now - since).total_seconds() if since else None,
                "current_interaction_id": current.id if current else None,
                "current_queue_id": current.queue_id if current else None,
                "handled": len(handled),
                "average_quality": _mean(c.quality_score for c in period if c.final),
                "average_customer_sentiment": _mean(c.customer_sentiment_mean for c in period),
                "stale_calls": sum(1 for c in mine if is_stale(c, now, standard)),
            }
        )
    return rows


def trends(contacts: Sequence[Contact], start: datetime, end: datetime, bucket_seconds: int) -> list[dict[str, Any]]:
    """Service level, script compliance, customer sentiment and quality per bucket of [start, end), by start."""
    width = timedelta(seconds=bucket_seconds)
    count = -(-int((end - start).total_seconds()) // bucket_seconds)
    buckets: list[list[Contact]] = [[] for _ in range(count)]
    for c in contacts:
        if start <= c.started_at < end:
            buckets[int((c.started_at - start) / width)].append(c)
    out = []
    for i, rows in enumerate(buckets):
        offered = [c for c in rows if c.counts_for_service_level]
        passed = sum(c.compliance_passed for c in rows)
        checks = passed + sum(c.compliance_failed for c in rows)
        out.append(
            {
                "start": (start + width * i).isoformat(),
                "interactions": len(rows),
                "offered": len(offered),
                "service_level": _ratio(sum(1 for c in offered if c.answered_within_limit), len(offered)),
                "compliance_checks": checks,
                "compliance_rate": _ratio(passed, checks),
                "customer_sentiment": _mean(c.customer_sentiment_mean for c in rows),
                "average_quality": _mean(c.quality_score for c in rows if c.final),
            }
        )
    return out

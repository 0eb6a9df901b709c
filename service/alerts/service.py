"""Raise alerts for breaches, idempotently: the same breach of the same interaction is one alert; withdraw the
ones a later score no longer breaches, and reopen a withdrawn one whose breach is back."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from service.alerts import repository as repo
from service.alerts.book import AlertBook, Known
from service.alerts.lifecycle import SYSTEM, opened, reopen, resolve_many
from service.alerts.models import Alert
from service.alerts.notify import Destinations
from service.db import insert_new
from service.scoring.types import Breach, InteractionScore, evidence_dicts


def dedup_key(interaction_id: str, breach: Breach) -> str:
    return f"{interaction_id}:{breach.key}"


def _row(score: InteractionScore, b: Breach, now: datetime) -> dict[str, Any]:
    return {
        "dedup_key": dedup_key(score.interaction_id, b),
        "rule": b.rule,
        "severity": b.severity,
        "state": "open",
        "subject_kind": "interaction",
        "subject_id": score.interaction_id,
        "interaction_id": score.interaction_id,
        "agent_id": score.agent_id,
        "team_id": score.team_id,
        "queue_id": score.queue_id,
        "standard_version": score.standard_version,
        "message": b.message,
        "evidence": evidence_dicts(b.evidence),
        "breached_at": b.at,
        "raised_at": now,
    }


@dataclass(slots=True)
class Settled:
    raised: list[Alert] = field(default_factory=list)  # new, then reopened; not the ones still open
    withdrawn: list[Alert] = field(default_factory=list)  # open alerts a later score cleared
    books: dict[str, AlertBook | None] = field(default_factory=dict)  # after the changes; None: not known for sure


def settle_alerts(
    session: Session,
    breaches: Sequence[tuple[InteractionScore, Sequence[Breach]]],
    books: Mapping[str, AlertBook | None],
    now: datetime,
    destinations: Destinations,
) -> Settled:
    """After a score of each of these interactions: raise an alert for each new breach (transition, deliveries),
    reopen the withdrawn ones whose breach is back, and withdraw the unresolved ones the score no longer breaches.

    `books` is what the interactions' live states know of their alerts (alerts.book; None or missing: read them,
    one statement for all). A live interaction keeps breaching what it breached before on every rescore: when
    its book shows nothing to raise, reopen or withdraw, nothing is read or written. Every change is made on rows
    read again and locked (the unique key settles races between processes).
    """
    scores = {score.interaction_id: score for score, _ in breaches}
    known: dict[str, AlertBook] = {i: book for i in scores if (book := books.get(i)) is not None}
    known.update(repo.alert_books(session, [i for i in scores if i not in known]))
    candidates = {dedup_key(score.interaction_id, b): (score, b) for score, bs in breaches for b in bs}
    new_rows: list[dict[str, Any]] = []
    to_reopen: dict[str, str] = {}  # dedup key -> interaction id
    to_withdraw: dict[str, str] = {}
    for key, (score, b) in candidates.items():
        had = known[score.interaction_id].get(key)
        if had is None:
            new_rows.append(_row(score, b, now))
        elif _withdrawn(had) and had.standard_version == score.standard_version:
            to_reopen[key] = score.interaction_id  # one judged by another version is not this score's to reopen
    for interaction_id, book in known.items():
        version = scores[interaction_id].standard_version
        to_withdraw.update(
            (k, interaction_id) for k, had in book.items() if k not in candidates and _open(had, version)
        )
    settled = Settled()
    if new_rows:
        settled.raised = sorted(insert_new(session, Alert, new_rows, "dedup_key"), key=lambda a: a.id)
        if settled.raised:
            opened(session, settled.raised, now, destinations)
    settled.raised += _reopen_withdrawn(session, candidates, list(to_reopen), now, destinations)
    settled.withdrawn = _withdraw(session, scores, list(to_withdraw), now, destinations)
    settled.books = _books_after(
        known, settled, {r["dedup_key"]: r["interaction_id"] for r in new_rows} | to_reopen | to_withdraw
    )
    return settled


def _books_after(known: dict[str, AlertBook], settled: Settled, meant: dict[str, str]) -> dict[str, AlertBook | None]:
    """Each book with the changes made; None for an interaction where a change meant (dedup key -> interaction id)
    was not made: another process or a person got there first, so only a new read knows."""
    done = {alert.dedup_key: alert for alert in settled.raised + settled.withdrawn}
    unsure = {interaction_id for key, interaction_id in meant.items() if key not in done}
    changed: dict[str, dict[str, Known]] = {}
    for key, alert in done.items():
        changed.setdefault(meant[key], {})[key] = Known(
            alert.state, alert.resolved_by, alert.standard_version, alert.subject_kind
        )
    return {i: None if i in unsure else {**book, **changed[i]} if i in changed else book for i, book in known.items()}


def _withdrawn(had: Known) -> bool:
    """Resolved by callqa itself: a finding a later score cleared, reopened if its breach is back."""
    return had.state == "resolved" and had.resolved_by == SYSTEM


def _open(had: Known, version: str) -> bool:
    """An unresolved finding of a score judged by `version` (another version's findings are not this score's)."""
    return had.subject_kind == "interaction" and had.state != "resolved" and had.standard_version == version


def _reopen_withdrawn(
    session: Session,
    candidates: dict[str, tuple[InteractionScore, Breach]],
    keys: list[str],
    now: datetime,
    destinations: Destinations,
) -> list[Alert]:
    """A finding callqa withdrew and the latest score breaches again (a second hold over the limit after the
    first one's end cleared it) is the same alert, opened again with the new breach. An alert a person resolved
    stays resolved; one judged by another version of the standard is not this score's to reopen."""
    if not keys:
        return []
    reopened = []
    for alert in repo.resolved_by_dedup_keys(session, keys, SYSTEM):
        _, breach = candidates[alert.dedup_key]
        alert.message, alert.evidence, alert.breached_at = breach.message, evidence_dicts(breach.evidence), breach.at
        reopen(session, alert, f"reopened: the breach is back: {breach.message}", now, destinations)
        reopened.append(alert)
    return reopened


def _why_cleared(score: InteractionScore, alert: Alert) -> str:
    """The reason a withdrawn finding gives, from the item of the latest score it was about."""
    item = next((i for i in score.items if i.id == alert.item), None)
    if item is not None:
        return f"withdrawn: later evidence cleared it: {item.id} is now {item.status.value} ({item.detail})"
    shown = "none" if score.quality_score is None else f"{score.quality_score:g}"
    return f"withdrawn: later evidence cleared it: quality score now {shown}, passed {score.passed}"


def _withdraw(
    session: Session, scores: dict[str, InteractionScore], keys: list[str], now: datetime, destinations: Destinations
) -> list[Alert]:
    """Resolve, as callqa and with the reason, the unresolved alerts of these keys, which the latest score of their
    interaction no longer breaches: events arrive out of order and transcripts lag, so "greeting not said" can be
    cleared by the utterance that arrives later. The withdrawal is a transition like any other: kept in the audit
    trail, sent to the stream and the webhooks. One a person resolved meanwhile is left as it is."""
    if not keys:
        return []
    changes = [
        (a, _why_cleared(scores[a.interaction_id or ""], a)) for a in repo.unresolved_by_dedup_keys(session, keys)
    ]
    return resolve_many(session, changes, SYSTEM, now, destinations)

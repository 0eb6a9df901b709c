"""Raise alerts for breaches, idempotently: the same breach of the same interaction is one alert; withdraw the
ones a later score no longer breaches, and reopen a withdrawn one whose breach is back."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from service.alerts import repository as repo
from service.alerts.lifecycle import SYSTEM, opened, reopen, resolve
from service.alerts.models import Alert
from service.alerts.notify import Destinations
from service.db import insert_ignoring_conflicts
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


def raise_alerts(
    session: Session,
    breaches: Sequence[tuple[InteractionScore, Sequence[Breach]]],
    now: datetime,
    destinations: Destinations,
) -> list[Alert]:
    """Insert the alerts not raised before, open them (transition + deliveries), and reopen the withdrawn ones
    whose breach is back; returns those (new, then reopened), not the ones still open.

    A live interaction keeps breaching what it breached before on every rescore: the keys already raised are
    read once, so only new breaches are written (the unique key still settles races between processes).
    """
    candidates = {dedup_key(score.interaction_id, b): (score, b) for score, bs in breaches for b in bs}
    if not candidates:
        return []
    known = repo.dedup_key_states(session, list(candidates))
    rows = [_row(score, b, now) for key, (score, b) in candidates.items() if key not in known]
    new_keys = insert_ignoring_conflicts(session, Alert, rows, "dedup_key")
    alerts = []
    if new_keys:
        alerts = repo.alerts_by_dedup_keys(session, new_keys)
        opened(session, alerts, now, destinations)
    withdrawn = [key for key, (state, by) in known.items() if state == "resolved" and by == SYSTEM]
    return alerts + _reopen_withdrawn(session, candidates, withdrawn, now, destinations)


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
        score, breach = candidates[alert.dedup_key]
        if score.standard_version != alert.standard_version:
            continue
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


def withdraw_cleared(
    session: Session,
    breaches: Sequence[tuple[InteractionScore, Sequence[Breach]]],
    now: datetime,
    destinations: Destinations,
) -> list[Alert]:
    """Resolve, as callqa and with the reason, every unresolved alert of these interactions that their latest
    score no longer breaches: events arrive out of order and transcripts lag, so "greeting not said" can be
    cleared by the utterance that arrives later. The withdrawal is a transition like any other: kept in the
    audit trail, sent to the stream and the webhooks."""
    scores = {score.interaction_id: score for score, _ in breaches}
    if not scores:
        return []
    current = {dedup_key(score.interaction_id, b) for score, bs in breaches for b in bs}
    withdrawn: list[Alert] = []
    for alert in repo.unresolved_of_interactions(session, list(scores)):
        if alert.dedup_key in current or alert.interaction_id is None:
            continue
        score = scores[alert.interaction_id]
        if score.standard_version != alert.standard_version:
            continue  # judged by another version of the standard: not this score's to withdraw
        withdrawn.append(resolve(session, alert, SYSTEM, _why_cleared(score, alert), now, destinations))
    return withdrawn

"""Review cases: opened or joined by breaches and failed interactions, worked through the workflow, every change
audited; corrective actions checked after their window. Services flush, never commit: the edge commits."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row as DbRow
from sqlalchemy.orm import Session

from service.alerts.aggregates import Row, measure
from service.alerts.lifecycle import SYSTEM, opened, resolve
from service.alerts.models import Alert
from service.alerts.notify import Destinations
from service.interactions.models import Interaction
from service.interactions.repository import window_rows
from service.reviews import repository as repo
from service.reviews.errors import Conflict, NotFound, ReviewError
from service.reviews.models import CorrectiveAction, ReviewCase, ReviewCaseChange
from service.reviews.verdict import judge, target_of
from service.reviews.workflow import ACTIVE, IllegalChange, check_transition
from service.standards.schema import Standard

OVERDUE_RULE = "review_overdue"
_BATCH = 200


@dataclass(slots=True)
class Intake:
    """What one sweep did."""

    opened: list[int] = field(default_factory=list)
    linked: int = 0
    overdue: list[int] = field(default_factory=list)
    verified: list[int] = field(default_factory=list)


def audit(session: Session, case: ReviewCase, actor: str, change: str, now: datetime, **detail: Any) -> None:
    session.add(ReviewCaseChange(case_id=case.id, at=now, actor=actor, change=change, detail=detail))
    case.updated_at = now


def get_interaction(session: Session, interaction_id: str) -> Interaction:
    row = session.get(Interaction, interaction_id)
    if row is None or row.status == "new":
        raise NotFound(f"no interaction {interaction_id!r}")
    return row


def get_alert(session: Session, alert_id: int) -> Alert:
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(f"no alert {alert_id}")
    return alert


def get_case(session: Session, case_id: int, lock: bool = True) -> ReviewCase:
    case = session.get(ReviewCase, case_id, with_for_update=lock)
    if case is None:
        raise NotFound(f"no review case {case_id}")
    return case


@dataclass(frozen=True, slots=True)
class Subject:
    """What a case is opened or joined for, and what it links."""

    kind: str
    id: str
    ids: dict[str, str | None]  # agent_id, team_id, queue_id
    title: str
    links: tuple[tuple[str, str], ...]  # (kind, ref)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


def open_and_link(
    session: Session, subjects: Sequence[Subject], standard: Standard, now: datetime, actor: str
) -> list[tuple[int, bool]]:
    """Each subject's open case, or a new one due after the standard's review time, with the subject's links
    added; (case id, opened by this subject) for each. A few statements however many subjects (the sweep takes
    them in batches); idempotent under races: a case or a link another writer added first is kept."""
    keys = {s.key for s in subjects}
    cases = repo.open_case_ids(session, keys)
    due_at = now + timedelta(seconds=standard.review.due_within_seconds)
    rows: dict[str, dict[str, Any]] = {}
    for s in subjects:
        if s.key not in cases and s.key not in rows:
            rows[s.key] = {
                "open_key": s.key, "subject_kind": s.kind, "subject_id": s.id, "title": s.title, "status": "open",
                "five_whys": [], "standard_version": standard.version, "opened_by": actor, "opened_at": now,
                "due_at": due_at, "updated_at": now, **{name: s.ids.get(name) for name in _IDS},
            }  # fmt: skip
    created = repo.insert_open_cases(session, list(rows.values()))
    cases.update(repo.open_case_ids(session, keys - cases.keys()))
    added = repo.add_links(session, [
        {"case_id": cases[s.key], "kind": kind, "ref": ref, "linked_at": now, "linked_by": actor}
        for s in subjects for kind, ref in s.links
    ])  # fmt: skip
    changes: list[dict[str, Any]] = []
    found: list[tuple[int, bool]] = []
    for s in subjects:
        case_id, opened = cases[s.key], s.key in created
        created.discard(s.key)  # opened by the first subject of the key; the others join it
        if opened:
            changes.append(_change(case_id, actor, "opened", now, title=s.title, due_at=due_at.isoformat()))
        for kind, ref in s.links:
            if (case_id, kind, ref) in added:
                added.discard((case_id, kind, ref))
                changes.append(_change(case_id, actor, "linked", now, kind=kind, ref=ref))
        found.append((case_id, opened))
    repo.add_changes(session, changes)
    repo.touch_cases(session, {c["case_id"] for c in changes}, now)
    return found


_IDS = ("agent_id", "team_id", "queue_id")


def _change(case_id: int, actor: str, change: str, now: datetime, **detail: Any) -> dict[str, Any]:
    return {"case_id": case_id, "at": now, "actor": actor, "change": change, "detail": detail}


def link(session: Session, case: ReviewCase, kind: str, ref: str, now: datetime, actor: str) -> bool:
    """False when the case already links it."""
    if case.status == "closed":
        raise Conflict(f"review case {case.id} is closed")
    added = bool(repo.add_links(session, [
        {"case_id": case.id, "kind": kind, "ref": ref, "linked_at": now, "linked_by": actor}
    ]))  # fmt: skip
    if added:
        audit(session, case, actor, "linked", now, kind=kind, ref=ref)
    return added


def alert_subject(alert: Alert | DbRow[Any]) -> Subject:
    """An alert opens or joins the case of what it is about (an interaction, an agent, a queue ...)."""
    ids = {name: getattr(alert, name) for name in _IDS}
    links = [("alert", str(alert.id))] + ([("interaction", alert.interaction_id)] if alert.interaction_id else [])
    subject = alert.subject_id or alert.interaction_id or str(alert.id)
    return Subject(alert.subject_kind, subject, ids, alert.message, tuple(links))


def failure_subject(row: Interaction | DbRow[Any], title: str | None = None) -> Subject:
    """`title` defaults to why a failed interaction opens a case by itself."""
    if title is None:
        shown = "none" if row.quality_score is None else f"{row.quality_score:g}"
        critical = ", critical item" if row.critical_failure else ""
        title = f"interaction {row.id} failed (quality score {shown}{critical})"
    ids = {name: getattr(row, name) for name in _IDS}
    return Subject("interaction", row.id, ids, title, (("interaction", row.id),))


def open_for(session: Session, subject: Subject, standard: Standard, now: datetime, actor: str) -> ReviewCase:
    """One subject's case (opened or joined), as opened by hand."""
    [(case_id, _)] = open_and_link(session, [subject], standard, now, actor)
    case = session.get(ReviewCase, case_id, with_for_update=True, populate_existing=True)
    assert case is not None
    return case


def sweep(session: Session, standard: Standard, now: datetime, destinations: Destinations) -> Intake:
    """The background step: new breaches and failures open or join cases, late reviews raise an alert, actions
    whose window has passed are verified. Each part is idempotent, so a repeated or concurrent sweep is harmless."""
    done = Intake()
    rules = standard.review
    since = now - timedelta(seconds=rules.intake_window_seconds)
    alerts = repo.unlinked_alerts(session, since, rules.open_on_severities, OVERDUE_RULE, _BATCH)
    subjects = [alert_subject(alert) for alert in alerts]
    if rules.open_on_failed_interaction:
        subjects += [failure_subject(row) for row in repo.unlinked_failures(session, since, _BATCH)]
    found = open_and_link(session, subjects, standard, now, SYSTEM)
    done.linked = len(found)
    done.opened = [case_id for case_id, created in found if created]
    for case in repo.overdue_cases(session, now, _BATCH):
        done.overdue.append(_raise_overdue(session, case, standard, now, destinations).id)
    for action in repo.due_actions(session, now, _BATCH):
        verify_action(session, action, standard, now, SYSTEM)
        done.verified.append(action.id)
    return done


def _raise_overdue(
    session: Session, case: ReviewCase, standard: Standard, now: datetime, destinations: Destinations
) -> Alert:
    late = int((now - case.due_at).total_seconds())
    message = f"{OVERDUE_RULE}: review case {case.id} ({case.title}) is still {case.status}, due {late} s ago"
    alert = Alert(
        dedup_key=f"{OVERDUE_RULE}:{case.id}", rule=OVERDUE_RULE, severity=standard.review.overdue_severity,
        state="open", subject_kind="review", subject_id=str(case.id),
        interaction_id=case.subject_id if case.subject_kind == "interaction" else None,
        agent_id=case.agent_id, team_id=case.team_id, queue_id=case.queue_id, standard_version=standard.version,
        message=message, evidence=[{"note": message, "value": late}], value=float(late), breached_at=case.due_at,
        raised_at=now,
    )  # fmt: skip
    session.add(alert)
    session.flush()
    opened(session, [alert], now, destinations)
    case.overdue_alert_id = alert.id
    audit(session, case, SYSTEM, "overdue", now, alert_id=alert.id, late_seconds=late)
    link(session, case, "alert", str(alert.id), now, SYSTEM)
    return alert


def update_case(
    session: Session,
    case: ReviewCase,
    changes: dict[str, Any],
    standard: Standard,
    now: datetime,
    actor: str,
) -> ReviewCase:
    """Assignee, root cause (from the standard's taxonomy) and 5-Whys notes; each change audited old -> new."""
    if case.status == "closed":
        raise Conflict(f"review case {case.id} is closed")
    cause = changes.get("root_cause")
    if cause is not None and cause not in standard.review.cause_ids:
        raise ReviewError(f"root_cause must be one of {', '.join(standard.review.cause_ids)}; got {cause!r}")
    for name in ("assignee", "root_cause", "five_whys"):
        if name in changes and changes[name] != getattr(case, name):
            audit(session, case, actor, name, now, old=getattr(case, name), new=changes[name])
            setattr(case, name, changes[name])
    return case


def change_status(
    session: Session,
    case: ReviewCase,
    target: str,
    note: str | None,
    now: datetime,
    actor: str,
    destinations: Destinations,
) -> ReviewCase:
    """A review that is done (action planned, or closed) resolves its review_overdue alert, if it had one."""
    actions = repo.actions_of(session, case.id)
    try:
        check_transition(
            case.status, target, root_cause=case.root_cause, actions=len(actions),
            unverified_actions=sum(a.status != "verified" for a in actions),
        )  # fmt: skip
    except IllegalChange as exc:
        raise Conflict(f"review case {case.id}: {exc}") from exc
    audit(session, case, actor, "status", now, old=case.status, new=target, note=note)
    case.status = target
    if target == "closed":
        case.closed_at, case.open_key = now, None  # the subject may open a new case from now on
    overdue = session.get(Alert, case.overdue_alert_id, with_for_update=True) if case.overdue_alert_id else None
    if overdue is not None and overdue.state != "resolved" and target not in ACTIVE:
        resolve(session, overdue, actor, f"review case {case.id} is now {target}", now, destinations)
    return case


def add_action(
    session: Session, case: ReviewCase, spec: dict[str, Any], standard: Standard, now: datetime, actor: str
) -> CorrectiveAction:
    if case.status not in ("investigating", "action_planned"):
        raise Conflict(f"review case {case.id} is {case.status}: actions are planned while investigating")
    if spec["metric"] not in standard.review.action_metrics:
        allowed = ", ".join(sorted(standard.review.action_metrics))
        raise ReviewError(f"metric must be one of {allowed}; got {spec['metric']!r}")
    window = spec.get("window_seconds") or standard.review.verification_window_seconds
    starts = spec.get("starts_at") or now
    action = CorrectiveAction(
        case_id=case.id, description=spec["description"], owner=spec["owner"], due_at=spec["due_at"],
        metric=spec["metric"], subject_kind=spec["subject_kind"], subject_id=spec["subject_id"],
        target=target_of(standard, spec["metric"]), starts_at=starts, window_seconds=window,
        verify_at=starts + timedelta(seconds=window),
        status="planned", created_by=actor, created_at=now,
    )  # fmt: skip
    session.add(action)
    session.flush()
    audit(session, case, actor, "action_added", now, action_id=action.id, metric=action.metric, owner=action.owner)
    return action


def verify_action(
    session: Session, action: CorrectiveAction, standard: Standard, now: datetime, actor: str
) -> CorrectiveAction:
    """The target metric over the window before the action against the window after it, from stored scores."""
    if action.status == "verified":
        raise Conflict(f"corrective action {action.id} was verified at {action.verified_at}")
    window = timedelta(seconds=action.window_seconds)
    if action.verify_at > now:
        raise Conflict(f"corrective action {action.id}: its verification window ends at {action.verify_at.isoformat()}")
    rows = window_rows(session, action.subject_kind, action.starts_at - window, action.verify_at, action.subject_id)
    before_rows = [r for r in rows if r.started_at < action.starts_at]
    after_rows = [r for r in rows if r.started_at >= action.starts_at]
    before, after = measure(before_rows, action.metric), measure(after_rows, action.metric)  # type: ignore[arg-type]
    by_day: dict[int, list[Row]] = defaultdict(list)
    for r in before_rows:
        by_day[int((action.starts_at - r.started_at) / timedelta(days=1))].append(r)
    daily = [v for day in by_day.values() if (v := measure(day, action.metric).value) is not None]  # type: ignore[arg-type]
    rules = standard.review
    verdict = judge(
        action.metric, before, after, daily, action.target, rules.verification_sigmas, rules.verification_min_days
    )
    action.before_value, action.before_count = before.value, before.count
    action.after_value, action.after_count = after.value, after.count
    action.worked, action.verdict = verdict.worked, verdict.text
    action.status, action.verified_at, action.verified_by = "verified", now, actor
    case = get_case(session, action.case_id)
    audit(
        session, case, actor, "action_verified", now, action_id=action.id, worked=verdict.worked, verdict=verdict.text
    )
    return action


def get_action(session: Session, action_id: int) -> CorrectiveAction:
    action = session.get(CorrectiveAction, action_id, with_for_update=True)
    if action is None:
        raise NotFound(f"no corrective action {action_id}")
    return action

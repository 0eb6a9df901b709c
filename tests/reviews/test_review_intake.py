"""The review sweep on a real database (SQLite and PostgreSQL), `now` driven by the test: breaches and failures
open one case per subject, however often and however many processes sweep; late reviews alert once; a closed
case frees its subject; history before the intake window is left alone."""

import threading
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from service.alerts.lifecycle import SYSTEM, resolve
from service.alerts.models import Alert
from service.alerts.notify import Destinations
from service.db import session_scope
from service.interactions.service import Pipeline
from service.reviews import service
from service.reviews.models import ReviewCase, ReviewCaseLink
from service.standards.book import StandardBook
from tests.factories import at, call, default_standard

NONE = Destinations()
STD = default_standard()
RUDE = [("agent", "yeah what do you want", 1000), ("agent", "Calm down, that's not my problem.", 6000)]


def _rude_calls(db: Any, ids: list[str], when: float = 0) -> None:
    with session_scope(db) as session:
        for iid in ids:
            events = call(iid, offered=when, answered=when + 5, utterances=RUDE, ended=when + 60)
            Pipeline(StandardBook(STD), timedelta(hours=1)).record_events(session, events, "test", at(when + 61))


def _sweep(db: Any, seconds: float) -> service.Intake:
    with session_scope(db) as session:
        return service.sweep(session, STD, at(seconds), NONE)


def _count(db: Any, what: Any, *where: Any) -> int:
    with session_scope(db) as session:
        return session.scalar(select(func.count()).select_from(what).where(*where)) or 0


def test_one_case_per_interaction_however_often_it_is_swept(db: Any) -> None:
    _rude_calls(db, ["c-1", "c-2", "c-3"])
    first = _sweep(db, 120)
    assert len(first.opened) == 3 and first.linked > 3
    again = _sweep(db, 121)
    assert (again.opened, again.linked) == ([], 0)
    assert _count(db, ReviewCase) == 3
    alerts = _count(db, Alert, Alert.severity.in_(("warning", "critical")))
    assert _count(db, ReviewCaseLink, ReviewCaseLink.kind == "alert") == alerts


def test_concurrent_sweeps_open_each_case_once(db: Any) -> None:
    _rude_calls(db, [f"p-{n}" for n in range(8)])
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            _sweep(db, 120)
        except BaseException as exc:  # a locked SQLite writer; on PostgreSQL raised below
            errors.append(exc)

    threads = [threading.Thread(target=sweep) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors and db.kw["bind"].dialect.name == "postgresql":
        raise errors[0]
    _sweep(db, 121)  # whatever a locked-out SQLite writer left, the next sweep picks up
    assert _count(db, ReviewCase) == 8
    with session_scope(db) as session:
        links = session.execute(select(ReviewCaseLink.case_id, ReviewCaseLink.kind, ReviewCaseLink.ref)).all()
    assert len(links) == len(set(links))


def test_late_reviews_alert_once_and_a_closed_case_frees_its_subject(db: Any) -> None:
    _rude_calls(db, ["o-1"])
    case_id = _sweep(db, 120).opened[0]
    assert _sweep(db, 120 + 86000).overdue == []
    late = _sweep(db, 120 + 86401)
    assert len(late.overdue) == 1
    assert _sweep(db, 120 + 90000).overdue == []
    with session_scope(db) as session:
        alert = session.get(Alert, late.overdue[0])
        assert alert is not None and (alert.rule, alert.subject_kind, alert.subject_id) == (
            "review_overdue", "review", str(case_id),
        )  # fmt: skip
        case = service.get_case(session, case_id)
        assert case.overdue_alert_id == alert.id
        service.change_status(session, case, "investigating", None, at(90001), "sue", NONE)
        assert alert.state == "open"  # still not reviewed
        service.update_case(session, case, {"root_cause": "customer"}, STD, at(90001), "sue")
        service.change_status(session, case, "closed", "nothing to act on", at(90002), "sue", NONE)
        assert (alert.state, alert.resolved_by) == ("resolved", "sue")
    assert _sweep(db, 90003).opened == []  # the overdue alert never opens a case of its own
    _rude_calls(db, ["o-1b"], when=90000)
    with session_scope(db) as session:
        row = session.get(ReviewCase, case_id)
        assert row is not None and row.open_key is None and row.closed_at is not None
        subject = service.Subject("interaction", "o-1", {}, "again", ())
        [(opened, created)] = service.open_and_link(session, [subject], STD, at(90004), "sue")
        assert created and opened != case_id


def test_history_before_the_intake_window_is_left_alone(db: Any) -> None:
    _rude_calls(db, ["h-1"])
    assert _sweep(db, 61 + 86400 + 1).opened == []
    assert _count(db, ReviewCase) == 0


def test_an_alert_callqa_withdrew_opens_no_case(db: Any) -> None:
    _rude_calls(db, ["w-1"])
    with session_scope(db) as session:
        alerts = list(session.scalars(select(Alert).where(Alert.interaction_id == "w-1").order_by(Alert.id)))
        withdrawn = alerts[0]
        resolve(session, withdrawn, SYSTEM, "withdrawn: later evidence cleared it", at(100), NONE)
        resolve(session, alerts[1], "sue", "seen to", at(100), NONE)  # a supervisor's resolve still opens one
    _sweep(db, 120)
    with session_scope(db) as session:
        refs = set(session.scalars(select(ReviewCaseLink.ref).where(ReviewCaseLink.kind == "alert")))
    assert str(withdrawn.id) not in refs and str(alerts[1].id) in refs

"""Outcome events through `callqa replay` (the same decoder and pipeline as HTTP and Kafka), on SQLite and
PostgreSQL: stored apart from the call, a bad answer refused naming its field, a second replay all duplicates."""

from pathlib import Path

from sqlalchemy import func, select

from service.interactions.models import EventRecord
from service.outcomes.models import Contact, SurveyAnswer
from tests.api.wire import GOOD_CALL, call, event
from tests.cli.test_history import jsonl, query, run


def test_replay_stores_surveys_and_contact_reasons(database_url: str, tmp_path: Path) -> None:
    history = jsonl(
        tmp_path / "events.jsonl",
        [
            *call("o-1", turns=GOOD_CALL),
            event("o-1", 200, "survey.answered", 900, {"csat": 4, "nps": 8}),
            event("o-1", 201, "contact.reason", 300, {"customer_id": "cust-9", "reason": "billing"}),
            event("o-1", 202, "survey.answered", 950, {"csat": 0}),
        ],
    )
    out = run(database_url, "replay", "--quiet", str(history))
    assert out.returncode == 2, out.stderr  # one refused record
    assert "events: 15 accepted, 0 duplicate, 1 rejected" in out.stdout
    assert "o-1-202: payload.csat:" in out.stdout
    assert query(database_url, select(SurveyAnswer.csat, SurveyAnswer.nps)) == [(4, 8)]
    assert query(database_url, select(Contact.customer_id, Contact.reason)) == [("cust-9", "billing")]
    # the call's timeline holds its own 13 events, never the outcomes
    assert query(database_url, select(func.count()).select_from(EventRecord))[0][0] == 13
    again = run(database_url, "replay", "--quiet", str(history))
    assert "events: 0 accepted, 15 duplicate, 1 rejected" in again.stdout

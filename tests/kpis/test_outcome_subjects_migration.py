"""Revision 0009 on a database that already holds outcomes (SQLite and PostgreSQL): each survey answer and contact
gets whom it counts for, as the app writes it (its interaction's agent, team and queue where it names them, else
the row's own); and back down again."""

from alembic import command
from sqlalchemy import create_engine, text

from service.migrate import alembic_config, upgrade

AT = "2026-11-24 09:00:00+00:00"


def test_existing_outcomes_get_their_subject_in_batches(database_url: str) -> None:
    command.downgrade(alembic_config(database_url), "0008")
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO interactions (id, kind, status, final, agent_id, team_id, queue_id, started_at, "
                    "standard_version, critical_failure, compliance_passed, compliance_failed, "
                    "counts_for_service_level, abandoned, event_count, scored_at, score) VALUES "
                    "(:id, 'call', 'ended', true, :agent, :team, NULL, :at, 'v', false, 0, 0, false, false, 1, :at, "
                    "'{}')"
                ),
                [
                    {"id": "i-ann", "agent": "ann", "team": "blue", "at": AT},
                    {"id": "i-none", "agent": None, "team": None, "at": AT},
                ],
            )
            rows = [("i-ann", "bob", "red", "q2"), ("i-none", "bob", "red", "q2"), ("i-unknown", "cat", None, "q3")]
            for n, (iid, agent, team, queue) in enumerate(rows):
                own = {"iid": iid, "agent": agent, "team": team, "queue": queue, "at": AT, "n": n}
                conn.execute(
                    text(
                        "INSERT INTO survey_answers (event_id, interaction_id, answered_at, received_at, source, "
                        "csat, agent_id, team_id, queue_id) "
                        "VALUES ('s-' || :n, :iid, :at, :at, 'http', 5, :agent, :team, :queue)"
                    ),
                    own,
                )
                conn.execute(
                    text(
                        "INSERT INTO contacts (interaction_id, event_id, customer_id, reason, contacted_at, "
                        "received_at, source, agent_id, team_id, queue_id) "
                        "VALUES (:iid, 'c-' || :n, 'cust', 'billing', :at, :at, 'http', :agent, :team, :queue)"
                    ),
                    own,
                )
        upgrade(database_url)
        with engine.connect() as conn:
            for table, key in (("survey_answers", "interaction_id"), ("contacts", "interaction_id")):
                got = conn.execute(
                    text(f"SELECT {key}, subject_agent_id, subject_team_id, subject_queue_id FROM {table} ORDER BY 1")
                ).all()
                assert [tuple(r) for r in got] == [
                    ("i-ann", "ann", "blue", "q2"),  # the interaction's agent and team, the row's queue (it names none)
                    ("i-none", "bob", "red", "q2"),  # the interaction names nobody: the row's own
                    ("i-unknown", "cat", None, "q3"),  # callqa never saw the interaction
                ], table
        command.downgrade(alembic_config(database_url), "0008")
        upgrade(database_url)
    finally:
        engine.dispose()

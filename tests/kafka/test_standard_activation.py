"""A running consumer follows a standard version activated at run time (as `callqa standards activate` does),
without a restart: a call going on keeps its version, a call that starts after gets the new one."""

from collections.abc import Callable
from datetime import timedelta

import pytest

from service.activations import service
from service.clock import utc_now
from service.config import Settings
from service.db import make_engine, make_sessionmaker, session_scope
from service.standards.loader import parse_standard
from tests.kafka.support import ConsumerThread, Topics, produce, rows, stored, wait_for
from tests.standards_support import STRICT, V1, V2, ending, opening

pytestmark = pytest.mark.kafka


def versions(url: str) -> dict[str, tuple[str, bool]]:
    found = rows(url, "SELECT id, standard_version, final FROM interactions")
    return {r.id: (r.standard_version, bool(r.final)) for r in found}


def test_a_running_consumer_follows_an_activation(
    consumer_settings: Callable[..., Settings], topics: Topics, kafka_bootstrap: str, database_url: str
) -> None:
    consumer = ConsumerThread(consumer_settings())
    try:
        start = utc_now() - timedelta(seconds=30)  # the consumer judges by the real clock
        n = produce(kafka_bootstrap, topics.events, opening("k-ongoing", start))
        wait_for(lambda: stored(database_url) == n or consumer.error, 90, "the live call's opening stored")

        engine = make_engine(database_url)
        try:
            with session_scope(make_sessionmaker(engine)) as session:
                now = utc_now()
                effective = service.activate(session, parse_standard(STRICT), now, "cli", now).row.effective_at
        finally:
            engine.dispose()

        after = (effective - start).total_seconds()
        n += produce(kafka_bootstrap, topics.events, ending("k-ongoing", start, after=after))
        n += produce(kafka_bootstrap, topics.events, [*opening("k-new", effective), *ending("k-new", effective)])
        wait_for(lambda: stored(database_url) == n or consumer.error, 90, "every event stored")
    finally:
        consumer.close()
    assert versions(database_url) == {"k-ongoing": (V1, True), "k-new": (V2, True)}
    forbidden = rows(database_url, "SELECT interaction_id FROM alerts WHERE rule = 'forbidden_phrase'")
    assert [r.interaction_id for r in forbidden] == ["k-new"]  # "no way" is forbidden by v2 only

"""Two `callqa consume` processes in one group share the partitions; the second joins mid-stream (a rebalance)."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from service.config import Settings
from tests.kafka.support import (
    SteadyProducer,
    Topics,
    assert_scored_exactly_once,
    calls,
    caught_up,
    committed_offsets,
    distinct_ids,
    end_offsets,
    group_state,
    spawn,
    stop_process,
    stored,
    wait_for,
)

pytestmark = pytest.mark.kafka


def assignments(bootstrap: str, group: str) -> list[set[int]]:
    """The partitions of each member of the group, from the broker's point of view."""
    state = group_state(bootstrap, group)
    if state["group_state"] != "Stable":
        return []
    out = []
    for member in state["members"]:
        assignment: dict[str, Any] = member["member_assignment"]
        out.append({p for a in assignment["assigned_partitions"] for p in a["partitions"]})
    return out


def test_two_consumers_share_the_partitions_and_store_everything_once(
    consumer_settings: Callable[..., Settings], topics: Topics, kafka_bootstrap: str, database_url: str, tmp_path: Path
) -> None:
    stream = calls(150, "grp")
    total = distinct_ids(stream)
    settings = consumer_settings(kafka_batch_max_records=25)
    producer = SteadyProducer(kafka_bootstrap, topics.events, stream, per_second=500)
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    first = spawn(settings, logs[0], "consume")
    second = None
    try:
        wait_for(lambda: stored(database_url) > 0, 240, "the first consumer to store", logs=[tmp_path / "first.log"])
        second = spawn(settings, logs[1], "consume")  # joins while records flow: a rebalance
        shared = wait_for(
            lambda: (a := assignments(kafka_bootstrap, topics.group)) and len(a) == 2 and all(a) and a,
            120,
            "2 members",
            logs=logs,
        )
        producer.join()
        wait_for(
            lambda: caught_up(kafka_bootstrap, topics.group, topics.events), 240, "every record consumed", logs=logs
        )
    finally:
        codes = [stop_process(p) for p in (first, second) if p is not None]
    assert codes == [0, 0]
    assert shared[0].isdisjoint(shared[1]) and shared[0] | shared[1] == {0, 1, 2}
    assert_scored_exactly_once(database_url, total)
    assert committed_offsets(kafka_bootstrap, topics.group, topics.events) == end_offsets(
        kafka_bootstrap, topics.events
    )
    for log in ("first.log", "second.log"):
        assert "partitions assigned" in (tmp_path / log).read_text()

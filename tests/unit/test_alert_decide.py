"""decide(): what one judged observation of a window or control-limit rule does, as pure logic."""

from datetime import UTC, datetime, timedelta

import pytest

from service.alerts.aggregates import Decision, Observation, Standing, decide
from service.standards.schema import AggregateRule

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
RULE = AggregateRule.model_construct(persist_for_seconds=300, suppress_for_seconds=600, auto_resolve=True)


def obs(breached: bool) -> Observation:
    return Observation("sl", "billing", 0.5, 40, breached, True, "service level 50%")


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("breached", "standing", "expected"),
    [
        (True, Standing(None, None, False), Decision("none", NOW)),  # a breach starts: it must persist first
        (True, Standing(ago(299), None, False), Decision("none", ago(299))),
        (True, Standing(ago(300), None, False), Decision("open", ago(300))),
        (True, Standing(ago(300), ago(599), False), Decision("none", ago(300))),  # quiet after a resolve
        (True, Standing(ago(300), ago(600), False), Decision("open", ago(300))),
        (True, Standing(ago(900), None, True), Decision("update", ago(900))),  # open: its value follows
        (False, Standing(ago(900), None, True), Decision("resolve", None)),
        (False, Standing(ago(900), None, False), Decision("none", None)),
    ],
)
def test_decide(breached: bool, standing: Standing, expected: Decision) -> None:
    assert decide(RULE, obs(breached), standing, NOW) == expected


def test_without_auto_resolve_a_cleared_condition_leaves_the_alert_open() -> None:
    rule = RULE.model_copy(update={"auto_resolve": False})
    assert decide(rule, obs(False), Standing(ago(900), None, True), NOW) == Decision("none", None)

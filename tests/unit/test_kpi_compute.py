"""KPI arithmetic, buckets and the reading of survey answers and repeat contacts: pure functions, table-driven."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from service.events.model import Event, EventType
from service.kpis.buckets import Bucket, bucket_starts
from service.kpis.compute import Target, kpis_of, met, pareto_items, targets_of, values_of
from service.kpis.repository import Parts, Scope
from service.kpis.service import RULE_FAILURES, CauseSource, UnknownCauseSource, pareto
from service.outcomes.service import bands, repeated_contacts
from service.standards.schema import OutcomeStandard
from tests.factories import default_standard, standard


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.mark.parametrize(
    ("start", "end", "bucket", "zone", "expected"),
    [
        # whole days; the range is widened to whole buckets
        ("2026-11-24T09:00Z", "2026-11-25T01:00Z", Bucket.DAY, "UTC", ["2026-11-24", "2026-11-25", "2026-11-26"]),
        ("2026-11-24T00:00Z", "2026-11-25T00:00Z", Bucket.DAY, "UTC", ["2026-11-24", "2026-11-25"]),
        # weeks begin on Monday: Sunday 29 November belongs to the week of Monday 23
        ("2026-11-29T23:59Z", "2026-11-30T00:01Z", Bucket.WEEK, "UTC", ["2026-11-23", "2026-11-30", "2026-12-07"]),
        # months, across a year end
        ("2026-12-31T12:00Z", "2027-01-01T12:00Z", Bucket.MONTH, "UTC", ["2026-12-01", "2027-01-01", "2027-02-01"]),
        # in Shanghai (UTC+8), 2026-11-24T20:00Z is already the 25th
        ("2026-11-24T20:00Z", "2026-11-24T21:00Z", Bucket.DAY, "Asia/Shanghai", ["2026-11-25", "2026-11-26"]),
        # in Honolulu (UTC-10), 2026-11-24T05:00Z is still the 23rd
        ("2026-11-24T05:00Z", "2026-11-24T06:00Z", Bucket.DAY, "Pacific/Honolulu", ["2026-11-23", "2026-11-24"]),
        # New York springs forward on 8 March 2026 and falls back on 1 November: midnights at -05:00 and -04:00
        (
            "2026-03-08T04:59Z",
            "2026-03-09T04:00Z",
            Bucket.DAY,
            "America/New_York",
            ["2026-03-07", "2026-03-08", "2026-03-09"],
        ),
        (
            "2026-10-31T04:00Z",
            "2026-11-02T04:59Z",
            Bucket.DAY,
            "America/New_York",
            ["2026-10-31", "2026-11-01", "2026-11-02"],
        ),
        ("2026-11-01T03:59Z", "2026-11-01T04:00Z", Bucket.MONTH, "America/New_York", ["2026-10-01", "2026-11-01"]),
    ],
)
def test_bucket_starts(start: str, end: str, bucket: Bucket, zone: str, expected: list[str]) -> None:
    starts = bucket_starts(_utc(start), _utc(end), bucket, zone)
    assert [s.date().isoformat() for s in starts] == expected
    assert all(str(s.tzinfo) == zone and (s.hour, s.minute) == (0, 0) for s in starts)


def _hours(starts: list[datetime]) -> float:
    """The first bucket's length: in UTC, since Python subtracts two times of one zone on the wall clock."""
    return (starts[1].astimezone(UTC) - starts[0].astimezone(UTC)) / timedelta(hours=1)


def test_a_day_across_a_daylight_saving_change_is_23_or_25_hours() -> None:
    spring = bucket_starts(_utc("2026-03-08T12:00Z"), _utc("2026-03-08T13:00Z"), Bucket.DAY, "America/New_York")
    autumn = bucket_starts(_utc("2026-11-01T12:00Z"), _utc("2026-11-01T13:00Z"), Bucket.DAY, "America/New_York")
    assert [s.astimezone(UTC).isoformat() for s in spring] == ["2026-03-08T05:00:00+00:00", "2026-03-09T04:00:00+00:00"]
    assert _hours(spring) == 23 and _hours(autumn) == 25
    shanghai = bucket_starts(_utc("2026-03-08T12:00Z"), _utc("2026-03-08T13:00Z"), Bucket.DAY, "Asia/Shanghai")
    assert _hours(shanghai) == 24  # no daylight saving in China


@pytest.mark.parametrize("name", ["Mars/Olympus", "+08:00", "UTC+8", "../etc/passwd", "", "Asia/Shanghai' --"])
def test_an_unknown_zone_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="is not an IANA time zone"):
        bucket_starts(_utc("2026-03-08T12:00Z"), _utc("2026-03-08T13:00Z"), Bucket.DAY, name)


def test_values_and_targets_met() -> None:
    parts = Parts(
        offered=10, within_limit=8, abandoned=1, answered=9, answer_wait_sum=180, checks_passed=49, checks_failed=1,
        scored=4, quality_sum=300, tickets_judged=20, tickets_overdue=2, csat_answers=5, csat_satisfied=4,
        nps_answers=10, nps_promoters=5, nps_detractors=2, contacts_judged=4, contacts_repeated=1,
    )  # fmt: skip
    kpis = kpis_of(parts, targets_of(default_standard()))
    got = {name: (k["value"], k["count"], k["met"]) for name, k in kpis.items()}
    assert got == {
        "service_level": (0.8, 10, True),  # 0.8 target: met at exactly the target
        "average_speed_of_answer": (20.0, 9, True),  # at most 20 s
        "abandonment_rate": (0.1, 10, True),  # at most 10 %
        "compliance_rate": (0.98, 50, True),
        "quality_score": (75.0, 4, False),  # pass mark 80
        "csat": (0.8, 5, True),
        "nps": (30.0, 10, True),  # 50 % promoters - 20 % detractors
        "first_contact_resolution": (0.75, 4, True),
        "overdue_ticket_ratio": (0.1, 20, False),  # at most 5 %
    }


def test_no_data_is_no_value_and_not_judged() -> None:
    assert all(v == (None, 0) for v in values_of(Parts()).values())
    assert met(None, Target(0.8, "at_least", "x")) is None


def test_targets_come_from_the_standard() -> None:
    site = standard(kpi_targets={"csat": 0.9, "abandonment_rate": 0.05}, quality={"compliance_target": 0.95})
    targets = targets_of(site)
    assert (targets["csat"].value, targets["abandonment_rate"].value, targets["compliance_rate"].value) == (
        0.9,
        0.05,
        0.95,
    )
    assert targets["abandonment_rate"].direction == "at_most"


def test_pareto_sorts_by_count_with_cumulative_share() -> None:
    items = pareto_items({"closing": 2, "greeting": 5, "empathy": 2, "no_forbidden_phrases": 1})
    assert [(i["cause"], i["count"], i["share"], i["cumulative_share"]) for i in items] == [
        ("greeting", 5, 0.5, 0.5),
        ("closing", 2, 0.2, 0.7),  # ties by name
        ("empathy", 2, 0.2, 0.9),
        ("no_forbidden_phrases", 1, 0.1, 1.0),
    ]
    assert pareto_items({}) == []


def _survey(**answers: int) -> Event:
    return Event("e", EventType.SURVEY_ANSWERED, datetime(2026, 11, 24, tzinfo=UTC), "i", payload=answers)


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"csat": 4}, [("csat", 4, "satisfied")]),
        ({"csat": 3}, [("csat", 3, "not_satisfied")]),
        ({"nps": 9}, [("nps", 9, "promoter")]),
        ({"nps": 7}, [("nps", 7, "passive")]),
        ({"csat": 1, "nps": 6}, [("csat", 1, "not_satisfied"), ("nps", 6, "detractor")]),
    ],
)
def test_survey_bands_follow_the_standard(answers: dict[str, int], expected: list[tuple[str, int, str]]) -> None:
    assert bands(_survey(**answers), OutcomeStandard()) == expected


def test_a_stricter_standard_reads_the_same_answer_differently() -> None:
    strict = OutcomeStandard(csat_satisfied_at_least=5, nps_promoter_at_least=10, nps_detractor_at_most=7)
    assert bands(_survey(csat=4, nps=7), strict) == [("csat", 4, "not_satisfied"), ("nps", 7, "detractor")]


def test_nps_bands_must_not_overlap() -> None:
    with pytest.raises(ValueError, match="nps_detractor_at_most"):
        OutcomeStandard(nps_promoter_at_least=6, nps_detractor_at_most=6)


def test_repeats_are_the_later_contacts_within_the_window() -> None:
    def contact(event_id: str, customer: str, gap: float | None) -> SimpleNamespace:
        return SimpleNamespace(event_id=event_id, customer_id=customer, reason="billing", next_contact_gap_seconds=gap)

    day = 86400.0
    contacts = [
        contact("a1", "ann", 2 * day),  # ann comes back after 2 days: a2 repeats a1
        contact("a2", "ann", 9 * day),  # and after 9 more: outside the 7-day window, a3 is a new first contact
        contact("a3", "ann", None),
        contact("b1", "bob", None),  # another customer: never a repeat of ann's
    ]
    assert repeated_contacts(contacts, 7 * day) == {"a2"}  # type: ignore[arg-type]
    assert repeated_contacts(contacts, 10 * day) == {"a2", "a3"}  # type: ignore[arg-type]


def test_a_cause_source_serves_the_pareto_per_bucket_with_its_labels() -> None:
    """The seam review cases plug their root causes into: a source gives (bucket, cause, count) rows and names."""

    def root_causes(_session: Any, scope: Scope, bucket: Bucket | None, _offset: int) -> list[tuple[str, str, int]]:
        assert bucket is Bucket.WEEK and scope.team_id == "blue"
        return [("2026-11-23", "process", 3), ("2026-11-23", "people", 1), ("2026-11-30", "system", 2)]

    def labels(_standard: Any) -> dict[str, dict[str, str]]:
        return {"system": {"en": "System", "zh": "系统"}}

    sources = {"rules": RULE_FAILURES, "test_root_causes": CauseSource(root_causes, labels)}
    scope = Scope(_utc("2026-11-24T00:00Z"), _utc("2026-12-01T00:00Z"), team_id="blue")
    out = pareto(None, None, sources, "test_root_causes", scope, Bucket.WEEK, "UTC")  # type: ignore[arg-type]
    first, second = out["periods"]
    assert (first["bucket"], first["total"], [i["cause"] for i in first["items"]]) == (
        "2026-11-23",
        4,
        ["process", "people"],
    )
    assert first["items"][0]["labels"] is None  # a cause the taxonomy does not name
    assert second["items"] == [
        {"cause": "system", "labels": {"en": "System", "zh": "系统"}, "count": 2, "share": 1.0, "cumulative_share": 1.0}
    ]
    with pytest.raises(UnknownCauseSource, match="known: rules, test_root_causes"):
        pareto(None, None, sources, "astrology", scope, None, "UTC")  # type: ignore[arg-type]

"""Every source adapter on mutated vendor records (wrong types, huge and deep values, NUL and lone surrogates,
missing keys): the only error that leaves an adapter is its documented MappingError, which POST
/v1/sources/<name> answers 4xx and the Kafka consumer dead-letters, each with the reason. What an adapter does
map validates without an exception too. Pure: no I/O beyond reading the samples.

The examples are derandomized, so a run is the same on every machine and every day; a regression found once is
pinned in the table below."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.events.decode import Limits, validate_items
from service.sources.base import MappingError, WireFormatError, json_body
from service.sources.registry import SOURCES, get_source
from tests.mutations import REGRESSIONS, mutated
from tests.vendor_samples import needs_data, records_by_source

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
LIMITS = Limits(max_text_chars=20_000, max_clock_skew=timedelta(minutes=5), max_batch_events=5000)

pytestmark = needs_data


def test_every_source_has_samples() -> None:
    assert set(records_by_source()) == set(SOURCES)


def mapped_or_refused(source: str, record: Any) -> None:
    """The property: a Mapped whose events validate (accepted or rejected with reasons), or a MappingError."""
    try:
        out = get_source(source).map(record, NOW)
    except MappingError as exc:
        assert str(exc), "a refusal says why"
        return
    validate_items(list(out.events), LIMITS, NOW)


@pytest.mark.parametrize(
    ("source", "index"), [(s, i) for s, records in records_by_source().items() for i in range(len(records))]
)
@settings(
    max_examples=50,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_mutated_records_are_mapped_or_refused_with_a_reason(source: str, index: int, data: st.DataObject) -> None:
    record = records_by_source()[source][index]
    mapped_or_refused(source, data.draw(mutated(record), label="record"))


@pytest.mark.parametrize(("source", "record", "reason"), REGRESSIONS)
def test_found_sites_are_refused_naming_the_field(source: str, record: dict[str, Any], reason: str) -> None:
    with pytest.raises(MappingError) as refused:
        get_source(source).map(record, NOW)
    assert reason in str(refused.value)


def test_json_callqa_cannot_read_is_a_body_error() -> None:
    with pytest.raises(WireFormatError, match="nested too deep"):
        json_body(b"[" * 5000 + b"]" * 5000)


def test_a_number_too_long_to_hold_is_refused_naming_its_field() -> None:
    # The shared decoder keeps the record and marks the number, so only the field that holds it is refused.
    (record,) = json_body(b'{"ContactId": ' + b"9" * 5000 + b"}")
    with pytest.raises(MappingError, match=r"ContactId must be an identifier.*5000 digits does not fit 64 bits"):
        get_source("connect-ctr").map(record, NOW)

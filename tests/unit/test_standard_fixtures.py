"""Fixture cases of a standards file (run by the standard itself, errors located at load) and the book of
versions in force by time."""

from datetime import UTC, datetime, timedelta

import pytest

from service.scoring.fixtures import run_fixtures
from service.standards.book import Activation, StandardBook
from service.standards.loader import StandardsError, parse_standard
from tests.factories import DEFAULT_STANDARD_FILE, default_standard, standard

DEFAULT_TEXT = DEFAULT_STANDARD_FILE.read_text(encoding="utf-8")


def test_the_default_fixtures_pass_in_both_languages() -> None:
    std = default_standard()
    report = run_fixtures(std)
    assert report.passed and (report.cases, report.checks) == (8, 20)
    said = " ".join(t.text for case in std.fixtures for t in case.turns)
    assert "Is there anything else" in said and "还有其他问题吗" in said
    assert {o for case in std.fixtures for o in case.expect.values()} == {"pass", "fail"}


def test_a_changed_rule_fails_the_case_that_pins_it() -> None:
    lax = parse_standard(DEFAULT_TEXT.replace("shut up, not my problem, ", "shut up, ")).standard
    report = run_fixtures(lax)
    assert [(f.case, f.item, f.expected, f.got) for f in report.failures] == [
        ("English forbidden phrase", "no_forbidden_phrases", "fail", "pass")
    ]
    assert report.failures[0].line().startswith("English forbidden phrase: no_forbidden_phrases is pass, expected")


def test_a_case_can_pin_a_non_script_item() -> None:
    slow = DEFAULT_TEXT.replace(
        "  - name: English call with no offer and no closing\n",
        "  - name: English call with no offer and no closing\n    answer_after_seconds: 40\n",
    ).replace("expect: {greeting: pass, offer_further_help: fail, closing: fail}", "expect: {answer_time: fail}")
    assert run_fixtures(parse_standard(slow).standard).passed


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("expect: {empathy_when_upset: pass}\n  - name: English forbidden",
         "expect: {empathy: pass}\n  - name: English forbidden",
         "fixtures.2.expect: case 'English customer upset, agent apologises' expects 'empathy', which this "
         "standard does not score"),
        ("- name: English forbidden phrase", "- name: English call done right", "fixtures.3.name: case name"),
        ("expect: {empathy_when_upset: pass}\n  - name: English forbidden",
         "expect: {empathy_when_upset: passed}\n  - name: English forbidden",
         "Input should be 'pass', 'fail' or 'not_applicable'"),
        ("      - agent: That's not my problem.", "      - {agent: That's not my problem., customer: hi}",
         "a turn is either {agent: text} or {customer: text}"),
    ],
)  # fmt: skip
def test_fixture_errors_name_line_and_reason(old: str, new: str, reason: str) -> None:
    assert old in DEFAULT_TEXT
    with pytest.raises(StandardsError) as caught:
        parse_standard(DEFAULT_TEXT.replace(old, new), "std.yaml")
    message = str(caught.value)
    line = int(message.split(":")[1])
    assert line > DEFAULT_TEXT[: DEFAULT_TEXT.index("\nfixtures:")].count("\n"), message  # within the fixtures
    assert reason in message


T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)


def test_the_book_judges_by_the_version_in_force_when_an_interaction_starts() -> None:
    v1, v2 = default_standard(), standard(version="v2")
    book = StandardBook(v1)
    assert book.in_force_at(T0) is v1  # no activation yet: the process's own file
    book.update([Activation(v1.version, T0), Activation("v2", T0 + timedelta(hours=1))], {"v2": v2})
    assert book.in_force_at(T0 - timedelta(days=1)) is v1  # before the first activation: the first version
    assert book.in_force_at(T0 + timedelta(minutes=59)) is v1
    assert book.in_force_at(T0 + timedelta(hours=1)) is v2
    # activated again at the same moment: the later activation wins
    book.update([*book.timeline, Activation(v1.version, T0 + timedelta(hours=1))], {})
    assert book.in_force_at(T0 + timedelta(hours=2)) is v1
    assert book.version("v2") is v2 and book.known() == {v1.version, "v2"}
    with pytest.raises(ValueError, match="not given: v3"):
        book.update([Activation("v3", T0)], {})

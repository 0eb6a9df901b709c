"""first_contact_resolved: a repeat within the window breaks it, a quiet window proves it, an open one waits."""

from datetime import UTC, datetime, timedelta

from service.outcomes.service import first_contact_resolved

AT = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
WEEK = 7 * 86400.0


def test_a_repeat_within_the_window_is_not_resolved() -> None:
    assert first_contact_resolved(AT, 3600, WEEK, AT + timedelta(hours=2)) is False
    assert first_contact_resolved(AT, WEEK, WEEK, AT + timedelta(days=30)) is False  # the window's edge counts


def test_a_window_passed_without_a_repeat_is_resolved() -> None:
    assert first_contact_resolved(AT, None, WEEK, AT + timedelta(days=7)) is True
    assert first_contact_resolved(AT, WEEK + 1, WEEK, AT + timedelta(days=8)) is True  # came back, but later


def test_an_open_window_is_not_judged_yet() -> None:
    assert first_contact_resolved(AT, None, WEEK, AT + timedelta(days=6)) is None

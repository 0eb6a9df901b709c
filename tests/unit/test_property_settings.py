"""The property tests run without hypothesis' per-example deadline (tests/conftest.py): a test never fails
because the machine is slow."""

from hypothesis import settings


def test_the_suite_profile_has_no_deadline() -> None:
    assert settings.default.deadline is None


def test_settings_a_test_gives_itself_keep_no_deadline() -> None:
    assert settings(max_examples=5).deadline is None

"""The README's settings table is the Settings class, row for row."""

from pathlib import Path

from scripts.settings_table import settings_table

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_documents_every_setting() -> None:
    table = settings_table()
    assert table in README.read_text(), (
        "README settings table is stale: run `.venv/bin/python scripts/settings_table.py`"
    )


def test_every_default_is_shown_as_a_value() -> None:
    assert "PydanticUndefined" not in settings_table(), "a default from a factory is shown as its value"

"""Start-up refuses, with the fix in the message: unmigrated database, bad standards file, changed version."""

from pathlib import Path

import pytest

from service.app import create_app
from service.config import DEFAULT_STANDARDS_FILE, Settings
from service.standards.loader import StandardsError


def test_unmigrated_database_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="run `callqa migrate`"):
        create_app(Settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}"))


def test_bad_standards_file_names_line_and_reason(database_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text('version: "x1"\nquality:\n  pass_mark: 120\n')
    with pytest.raises(StandardsError, match=r"bad.yaml:3: quality.pass_mark"):
        create_app(Settings(database_url=database_url, standards_file=bad))


def test_changed_content_under_the_same_version_is_refused(database_url: str, tmp_path: Path) -> None:
    create_app(Settings(database_url=database_url), sweep=False)
    edited = tmp_path / "edited.yaml"
    edited.write_text(DEFAULT_STANDARDS_FILE.read_text().replace("pass_mark: 80", "pass_mark: 70"))
    with pytest.raises(StandardsError, match="Give the changed file a new `version`"):
        create_app(Settings(database_url=database_url, standards_file=edited))

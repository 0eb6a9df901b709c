"""The lock files `make run`, `make test` and the image install from hold every dependency pyproject.toml names:
a dependency added without `make lock` fails here, not on a user's fresh machine."""

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~ ;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _locked(lock: str) -> set[str]:
    text = (ROOT / lock).read_text()
    return {m.lower().replace("_", "-") for m in re.findall(r"^([A-Za-z0-9_.\-]+)==", text, flags=re.M)}


@pytest.mark.parametrize(
    ("lock", "requirements"),
    [
        ("requirements.lock", PROJECT["dependencies"]),
        ("requirements-dev.lock", PROJECT["dependencies"] + PROJECT["optional-dependencies"]["dev"]),
    ],
)
def test_lock_file_holds_every_dependency(lock: str, requirements: list[str]) -> None:
    missing = {_name(r) for r in requirements} - _locked(lock)
    assert not missing, f"{lock} lacks {sorted(missing)}: run `make lock`"

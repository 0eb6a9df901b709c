"""Schema-driven fuzzing: schemathesis generates requests from the live server's /openapi.json and checks every
answer against that same document: no 5xx, every status code and body as documented, the declared content type.

It runs with an admin key and without a key (then every /v1 operation must answer its documented 401), valid
and invalid requests (schemathesis' positive and negative modes), a bounded number of examples per operation,
derandomized: the same requests every run, so a failure found once is found again."""

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from service.config import Settings
from tests.conftest import LiveServer

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]
# An open event stream answers for as long as it is read (up to the server's stream limit): not fuzzed here,
# tests/alerts/test_stream.py drives it.
ENDLESS = {"GET /v1/alerts/stream"}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[LiveServer]:
    path = tmp_path_factory.mktemp("fuzz") / "callqa.db"
    shutil.copy(sqlite_template, path)
    secrets = {"zendesk_signing_secret": "fuzz", "twilio_auth_token": "fuzz"}
    server = LiveServer(Settings(database_url=f"sqlite:///{path}", **secrets), sweep=False)
    yield server
    server.stop()


def fuzz(live: LiveServer, headers: dict[str, str], examples: int) -> list[str]:
    """Every operation in both modes; returns one report per distinct failure (operation and check)."""
    schema = schemathesis.openapi.from_url(f"{live.url}/openapi.json")
    found: dict[tuple[str, str], str] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.label in ENDLESS:
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _run(operation, mode, live.url, headers, examples, found)
            except Unsatisfiable:  # nothing invalid to send (no parameters, no body)
                continue
    return sorted(found.values())


def _run(
    operation: Any, mode: GenerationMode, url: str, headers: dict[str, str], examples: int, found: dict[Any, str]
) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    def run(case: schemathesis.Case) -> None:
        try:
            case.call_and_validate(base_url=url, headers=headers, checks=CHECKS, timeout=30)
        except (Exception, FailureGroup) as exc:  # collected, not raised: one report of all operations' failures
            key = (operation.label, str(exc).split("\n", 1)[0])
            found.setdefault(key, f"{operation.label} [{mode.value}]: {_first_lines(exc)}")

    run()


def _first_lines(exc: Any, n: int = 30) -> str:
    return "\n    ".join(str(exc).splitlines()[:n])


def test_with_an_admin_key_every_answer_is_as_documented(live: LiveServer) -> None:
    failures = fuzz(live, live.auth(live.admin_key), examples=6)  # per operation and mode
    assert not failures, "\n".join(failures)


def test_without_a_key_every_answer_is_as_documented(live: LiveServer) -> None:
    failures = fuzz(live, {}, examples=3)  # each /v1 answer is the same 401
    assert not failures, "\n".join(failures)

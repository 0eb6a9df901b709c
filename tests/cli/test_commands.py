"""The `callqa` command and the README's walk-through, as a user runs them: real processes, real HTTP."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
CALLQA = str(Path(sys.executable).parent / "callqa")


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CALLQA, *args], capture_output=True, text=True, env={**os.environ, **(env or {})})


def test_standards_validate_good_and_bad(tmp_path: Path) -> None:
    ok = run("standards", "validate", str(ROOT / "service/standards/default.yaml"))
    assert ok.returncode == 0 and "valid standard '2026.11-default'" in ok.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: v2\nscript_rules:\n  - id: greeting\n    description: hi\n    requirement: sometimes\n")
    out = run("standards", "validate", str(bad))
    assert out.returncode == 1
    assert f"{bad}:5: script_rules.0.requirement" in out.stderr
    missing = run("standards", "validate", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 1 and "cannot read" in missing.stderr


def test_serve_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    out = run("serve", env={"CALLQA_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "CALLQA_PORT": "1"})
    assert out.returncode == 1 and "run `callqa migrate`" in out.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """`callqa migrate` then `callqa serve` on the embedded SQLite default, as `make run` does."""
    env = {"CALLQA_DATABASE_URL": f"sqlite:///{tmp_path / 'callqa.db'}", "CALLQA_PORT": str(_free_port())}
    assert run("migrate", env=env).returncode == 0
    proc = subprocess.Popen(
        [CALLQA, "serve"], env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{env['CALLQA_PORT']}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{url}/healthz").status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            raise AssertionError(proc.stdout.read().decode() if proc.stdout else "callqa serve did not start")
        time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(timeout=20)


def test_readme_walkthrough(served: str) -> None:
    out = subprocess.run(
        ["bash", str(ROOT / "scripts/walkthrough.sh"), served], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert '"accepted":2,"duplicate":0,"rejected":1' in text
    assert '"status":"duplicate"' in text
    assert "passed False | standard 2026.11-default" in text
    assert 'fail  no_forbidden_phrases   forbidden phrase said 2 time(s)  <- "Calm down"' in text
    assert "[critical] forbidden_phrase" in text and "[warning] answer_wait_exceeded" in text
    assert '"subject":"agent","id":"ann"' in text

"""The `callqa` command and the README's walk-through, as a user runs them: real processes, real HTTP."""

import os
import re
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
    assert ok.returncode == 0 and "valid standard '2026.12.2-default'" in ok.stdout
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


def test_serve_names_the_setting_when_its_port_is_taken(tmp_path: Path) -> None:
    env = {"CALLQA_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    assert run("migrate", env=env).returncode == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        out = run("serve", "--port", port, env=env)
    assert out.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in out.stderr and "--port or CALLQA_PORT" in out.stderr


def test_serve_help_lists_options_and_settings() -> None:
    out = run("serve", "--help")
    assert out.returncode == 0 and "--host HOST" in out.stdout and "--port PORT" in out.stdout
    assert "CALLQA_DATABASE_URL" in out.stdout and "CALLQA_WEBHOOK_URLS" in out.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[dict[str, str]]:
    """`callqa migrate` then `callqa serve` on the embedded SQLite default, as `make run` does."""
    env = {"CALLQA_DATABASE_URL": f"sqlite:///{tmp_path / 'callqa.db'}", "CALLQA_PORT": str(_free_port())}
    # A key revoked with the CLI (another process) stops at once only with no key cache; with one it stops
    # within CALLQA_KEY_CACHE_SECONDS (tests/api/test_group_commit.py)
    env["CALLQA_KEY_CACHE_SECONDS"] = "0"
    assert run("migrate", env=env).returncode == 0
    key = run("keys", "ensure-admin", "--file", str(tmp_path / "key"), env=env)
    assert key.returncode == 0 and key.stdout.startswith("cqa_")
    again = run("keys", "ensure-admin", "--file", str(tmp_path / "key"), env=env)
    assert again.stdout == key.stdout, "make run prints the same working key every time"
    env["CALLQA_API_KEY"] = key.stdout.strip()
    proc = subprocess.Popen(  # --port as uvicorn users pass it; CALLQA_PORT is set too, for the scripts
        [CALLQA, "serve", "--port", env["CALLQA_PORT"]],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{env['CALLQA_PORT']}"
    deadline = time.monotonic() + 120  # a cold start on a loaded 2-core machine
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
    yield {"url": url, **env}
    proc.terminate()
    proc.wait(timeout=20)


# What differs from run to run, and nothing else: the call ids (demo-<unix time>, rv-<unix time>-...), times, alert
# and event row ids.
_VARYING = [
    (re.compile(r"demo-\d+"), "demo-<call>"),
    (re.compile(r"rv-\d+"), "rv-<run>"),
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?"), "<time>"),
    (re.compile(r"\d{4}-\d{2}-\d{2}"), "<date>"),
    (re.compile(r'"id":\d+'), '"id":<n>'),
]


def _normalised(text: str) -> list[str]:
    for pattern, placeholder in _VARYING:
        text = pattern.sub(placeholder, text)
    return text.strip().splitlines()


def readme_sample(marker: str) -> str:
    """The block after the README's `<!-- {marker} -->`."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split(f"<!-- {marker} -->", 1)[1]
    return block.split("```", 2)[1].removeprefix("text\n")


@pytest.mark.parametrize(
    ("script", "marker"),
    [
        # the main job: a live call scored as it happens, its evidence, alerts and scorecard
        ("walkthrough.sh", "walkthrough output"),
        # issue 13's loop in one run: breach -> review case -> root cause and action -> verified -> dispute
        # overturned -> calibration with kappa -> survey moves CSAT, repeat contact breaks FCR -> KPI tree and
        # Pareto -> fixtures tested, a failing version refused, a new version activated while a call keeps its own
        ("quality-loop-walkthrough.sh", "quality loop walkthrough output"),
    ],
)
def test_readme_walkthrough(served: dict[str, str], tmp_path: Path, script: str, marker: str) -> None:
    """The README's walk-through run as a user copies it: the script, with curl and the CLI, against a real
    `callqa serve` on SQLite; its output is the README's block, word for word but for ids and times."""
    out = subprocess.run(
        ["bash", str(ROOT / "scripts" / script), served["url"]],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "CALLQA_API_KEY": served["CALLQA_API_KEY"], "CALLQA": CALLQA},
    )
    assert out.returncode == 0, out.stderr
    (tmp_path / "walkthrough.txt").write_text(out.stdout)  # to paste into the README when the output changes
    assert _normalised(out.stdout) == _normalised(readme_sample(marker)), tmp_path / "walkthrough.txt"


def test_keys_cli_and_scopes(served: dict[str, str]) -> None:
    env = {k: v for k, v in served.items() if k.startswith("CALLQA_")}
    created = run("keys", "create", "--name", "pbx", "--scope", "ingest", env=env)
    assert created.returncode == 0
    ingest_key = created.stdout.strip().splitlines()[-1]
    as_pbx = {"Authorization": f"Bearer {ingest_key}"}
    event = {"event_id": "k-1", "type": "call.offered", "occurred_at": "2026-11-24T09:00:00Z", "interaction_id": "k"}
    assert httpx.post(f"{served['url']}/v1/events", json=event, headers=as_pbx).status_code == 202
    forbidden = httpx.get(f"{served['url']}/v1/alerts", headers=as_pbx)
    assert forbidden.status_code == 403 and "needs 'supervise'" in forbidden.json()["detail"]
    assert httpx.get(f"{served['url']}/v1/alerts").status_code == 401
    listed = run("keys", "list", env=env).stdout
    assert "pbx" in listed and "ingest" in listed and ingest_key not in listed
    prefix = ingest_key.split("_")[1]
    assert run("keys", "revoke", prefix, env=env).returncode == 0
    revoked = httpx.post(f"{served['url']}/v1/events", json=event, headers=as_pbx)
    assert revoked.status_code == 401 and "revoked" in revoked.json()["detail"]
    bad = run("keys", "create", "--name", "x", "--scope", "root", env=env)
    assert bad.returncode == 2 and "invalid choice" in bad.stderr
    agent = run("keys", "create", "--name", "ann", "--scope", "agent", "--agent-id", "a-1", env=env)
    assert agent.returncode == 0, agent.stderr
    assert "agent (a-1)" in run("keys", "list", env=env).stdout
    as_agent = {"Authorization": f"Bearer {agent.stdout.strip().splitlines()[-1]}"}
    assert httpx.get(f"{served['url']}/v1/disputes", headers=as_agent).status_code == 200
    assert httpx.get(f"{served['url']}/v1/alerts", headers=as_agent).status_code == 403
    unbound = run("keys", "create", "--name", "y", "--scope", "agent", env=env)
    assert unbound.returncode != 0 and "agent_id" in unbound.stderr

"""`callqa replay` and `callqa backtest` as a user runs them: the real command on a real database (SQLite, and
PostgreSQL via `database_url`), history files written the way the sources write them."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text

from service.interactions.models import EventRecord, Interaction
from tests.api.wire import GOOD_CALL, RUDE_CALL, call
from tests.vendor_samples import FREESWITCH_CDR, ctr, needs_data, twilio_params

CALLQA = str(Path(sys.executable).parent / "callqa")
ROOT = Path(__file__).resolve().parents[2]


def run(database_url: str, *args: str, **env_vars: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CALLQA_DATABASE_URL": database_url, "CALLQA_LOG_LEVEL": "WARNING", **env_vars}
    return subprocess.run([CALLQA, *args], capture_output=True, text=True, env=env, timeout=120)


def jsonl(path: Path, records: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def query(database_url: str, stmt: Any) -> list[Any]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(stmt))
    finally:
        engine.dispose()


def interaction(database_url: str, interaction_id: str) -> Any:
    rows = query(database_url, select(Interaction).where(Interaction.id == interaction_id))
    assert rows, f"{interaction_id} was not stored"
    return rows[0]


def test_replay_canonical_history_scores_and_a_second_replay_only_finds_duplicates(
    database_url: str, tmp_path: Path
) -> None:
    history = jsonl(tmp_path / "events.jsonl", call("h-good", turns=GOOD_CALL) + call("h-rude", turns=RUDE_CALL))
    first = run(database_url, "replay", str(history))
    assert first.returncode == 0, first.stderr
    assert "events: 22 accepted, 0 duplicate, 0 rejected" in first.stdout
    assert "record/s]" in first.stderr  # the progress bar
    good, rude = interaction(database_url, "h-good"), interaction(database_url, "h-rude")
    assert (good.passed, rude.passed, rude.critical_failure) == (True, False, True)
    again = run(database_url, "replay", "--quiet", str(history))
    assert again.returncode == 0 and "events: 0 accepted, 22 duplicate, 0 rejected" in again.stdout
    assert query(database_url, select(func.count()).select_from(EventRecord))[0][0] == 22


def test_replay_reports_each_refused_event_and_exits_2(database_url: str, tmp_path: Path) -> None:
    events = call("h-mixed", turns=GOOD_CALL[:2])
    events[1] = {**events[1], "occurred_at": "2026-11-24T09:00:08"}  # no offset
    history = tmp_path / "events.jsonl"
    history.write_text("".join(json.dumps(e) + "\n" for e in events) + "[1, 2]\n")
    out = run(database_url, "replay", "--quiet", str(history))
    assert out.returncode == 2
    assert "h-mixed-1: occurred_at:" in out.stdout and "record 6: a canonical event must be a JSON object" in out.stdout
    assert interaction(database_url, "h-mixed").event_count == len(events) - 1


def test_a_line_that_is_not_json_is_one_refused_record_and_the_rest_are_stored(
    database_url: str, tmp_path: Path
) -> None:
    events = call("h-torn", turns=GOOD_CALL[:2])
    lines = [json.dumps(e) for e in events]
    lines.insert(2, '{"event_id": "h-torn-x", "type": "turn",')  # a line cut short, as a crashed writer leaves it
    history = tmp_path / "events.jsonl"
    history.write_text("\n".join(lines) + "\n")
    out = run(database_url, "replay", "--quiet", str(history))
    assert out.returncode == 2, out.stderr  # refused, like any bad record; was exit 1 with nothing stored
    assert "records: 5 mapped, 1 unreadable" in out.stdout
    assert f"refused: {history}: line 3: not valid JSON: Expecting property name" in out.stdout
    assert interaction(database_url, "h-torn").event_count == len(events)


def test_a_cdr_that_is_not_json_names_the_line(database_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "cdr.json"
    bad.write_text('{"variables": {"uuid": "x",}}\n')
    out = run(database_url, "replay", "--format", "freeswitch", "--quiet", str(bad))
    assert (
        out.returncode == 2
        and "line 1: not valid JSON: Expecting property name enclosed in double quotes (at line 1 column 28)"
        in out.stdout
    )


@needs_data
def test_a_twilio_line_that_is_not_a_form_body_is_refused_alone(database_url: str, tmp_path: Path) -> None:
    from urllib.parse import urlencode

    history = tmp_path / "twilio.txt"
    history.write_text("not a form body\n" + urlencode(twilio_params(CallSid="CA-t")) + "\n")
    out = run(database_url, "replay", "--format", "twilio", "--quiet", str(history))
    assert out.returncode == 2 and f"{history}: line 1:" in out.stdout
    assert "records: 1 mapped, 1 unreadable" in out.stdout


def test_contact_records_concatenated_as_firehose_writes_them_keep_the_newest(
    database_url: str, tmp_path: Path
) -> None:
    live = ctr("h-ctr", updated="2026-11-24T09:01:00Z", DisconnectTimestamp=None)
    done = ctr("h-ctr", updated="2026-11-24T09:05:00Z")
    stale = ctr("h-ctr", updated="2026-11-24T09:03:00Z", Agent={**done["Agent"], "ARN": "arn:.../agent/agent-bob"})
    history = tmp_path / "ctr"  # Firehose writes records back to back, no separator
    history.write_text("".join(json.dumps(r) for r in (live, done, stale)))
    out = run(database_url, "replay", "--format", "connect-ctr", "--quiet", str(history))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "records: 2 mapped, 1 stale" in out.stdout
    stored = interaction(database_url, "h-ctr")
    assert (stored.status, stored.agent_id, stored.event_count) == ("ended", "agent-ann", 3)


@needs_data
def test_replay_of_source_records(database_url: str, tmp_path: Path) -> None:
    cdr = run(database_url, "replay", "--format", "freeswitch", "--quiet", str(FREESWITCH_CDR))
    assert cdr.returncode == 0 and "events: 5 accepted" in cdr.stdout
    assert interaction(database_url, "5282f87c-368c-43a2-babd-bc63ff12dc79").answer_wait_seconds == 1.48
    callbacks = [
        twilio_params(CallSid="CA-h"),  # completed first: out of order, as Twilio may deliver
        twilio_params(
            CallSid="CA-h", CallStatus="ringing", SequenceNumber="1", Timestamp="Sun, 25 Mar 2018 09:52:24 +0000"
        ),
    ]
    from urllib.parse import urlencode

    history = tmp_path / "twilio.txt"
    history.write_text("".join(urlencode(p) + "\n" for p in callbacks))
    out = run(database_url, "replay", "--format", "twilio", "--quiet", str(history))
    assert out.returncode == 0 and "events: 3 accepted" in out.stdout
    twilio_call = interaction(database_url, "CA-h")
    assert (twilio_call.status, twilio_call.answer_wait_seconds) == ("ended", 6.0)
    rows = query(database_url, select(EventRecord.source).where(EventRecord.interaction_id == "CA-h"))
    assert {r.source for r in rows} == {"twilio"}


def test_paced_replay_keeps_the_gaps_between_records(database_url: str, tmp_path: Path) -> None:
    events = call("h-paced", answered=4, turns=[], ended=8)  # offered 0 s, answered 4 s, ended 8 s
    history = jsonl(tmp_path / "events.jsonl", events)
    started = time.monotonic()
    out = run(database_url, "replay", "--pace", "10", "--quiet", str(history))
    assert out.returncode == 0 and "events: 3 accepted" in out.stdout
    assert time.monotonic() - started >= 0.8  # 8 s of history at 10 times speed


def _counts(database_url: str) -> list[Any]:
    tables = ("events", "interactions", "alerts", "standard_versions", "source_versions")
    return [query(database_url, text(f"SELECT COUNT(*) FROM {t}"))[0][0] for t in tables] + [
        sorted((r.id, r.scored_at, r.quality_score) for r in query(database_url, select(Interaction)))
    ]


def test_backtest_reports_the_difference_and_writes_nothing(database_url: str, tmp_path: Path) -> None:
    slow = call("b-slow", answered=15, turns=GOOD_CALL, agent="ann", team="blue")  # answered after 15 s
    rude = call("b-rude", answered=5, turns=RUDE_CALL, agent="bob", team="blue")
    assert run(database_url, "replay", "--quiet", str(jsonl(tmp_path / "h.jsonl", slow + rude))).returncode == 0
    candidate = tmp_path / "candidate.yaml"
    default = (ROOT / "service/standards/default.yaml").read_text()
    candidate.write_text(
        default.replace('version: "2026.12.2-default"', 'version: "2026.12-strict"')
        .replace("answer_within_seconds: 20 ", "answer_within_seconds: 10 ")
        .replace("pass_mark: 80 ", "pass_mark: 90 ")
    )
    before = _counts(database_url)
    out = run(database_url, "backtest", "--standard", str(candidate), "--from", "2026-11-24", "--to", "2026-11-25")
    assert out.returncode == 0, out.stderr
    assert "judged by ('2026.12.2-default' (2)): 2 interactions started" in out.stdout
    assert "nothing written" in out.stdout
    rows = {line.split()[0]: line.split() for line in out.stdout.splitlines() if line.strip()}
    assert rows["answer_time"][1:5] == ["2/2", "100.0", "%", "50.0"]  # b-slow fails the 10 s limit
    assert rows["answer_wait_exceeded"][1:] == ["0", "1", "1", "0"]
    # ann's call answered after 15 s: 84.2 under the candidate, under its pass mark of 90
    assert rows["ann"][1:] == ["1", "100.0", "%", "0.0", "%", "-100.0", "100.0", "84.2"]
    assert rows["quality_below_pass_mark"][1:] == ["0", "1", "1", "0"]
    assert _counts(database_url) == before

    report = json.loads(
        run(
            database_url,
            "backtest",
            "--standard",
            str(candidate),
            "--from",
            "2026-11-24",
            "--to",
            "2026-11-25",
            "--json",
            CALLQA_STANDARDS_FILE=str(candidate),  # the shell's standard is not the baseline: the recorded one is
        ).stdout
    )
    assert report["baseline"] == {"2026.12.2-default": 2}
    assert report["rules"]["answer_time"] == {
        "in_force": {"pass_rate": 1.0, "judged": 2},
        "candidate": {"pass_rate": 0.5, "judged": 2},
    }
    assert report["teams"]["blue"]["interactions"] == 2 and report["candidate"] == "2026.12-strict"
    outside = run(
        database_url, "backtest", "--standard", str(candidate), "--from", "2026-11-25", "--to", "2026-11-26", "--json"
    )
    assert json.loads(outside.stdout)["interactions"] == 0


def test_backtest_shows_progress_on_a_terminal_and_not_with_quiet(database_url: str, tmp_path: Path) -> None:
    import fcntl
    import pty
    import struct
    import termios

    history = jsonl(tmp_path / "h.jsonl", call("b-bar", turns=GOOD_CALL))
    assert run(database_url, "replay", "--quiet", str(history)).returncode == 0
    args = ["backtest", "--standard", str(ROOT / "service/standards/default.yaml"), "--from", "2026-11-24"]
    args += ["--to", "2026-11-25"]
    for extra, shown in (([], True), (["--quiet"], False)):
        controller, terminal = pty.openpty()
        fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # tqdm fits its bar to it
        env = {**os.environ, "CALLQA_DATABASE_URL": database_url, "CALLQA_LOG_LEVEL": "WARNING"}
        proc = subprocess.run([CALLQA, *args, *extra], stdout=subprocess.PIPE, stderr=terminal, env=env, timeout=120)
        os.close(terminal)
        seen = b""
        try:
            while chunk := os.read(controller, 4096):
                seen += chunk
        except OSError:  # EIO: the terminal's other end is closed and everything was read
            pass
        os.close(controller)
        assert proc.returncode == 0 and proc.stdout.startswith(b"backtest of")
        assert ("1/1" in seen.decode() and "interaction/s" in seen.decode()) is shown, seen
    piped = run(database_url, *args)  # stderr is not a terminal: no bar in logs
    assert piped.returncode == 0 and piped.stderr == ""


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--from", "2026-11-24T09:00:00", "--to", "2026-11-25"], "has no UTC offset"),
        (["--from", "last week", "--to", "2026-11-25"], "is not a date or an RFC 3339 time"),
        (["--from", "2026-11-25", "--to", "2026-11-24"], "must be after --from"),  # was a quiet report of 0
    ],
)
def test_backtest_refuses_times_it_cannot_place(database_url: str, args: list[str], reason: str) -> None:
    out = run(database_url, "backtest", "--standard", str(ROOT / "service/standards/default.yaml"), *args)
    assert out.returncode == 2 and reason in out.stderr


def test_backtest_of_a_bad_standard_names_the_line(database_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: v2\nquality:\n  pass_mark: 180\n")
    out = run(database_url, "backtest", "--standard", str(bad), "--from", "2026-11-24", "--to", "2026-11-25")
    assert out.returncode == 1 and f"{bad}:3" in out.stderr


def test_backtest_into_a_closed_pipe_ends_quietly(database_url: str, tmp_path: Path) -> None:
    assert (
        run(
            database_url, "replay", "--quiet", str(jsonl(tmp_path / "h.jsonl", call("p-1", turns=GOOD_CALL)))
        ).returncode
        == 0
    )
    args = [
        "backtest",
        "--standard",
        str(ROOT / "service/standards/default.yaml"),
        "--from",
        "2026-11-24",
        "--to",
        "2026-11-25",
    ]
    env = {**os.environ, "CALLQA_DATABASE_URL": database_url}
    out = subprocess.run(f"{CALLQA} {' '.join(args)} | head -1", shell=True, capture_output=True, text=True, env=env)
    assert out.returncode == 0 and out.stdout.startswith("backtest of")
    assert "Broken pipe" not in out.stderr and "BrokenPipeError" not in out.stderr


def test_replay_stores_personal_data_redacted(database_url: str, tmp_path: Path) -> None:
    turns = [("agent", "您好，我是工号1234"), ("customer", "卡号四五三二零一五一一二八三零三六六，手机13812345678")]
    history = jsonl(tmp_path / "events.jsonl", call("h-pii", turns=turns))
    out = run(database_url, "replay", "--quiet", str(history))
    assert out.returncode == 0, out.stderr
    texts = [p.get("text") for (p,) in query(database_url, select(EventRecord.payload))]
    assert "卡号[card]，手机[phone]" in texts and "您好，我是工号1234" in texts  # a 4-digit agent number stays
    assert "13812345678" not in json.dumps(interaction(database_url, "h-pii").score, ensure_ascii=False)

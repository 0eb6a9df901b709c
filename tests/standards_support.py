"""Standards for tests: two versions for activation tests with a short call whose verdict differs between them,
and one whose deadlines pass at once."""

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from service.config import DEFAULT_STANDARDS_FILE

DEFAULT = DEFAULT_STANDARDS_FILE.read_text(encoding="utf-8")
V1 = next(line.split('"')[1] for line in DEFAULT.splitlines() if line.startswith("version:"))
V2 = "2026.12-strict"
# v2 forbids one more phrase: a call saying it fails under v2 and passes under v1.
STRICT = DEFAULT.replace(f'version: "{V1}"', f'version: "{V2}"').replace(
    "en: [shut up, not my problem,", "en: [no way, shut up, not my problem,"
)


def fast_deadlines_standard(folder: Path) -> Path:
    """The default standard as a version of its own whose deadlines (answer, first reply, self-identification)
    pass after 1 s, so a test clock moves past them at once."""
    data = yaml.safe_load(DEFAULT)
    data["version"] = "test-fast-deadlines"
    data["responsiveness"]["call"]["answer_within_seconds"] = 1
    data["responsiveness"]["ticket"]["first_reply_within_seconds"] = 1
    rule = next(r for r in data["script_rules"] if r["id"] == "self_identification")
    rule["window"]["seconds"] = 1
    path = folder / "fast.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


def ev(cid: str, n: int, kind: str, when: datetime, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    ids = {"agent_id": "a-1", "team_id": "t-1", "queue_id": "q-1"}
    return {"event_id": f"{cid}-{n}", "type": kind, "occurred_at": when.isoformat(), "interaction_id": cid,
            **ids, "payload": payload or {}}  # fmt: skip


def said(cid: str, n: int, start: datetime, seconds: float, speaker: str, text: str) -> dict[str, Any]:
    payload = {"speaker": speaker, "text": text, "offset_ms": int(seconds * 1000)}
    return ev(cid, n, "call.utterance", start + timedelta(seconds=seconds), payload)


def opening(cid: str, start: datetime) -> list[dict[str, Any]]:
    return [
        ev(cid, 0, "call.offered", start),
        ev(cid, 1, "call.answered", start + timedelta(seconds=3)),
        said(cid, 2, start, 4, "agent", "Hello, thank you for calling, my name is Ann."),
    ]


def ending(cid: str, start: datetime, after: float = 0) -> list[dict[str, Any]]:
    """The rest of the call, `after` seconds later than it would follow its opening."""
    return [
        said(cid, 3, start, after + 10, "customer", "Can you waive the fee?"),
        said(cid, 4, start, after + 15, "agent", "No way, sorry. Is there anything else I can help you with?"),
        said(cid, 5, start, after + 20, "agent", "Thank you for calling, have a nice day."),
        ev(cid, 6, "call.ended", start + timedelta(seconds=after + 25)),
    ]


# v3 scores one more item (the agent asks whether the issue is resolved) and passes at 30, not 80: a review or a
# dispute of an interaction v1 judged must still use v1's items and pass mark.
V3 = "2026.12-resolution"
RESOLUTION_RULE = """  - id: confirm_resolution
    description: Ask whether the issue is resolved.
    requirement: required
    window: {kind: anywhere}
    weight: 10
    phrases:
      en: [is your issue resolved]
      zh: [问题解决了吗]

"""
RESOLUTION = (
    DEFAULT.replace(f'version: "{V1}"', f'version: "{V3}"')
    .replace("  pass_mark: 80 ", "  pass_mark: 30 ")
    .replace("  - id: no_forbidden_phrases\n", RESOLUTION_RULE + "  - id: no_forbidden_phrases\n")
)

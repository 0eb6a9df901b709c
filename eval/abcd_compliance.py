"""Compliance on real customer-service chats: the ABCD agents' guidelines (eval/abcd_standard.yaml, written from
../shared/data/abcd/guidelines.json) judging the three ABCD sample chats, through callqa's pipeline.

Each chat becomes canonical events (the agent answers at the start, one turn every 5 s, in the chat's order;
"action" turns are button results, not speech, and are left out) and is replayed into a scratch database
scored by the ABCD standard. The table is callqa's verdict per chat and rule with its evidence; `flow` says
whether the chat's own flow in the guidelines asks for that step (the account and purchase checks belong to
some flows only, which a standard cannot express).

    .venv/bin/python eval/abcd_compliance.py
"""

import json
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from common import DATA, require, scratch_callqa

STANDARD = Path(__file__).with_name("abcd_standard.yaml")
T0 = datetime(2021, 4, 8, 9, 0, tzinfo=UTC)
# The sample's subflow names -> the guidelines' names (the dataset's own labels for the same subflows).
SUBFLOWS = {"return_size": "Return Due to Size", "refund_status": "Refund Status", "timing": "Timing FAQ"}
# Which guideline button asks for what each rule checks.
STEP_OF_RULE = {
    "ask_name_or_account_id": "Pull up Account",
    "ask_username": "Validate Purchase",
    "ask_email": "Validate Purchase",
    "ask_order_id": "Validate Purchase",
}


def events_of(chat: dict[str, Any]) -> list[dict[str, Any]]:
    cid = f"abcd-{chat['convo_id']}"

    def event(n: int, type_: str, seconds: float, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        at = (T0 + timedelta(seconds=seconds)).isoformat()
        return {
            "event_id": f"{cid}-{n}",
            "type": type_,
            "occurred_at": at,
            "interaction_id": cid,
            "payload": payload or {},
        }

    out = [event(0, "call.answered", 0)]
    spoken = [(speaker, text) for speaker, text in chat["original"] if speaker in ("agent", "customer")]
    for n, (speaker, text) in enumerate(spoken, start=1):
        out.append(event(n, "call.utterance", 5 * n, {"speaker": speaker, "text": text, "offset_ms": 5000 * n}))
    out.append(event(len(spoken) + 1, "call.ended", 5 * len(spoken) + 5))
    return out


def flow_steps(guidelines: dict[str, Any], scenario: dict[str, Any]) -> tuple[str, set[str]]:
    flow = scenario["flow"].replace("_", " ").title().replace("-", " ")
    subflow = SUBFLOWS.get(re.sub(r"_\d+$", "", scenario["subflow"]), scenario["subflow"])
    entry: dict[str, Any] = next((v for k, v in guidelines.items() if k.lower() == flow.lower()), {})
    actions = entry.get("subflows", {}).get(subflow, {}).get("actions", [])
    return f"{flow} > {subflow}", {a["button"] for a in actions}


def evidence(item: dict[str, Any]) -> str:
    found = [e for e in item.get("evidence", []) if e.get("matched_text")]
    if found:
        e = found[0]
        return f'"{e["matched_text"]}" in turn {e["offset_ms"] // 5000}'
    return item["detail"]


def main() -> int:
    chats = json.loads(require(DATA / "abcd" / "abcd_sample.json").read_text())
    guidelines = json.loads(require(DATA / "abcd" / "guidelines.json").read_text())
    with scratch_callqa(STANDARD) as callqa:
        stats = callqa.replay("canonical", [e for chat in chats for e in events_of(chat)])
        stored = {chat["convo_id"]: callqa.stored(f"abcd-{chat['convo_id']}")[0] for chat in chats}
    print(f"standard {callqa.runtime.standard.standard.version}; replayed: {stats.lines()[1]}")
    for chat in chats:
        row = stored[chat["convo_id"]]
        name, steps = flow_steps(guidelines, chat["scenario"])
        print(f"\nchat {chat['convo_id']} ({name}): quality {row.quality_score}, passed {row.passed}")
        print(f"  {'rule':<24}{'result':<16}{'flow':<6}evidence")
        for item in row.score["items"]:
            if item["status"] == "not_applicable" and item["category"] != "compliance":
                continue
            step = STEP_OF_RULE.get(item["id"])
            flow = "-" if step is None else ("asks" if step in steps else "no")
            print(f"  {item['id']:<24}{item['status']:<16}{flow:<6}{evidence(item)}")
    return 0 if stats.refused == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

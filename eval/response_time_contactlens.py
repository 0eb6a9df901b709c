"""Response times on Amazon Connect's Contact Lens chat sample, against Contact Lens's own figures in that file.

The post-contact analysis file is replayed through callqa's pipeline (the connect-contact-lens-postcall adapter,
validation, storage, scoring) into a scratch database; the figures are then read back from what callqa stored:
the greeting time from the `greeting` rule's evidence, the agent's response times from the stored timeline.

Definitions (callqa's): greeting time = the agent's first message, from the agent joining (callqa's answer).
An agent response = an agent message that follows a customer message, timed from that customer message;
consecutive agent messages after the first are not responses. Same for the customer, the other way round.

    .venv/bin/python eval/response_time_contactlens.py
"""

import json
import sys
from itertools import pairwise

from common import DATA, require, scratch_callqa

from service.scoring.timeline import Turn, build_timeline

SAMPLE = DATA / "payloads" / "amazon_connect_docs" / "extracted_contactlens_postcall_chat_original.json"


def responses(turns: tuple[Turn, ...], speaker: str) -> list[tuple[float, str]]:
    """(milliseconds, turn event id) of each `speaker` turn that answers the other party's turn."""
    return [
        ((t.at - prev.at).total_seconds() * 1000, t.event_id)
        for prev, t in pairwise(turns)
        if t.speaker == speaker and prev.speaker != speaker
    ]


def main() -> int:
    doc = json.loads(require(SAMPLE).read_text())
    lens = doc["ConversationCharacteristics"]["ResponseTime"]
    agent_lens = lens["DetailsByParticipantRole"]["AGENT"]
    contact = doc["CustomerMetadata"]["ContactId"]
    with scratch_callqa() as callqa:
        stats = callqa.replay("connect-contact-lens-postcall", [doc])
        row, events = callqa.stored(contact)
    timeline = build_timeline(events)
    greeting = next(i for i in row.score["items"] if i["id"] == "greeting")
    agent = responses(timeline.turns, "agent")
    longest = max(agent)
    mean = sum(ms for ms, _ in agent) / len(agent)
    print(f"replayed: {', '.join(stats.lines()[:2])}; stored {row.event_count} events of contact {contact}")
    print(f"{'figure':<34}{'Contact Lens':>14}{'callqa':>10}  note")
    rows = [
        (
            "agent greeting time (ms)",
            lens["AgentGreetingTimeMillis"],
            greeting["evidence"][0]["offset_ms"],
            "greeting rule evidence",
        ),
        (
            "agent maximum response (ms)",
            agent_lens["Maximum"]["ValueMillis"],
            round(longest[0]),
            longest[1].rsplit(":", 1)[-1][:8],
        ),
        (
            "agent average response (ms)",
            agent_lens["Average"]["ValueMillis"],
            round(mean),
            f"mean of {len(agent)} responses",
        ),
    ]
    for name, theirs, ours, note in rows:
        print(f"{name:<34}{theirs:>14}{ours:>10}  {note}")
    same_max_item = agent_lens["Maximum"]["TranscriptItems"][0]["Id"] in longest[1]
    print(f"maximum on the same transcript item as Contact Lens: {same_max_item}")
    missing = [
        i["Id"]
        for role in lens["DetailsByParticipantRole"].values()
        for i in role["Maximum"]["TranscriptItems"]
        if i["Id"] not in {t["Id"] for t in doc["Transcript"]}
    ]
    if missing:
        print(f"Contact Lens figures name transcript items absent from the file's transcript: {', '.join(missing)}")
    ok = rows[0][1] == rows[0][2] and rows[1][1] == rows[1][2] and same_max_item
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

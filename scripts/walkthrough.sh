#!/usr/bin/env bash
# The README's curl walk-through as one script: a live call with a rude agent, scored as it happens. What follows
# an alert (review, disputes, calibration, outcomes, KPIs, standards changed at run time): quality-loop-walkthrough.sh.
# Usage: scripts/walkthrough.sh [BASE_URL]   (default http://127.0.0.1:8000, a running `make run`)
# The API key: $CALLQA_API_KEY, else the admin key `make run` saved in .callqa-admin-key.
set -euo pipefail
BASE=${1:-http://127.0.0.1:8000}
KEY=${CALLQA_API_KEY:-$(cat "$(dirname "$0")/../.callqa-admin-key" 2>/dev/null || true)}
[ -n "$KEY" ] || { echo "no API key: run 'make run' first (it saves one) or set CALLQA_API_KEY" >&2; exit 1; }
AUTH="Authorization: Bearer $KEY"
# One reading of the clock: two `date` calls a second boundary apart would make the answer wait 30 s, not 31.
EPOCH=$(date -u +%s)
NOW=$(date -u -d "@$EPOCH" +%Y-%m-%dT%H:%M:%S+00:00)
OFFERED=$(date -u -d "@$((EPOCH - 31))" +%Y-%m-%dT%H:%M:%S+00:00)
CALL="demo-$EPOCH"
post() { curl -sS -X POST "$BASE/v1/events" -H "$AUTH" -H 'content-type: application/json' -d "$1"; echo; }

echo "# 1. The call enters the queue and is answered 31 s later (the standard says 20 s);"
echo "#    a third event with an impossible date is rejected with the reason, the other two are kept"
post '{"events": [
 {"event_id": "'$CALL'-1", "type": "call.offered", "occurred_at": "'$OFFERED'", "interaction_id": "'$CALL'",
  "queue_id": "billing", "team_id": "blue"},
 {"event_id": "'$CALL'-2", "type": "call.answered", "occurred_at": "'$NOW'", "interaction_id": "'$CALL'",
  "agent_id": "ann", "payload": {}},
 {"event_id": "'$CALL'-0", "type": "call.offered", "occurred_at": "2026-13-01T00:00:00Z", "interaction_id": "'$CALL'"}
]}'

echo "# 2. The conversation, utterance by utterance (offset_ms = time since answer)"
post '{"event_id": "'$CALL'-3", "type": "call.utterance", "occurred_at": "'$NOW'", "interaction_id": "'$CALL'",
 "payload": {"speaker": "agent", "text": "Hello, thank you for calling. My name is Ann.", "offset_ms": 1200}}'
post '{"event_id": "'$CALL'-4", "type": "call.utterance", "occurred_at": "'$NOW'", "interaction_id": "'$CALL'",
 "payload": {"speaker": "customer", "text": "My bill is wrong AGAIN. This is ridiculous, I am furious!", "offset_ms": 6000}}'
post '{"event_id": "'$CALL'-5", "type": "call.utterance", "occurred_at": "'$NOW'", "interaction_id": "'$CALL'",
 "payload": {"speaker": "agent", "text": "Calm down, that is not my problem.", "offset_ms": 11000}}'

echo "# 3. The same event again is answered as a duplicate and stored once"
post '{"event_id": "'$CALL'-5", "type": "call.utterance", "occurred_at": "'$NOW'", "interaction_id": "'$CALL'",
 "payload": {"speaker": "agent", "text": "Calm down, that is not my problem.", "offset_ms": 11000}}'

echo "# 4. The call ends"
post '{"event_id": "'$CALL'-6", "type": "call.ended", "occurred_at": "'$NOW'", "interaction_id": "'$CALL'"}'

echo "# 5. The score, every rule with its evidence, and the standard version that judged it"
curl -sS -H "$AUTH" "$BASE/v1/interactions/$CALL" | python3 -c "$(cat <<'PY'
import json, sys
d = json.load(sys.stdin)
print("interaction", d["id"], "| status", d["status"], "| quality score", d["quality_score"],
      "| passed", d["passed"], "| standard", d["standard_version"])
for i in d["score"]["items"]:
    ev = next((e for e in i.get("evidence", []) if e.get("matched_text")), None)
    said = f'  <- "{ev["matched_text"]}" at {ev["offset_ms"]} ms ({ev["event_id"]})' if ev else ""
    print(f'  {i["status"]:>14}  {i["id"]:<22} {i["detail"]}{said}')
print("alerts:")
for a in d["alerts"]:
    print(f'  [{a["severity"]}] {a["rule"]}: {a["message"]}')
PY
)"

echo "# 6. The agent's scorecard for today"
curl -sS -H "$AUTH" "$BASE/v1/agents/ann/scorecard"; echo

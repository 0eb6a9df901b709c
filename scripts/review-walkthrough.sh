#!/usr/bin/env bash
# The README's review-loop walk-through as one script: a breach opens a review case, the reviewer records the root
# cause and plans a corrective action that callqa then checks, the agent disputes an item and a supervisor
# overturns it, and two reviewers calibrate (kappa printed).
# Usage: scripts/review-walkthrough.sh [BASE_URL]   (default http://127.0.0.1:8000, a running `make run`)
# The API key: $CALLQA_API_KEY (admin), else the admin key `make run` saved in .callqa-admin-key.
set -euo pipefail
BASE=${1:-http://127.0.0.1:8000}
KEY=${CALLQA_API_KEY:-$(cat "$(dirname "$0")/../.callqa-admin-key" 2>/dev/null || true)}
[ -n "$KEY" ] || { echo "no API key: run 'make run' first (it saves one) or set CALLQA_API_KEY" >&2; exit 1; }
EPOCH=$(date -u +%s)
RUN="rv-$EPOCH"                      # this run's agent and calls: earlier runs never fall into its windows
at() { date -u -d "@$((EPOCH + $1))" +%Y-%m-%dT%H:%M:%S+00:00; }
# api KEY METHOD PATH [BODY]: the answer's body (and its status line when it is not 2xx)
api() {
  local key=$1 method=$2 path=$3 body=${4:-}
  local args=(-sS -X "$method" "$BASE$path" -H "Authorization: Bearer $key" -w '\n%{http_code}')
  [ -z "$body" ] || args+=(-H 'content-type: application/json' -d "$body")
  local out code
  out=$(curl "${args[@]}")
  code=${out##*$'\n'}
  out=${out%$'\n'*}
  case $code in 2*) printf '%s\n' "$out" ;; *) printf 'HTTP %s %s\n' "$code" "$out" ;; esac
}
# show EXPR: print a Python expression over the JSON answer `d` on stdin
show() { python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"; }
# wait_for PATH EXPR: poll until EXPR over the answer is true (the background sweep runs every few seconds)
wait_for() {
  for _ in $(seq 1 120); do
    if api "$KEY" GET "$1" | python3 -c "import json, sys; d = json.load(sys.stdin); sys.exit(0 if ($2) else 1)"
    then return 0; fi
    sleep 0.5
  done
  echo "gave up waiting for $1" >&2; exit 1
}
# call ID SECONDS_AGO TURN...: a whole call by this run's agent, turns alternating agent / customer
call() {
  local id=$1 start=$(( -$2 )) n=0 speaker=agent events=""
  shift 2
  events='{"event_id": "'$id'-0", "type": "call.offered", "occurred_at": "'$(at $start)'", "interaction_id": "'$id'",
    "queue_id": "billing", "team_id": "blue"},
   {"event_id": "'$id'-1", "type": "call.answered", "occurred_at": "'$(at $((start + 8)))'", "interaction_id": "'$id'",
    "agent_id": "'$RUN'", "queue_id": "billing", "team_id": "blue"}'
  for text in "$@"; do
    n=$((n + 1))
    events+=', {"event_id": "'$id-u$n'", "type": "call.utterance", "occurred_at": "'$(at $((start + 8 + n * 5)))'",
      "interaction_id": "'$id'", "payload": {"speaker": "'$speaker'", "text": "'$text'", "offset_ms": '$((n * 5000))'}}'
    [ "$speaker" = agent ] && speaker=customer || speaker=agent
  done
  events+=', {"event_id": "'$id'-9", "type": "call.ended", "occurred_at": "'$(at $((start + 300)))'", "interaction_id": "'$id'"}'
  api "$KEY" POST /v1/events '{"events": ['"$events"']}' | show '"accepted", d["accepted"], "events; alerts:", len(d["alerts"])'
}
key() { api "$KEY" POST /v1/keys "$1" | show 'd["key"]'; }

SUP=$(key '{"name": "supervisor-sue", "scopes": ["supervise"]}')
LEE=$(key '{"name": "reviewer-lee", "scopes": ["supervise"]}')
KIM=$(key '{"name": "reviewer-kim", "scopes": ["supervise"]}')
AGENT=$(key '{"name": "agent '$RUN'", "scopes": ["agent"], "agent_id": "'$RUN'"}')

echo "# 1. A call 2.5 h ago: the agent is rude. Its alerts open one review case (the sweep), due in 24 h"
call "$RUN-rude" 9000 "yeah what do you want" "My bill is wrong again, this is ridiculous and I am very angry." \
  "Calm down, that is not my problem." "Unbelievable. Terrible service, I hate this." "ok bye" \
  "This is the worst service ever, I am furious."
wait_for "/v1/reviews?agent_id=$RUN" 'len(d["items"]) == 1'
CASE=$(api "$SUP" GET "/v1/reviews?agent_id=$RUN" | show 'd["items"][0]["id"]')
api "$SUP" GET "/v1/reviews/$CASE" | show '"case", d["subject_kind"], d["subject_id"], "|", d["status"], "| due",
  (__import__("datetime").datetime.fromisoformat(d["due_at"]) - __import__("datetime").datetime.fromisoformat(d["opened_at"])),
  "after opening | linked:", sorted(__import__("collections").Counter(l["kind"] for l in d["links"]).items())'

echo "# 2. A step out of order is refused"
api "$SUP" POST "/v1/reviews/$CASE/status" '{"status": "verified"}'

echo "# 3. The reviewer investigates: root cause from the standard's taxonomy, the 5 Whys"
api "$SUP" POST "/v1/reviews/$CASE/status" '{"status": "investigating"}' | show 'd["status"]'
api "$SUP" PATCH "/v1/reviews/$CASE" '{"root_cause": "luck"}'
api "$SUP" PATCH "/v1/reviews/$CASE" '{"assignee": "sue", "root_cause": "people", "five_whys": ["The agent was rude",
  "The agent was stressed", "The queue was overloaded", "The rota was short", "No cover was planned"]}' \
  | show '"root cause:", d["root_cause"], "| whys:", len(d["five_whys"]), "| assignee:", d["assignee"]'

echo "# 4. A corrective action (coaching, 2 h ago, checked over 1 h); a good call 1.5 h ago; the sweep verifies it"
call "$RUN-good" 5400 "Hello, thank you for calling Acme. My name is Ann, how can I help?" \
  "Hi, my internet has been down for two days and I am really frustrated and angry." \
  "I am so sorry about that, I understand how frustrating that is. Let me check your line." "Sure." \
  "Thanks for waiting. I reset the line and it should work now." "It works now, thank you so much, that is great!" \
  "Wonderful. Is there anything else I can help you with today?" "No, that is all." \
  "Thank you for calling, have a great day!"
api "$SUP" POST "/v1/reviews/$CASE/actions" '{"description": "De-escalation coaching", "owner": "team lead blue",
  "due_at": "'$(at 86400)'", "metric": "compliance_rate", "subject_kind": "agent", "subject_id": "'$RUN'",
  "starts_at": "'$(at -7200)'", "window_seconds": 3600}' | show '"action", d["metric"], "target", d["target"], "|", d["status"]'
wait_for "/v1/reviews/$CASE" 'd["actions"][0]["status"] == "verified"'
api "$SUP" GET "/v1/reviews/$CASE" | show '"worked" if d["actions"][0]["worked"] else "did not work", "| verdict:", d["actions"][0]["verdict"]'

echo "# 5. The case moves on to closed; every change is in its history"
for s in action_planned verified closed; do
  api "$SUP" POST "/v1/reviews/$CASE/status" '{"status": "'$s'"}' | show 'd["status"]'
done
api "$SUP" GET "/v1/reviews/$CASE" | show '"\n".join("  %-15s %s x%d" % (who, change, len(list(run))) for (who, change), run
  in __import__("itertools").groupby((h["actor"], h["change"]) for h in d["history"]))'

echo "# 6. The agent disputes a failed item of their call; a supervisor overturns it"
ITEM=$(api "$SUP" GET "/v1/interactions/$RUN-rude/review" \
  | show 'next(i["id"] for i in d["automated"]["items"] if i["status"] == "fail")')
DISPUTE=$(api "$AGENT" POST /v1/disputes '{"interaction_id": "'$RUN-rude'", "item_id": "'$ITEM'",
  "reason": "I did greet the customer"}' | show 'd["id"]')
api "$AGENT" GET /v1/alerts
api "$SUP" POST "/v1/disputes/$DISPUTE/decision" '{"decision": "overturn", "note": "greeting heard on the recording"}' \
  | show '"dispute", d["item_id"], d["status"], "by", d["decided_by"]'
api "$AGENT" GET "/v1/interactions/$RUN-rude/review" | show '"automated", d["automated"]["quality_score"],
  "| reviewed", d["reviewed"]["quality_score"], "|", [(i["id"], i["automated"], i["reviewed"], i["source"])
  for i in d["reviewed"]["items"] if i["source"] != "automated"]'

echo "# 7. Two reviewers score both calls blind; the calibration report"
PANEL=$(api "$SUP" POST /v1/calibrations '{"name": "'$RUN'", "interaction_ids": ["'$RUN-rude'", "'$RUN-good'"],
  "reviewers": ["reviewer-lee", "reviewer-kim"]}' | show 'd["id"]')
for iid in "$RUN-rude" "$RUN-good"; do
  for who in LEE KIM; do
    flip=$([ $who = KIM ] && echo 1 || echo -1)  # kim judges the first item the other way
    items=$(api "$SUP" GET "/v1/interactions/$iid/review" | show 'json.dumps([{"item_id": i["id"],
      "status": ({"pass": "fail", "fail": "pass"}.get(i["status"], "pass") if n == '$flip' else
      (i["status"] if i["status"] in ("pass", "fail") else "not_applicable"))} for n, i in enumerate(d["automated"]["items"])])')
    api "${!who}" POST "/v1/calibrations/$PANEL/reviews" '{"interaction_id": "'$iid'", "items": '"$items"'}' >/dev/null
  done
done
api "$SUP" GET "/v1/calibrations/$PANEL/report" | show '"percent agreement", d["overall"]["percent_agreement"],
  "| Cohen kappa", str(d["overall"]["kappa"]) + "\n" + "\n".join("  %s: deviation from panel %s, from callqa %s"
  % (r["reviewer"], r["deviation_from_panel"], r["deviation_from_automated"]) for r in d["reviewers"])'

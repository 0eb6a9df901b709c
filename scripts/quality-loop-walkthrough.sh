#!/usr/bin/env bash
# The README's quality-loop walk-through (issue 13) as one script, against a running server, with curl and the CLI:
# a breach opens a review case, the reviewer records the root cause and plans a corrective action that callqa then
# verifies, the agent disputes an item and a supervisor overturns it, two reviewers calibrate blind (kappa printed),
# a survey answer moves CSAT and a repeat contact breaks first-contact resolution, the KPI tree and the Pareto view
# show it, and the standard changes without a restart: fixtures tested, a failing version refused, a live call
# keeping its version.
# Usage: scripts/quality-loop-walkthrough.sh [BASE_URL]   (default http://127.0.0.1:8000, a running `make run`)
# The API key: $CALLQA_API_KEY (admin), else the admin key `make run` saved in .callqa-admin-key.
# Every time is relative to now and every id carries this run's: it prints the same on any day, on any database.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
BASE=${1:-http://127.0.0.1:8000}
KEY=${CALLQA_API_KEY:-$(cat "$HERE/.callqa-admin-key" 2>/dev/null || true)}
[ -n "$KEY" ] || { echo "no API key: run 'make run' first (it saves one) or set CALLQA_API_KEY" >&2; exit 1; }
CALLQA=${CALLQA:-$HERE/.venv/bin/callqa}
EPOCH=$(date -u +%s)
export RUN="rv-$EPOCH" TEAM="rv-$EPOCH-blue"  # this run's agent, team, calls and customers
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
show() { python3 -c "import json, os, sys; d = json.load(sys.stdin); print($1)"; }
# wait_for PATH EXPR: poll until EXPR over the answer is true (the background sweep runs every few seconds)
wait_for() {
  for _ in $(seq 1 120); do
    if api "$KEY" GET "$1" | python3 -c "import json, sys; d = json.load(sys.stdin); sys.exit(0 if ($2) else 1)"
    then return 0; fi
    sleep 0.5
  done
  echo "gave up waiting for $1" >&2; exit 1
}
events() { api "$KEY" POST /v1/events '{"events": ['"$1"']}'; }
# call ID SECONDS_AGO TURN...: a whole call by this run's agent, turns alternating agent / customer
call() {
  local id=$1 start=$(( -$2 )) n=0 speaker=agent evs=""
  shift 2
  evs='{"event_id": "'$id'-0", "type": "call.offered", "occurred_at": "'$(at $start)'", "interaction_id": "'$id'",
    "queue_id": "billing", "team_id": "'$TEAM'"},
   {"event_id": "'$id'-1", "type": "call.answered", "occurred_at": "'$(at $((start + 8)))'", "interaction_id": "'$id'",
    "agent_id": "'$RUN'", "queue_id": "billing", "team_id": "'$TEAM'"}'
  for text in "$@"; do
    n=$((n + 1))
    evs+=', {"event_id": "'$id-u$n'", "type": "call.utterance", "occurred_at": "'$(at $((start + 8 + n * 5)))'",
      "interaction_id": "'$id'", "payload": {"speaker": "'$speaker'", "text": "'$text'", "offset_ms": '$((n * 5000))'}}'
    [ "$speaker" = agent ] && speaker=customer || speaker=agent
  done
  evs+=', {"event_id": "'$id'-9", "type": "call.ended", "occurred_at": "'$(at $((start + 300)))'", "interaction_id": "'$id'"}'
  events "$evs" | show '"accepted", d["accepted"], "events; alerts:", len(d["alerts"])'
}
GOOD=("Hello, thank you for calling Acme. My name is Ann, how can I help?"
  "Hi, my internet has been down for two days and I am really frustrated and angry."
  "I am so sorry about that, I understand how frustrating that is. Let me check your line." "Sure."
  "Thanks for waiting. I reset the line and it should work now." "It works now, thank you so much, that is great!"
  "Wonderful. Is there anything else I can help you with today?" "No, that is all."
  "Thank you for calling, have a great day!")
# survey ID SECONDS_AGO CSAT / contact ID SECONDS_AGO CUSTOMER: a survey answer, a contact reason (billing)
survey() {
  events '{"event_id": "'$1'-csat", "type": "survey.answered", "occurred_at": "'$(at $(( -$2 )))'",
    "interaction_id": "'$1'", "payload": {"csat": '$3'}}' | show '"survey of '$1', csat '$3':", d["results"][0]["status"]'
}
contact() {
  events '{"event_id": "'$1'-reason", "type": "contact.reason", "occurred_at": "'$(at $(( -$2 )))'",
    "interaction_id": "'$1'", "payload": {"customer_id": "'$3'", "reason": "billing"}}' \
    | show '"contact '$1' by '$3' about billing:", d["results"][0]["status"]'
}
key() { api "$KEY" POST /v1/keys "$1" | show 'd["key"]'; }
# outcomes: the agent's CSAT and first-contact resolution over the last 9 days, from the KPI tree
SPAN="from=$(at -777600 | sed 's/+/%2B/')&to=$(at 60 | sed 's/+/%2B/')"
AGENT_NODE='next(a for t in d["centre"]["children"] if t["id"] == os.environ["TEAM"] for a in t["children"]
  if a["id"] == os.environ["RUN"])["total"]'
outcomes() {
  api "$KEY" GET "/v1/kpis/tree?$SPAN&bucket=week" | show '"  " + " | ".join("%s %s (%s %d)" % (k, v["value"],
  "answers" if k == "csat" else "judged", v["count"]) for k, v in ('"$AGENT_NODE"').items()
  if k in ("csat", "first_contact_resolution"))'
}

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

echo "# 2. The reviewer investigates (a step out of order is refused): root cause from the standard's taxonomy, 5 Whys"
api "$SUP" POST "/v1/reviews/$CASE/status" '{"status": "verified"}'
api "$SUP" POST "/v1/reviews/$CASE/status" '{"status": "investigating"}' | show 'd["status"]'
api "$SUP" PATCH "/v1/reviews/$CASE" '{"root_cause": "luck"}'
api "$SUP" PATCH "/v1/reviews/$CASE" '{"assignee": "sue", "root_cause": "people", "five_whys": ["The agent was rude",
  "The agent was stressed", "The queue was overloaded", "The rota was short", "No cover was planned"]}' \
  | show '"root cause:", d["root_cause"], "| whys:", len(d["five_whys"]), "| assignee:", d["assignee"]'

echo "# 3. A corrective action (coaching, 2 h ago, checked over 1 h); a good call 1.5 h ago; the sweep verifies it;"
echo "#    the case moves on to closed, every change in its history"
call "$RUN-good" 5400 "${GOOD[@]}"
api "$SUP" POST "/v1/reviews/$CASE/actions" '{"description": "De-escalation coaching", "owner": "team lead blue",
  "due_at": "'$(at 86400)'", "metric": "compliance_rate", "subject_kind": "agent", "subject_id": "'$RUN'",
  "starts_at": "'$(at -7200)'", "window_seconds": 3600}' | show '"action", d["metric"], "target", d["target"], "|", d["status"]'
wait_for "/v1/reviews/$CASE" 'd["actions"][0]["status"] == "verified"'
api "$SUP" GET "/v1/reviews/$CASE" | show '"worked" if d["actions"][0]["worked"] else "did not work", "| verdict:", d["actions"][0]["verdict"]'
for s in action_planned verified closed; do
  api "$SUP" POST "/v1/reviews/$CASE/status" '{"status": "'$s'"}' | show 'd["status"]'
done
api "$SUP" GET "/v1/reviews/$CASE" | show '"\n".join("  %-15s %s x%d" % (who, change, len(list(run))) for (who, change), run
  in __import__("itertools").groupby((h["actor"], h["change"]) for h in d["history"]))'

echo "# 4. The agent (a key bound to them) disputes a failed item of their call; a supervisor overturns it:"
echo "#    the reviewed score changes, the automated one does not"
ITEM=$(api "$SUP" GET "/v1/interactions/$RUN-rude/review" \
  | show 'next(i["id"] for i in d["automated"]["items"] if i["status"] == "fail")')
DISPUTE=$(api "$AGENT" POST /v1/disputes '{"interaction_id": "'$RUN-rude'", "item_id": "'$ITEM'",
  "reason": "I did greet the customer"}' | show 'd["id"]')
api "$AGENT" GET /v1/alerts
api "$SUP" POST "/v1/disputes/$DISPUTE/decision" '{"decision": "overturn", "note": "greeting heard on the recording"}' \
  | show '"dispute", d["item_id"], d["status"], "by", d["decided_by"]'
api "$AGENT" GET "/v1/interactions/$RUN-rude/review" | show '"automated", d["automated"]["quality_score"],
  "| reviewed", d["reviewed"]["quality_score"], "|", [(i["id"], i["automated"], i["reviewed"], i["source"])
  for i in d["reviewed"]["items"] if i["source"] != "automated"], "| judged by", d["standard_version"]'

echo "# 5. Two reviewers score both calls blind; the calibration report"
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

echo "# 6. Customer outcomes. Eight days ago a customer called about billing once (resolved: no repeat in 7 days)"
echo "#    and rated it 5; then a survey answer of 1 on the rude call moves CSAT, and the rude call's customer"
echo "#    calling again about billing (the good call) breaks first-contact resolution"
call "$RUN-old" 691200 "${GOOD[@]}"
contact "$RUN-old" 690900 "$RUN-cust-a"
survey "$RUN-old" 690000 5
contact "$RUN-rude" 8700 "$RUN-cust-b"
outcomes
survey "$RUN-rude" 8000 1
outcomes
contact "$RUN-good" 5100 "$RUN-cust-b"
outcomes

echo "# 7. The KPI tree, centre -> team -> agent (the agent's last 9 days, each KPI against its target), and the"
echo "#    Pareto view of the team's failure causes: failed rules, and the root causes reviewers recorded"
api "$KEY" GET "/v1/kpis/tree?$SPAN&bucket=week" | show '"\n".join("  %-25s %-8s target %-6s %s" % (k, v["value"],
  v["target"], {True: "met", False: "NOT met", None: "no data"}[v["met"]]) for k, v in ('"$AGENT_NODE"').items())'
api "$KEY" GET "/v1/kpis/pareto?$SPAN&team_id=$TEAM" | show '"  rules: " + ", ".join("%s %d (cumulative %s)"
  % (i["cause"], i["count"], i["cumulative_share"]) for i in d["periods"][0]["items"][:4])'
api "$KEY" GET "/v1/kpis/pareto?$SPAN&team_id=$TEAM&causes=root_causes" | show '"  root causes: " + ", ".join(
  "%s %s/%s %d (share %s)" % (i["cause"], i["labels"]["en"], i["labels"]["zh"], i["count"], i["share"])
  for i in d["periods"][0]["items"])'

echo "# 8. The standard changes without a restart. A copy of the standard in force, stricter (\"no way\" is"
echo "#    forbidden): \`callqa standards test\` runs its fixture cases. A laxer copy (\"not my problem\" allowed)"
echo "#    fails them, and its activation is refused"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
BEFORE=$(api "$KEY" GET /v1/standards | show 'd["current"]["version"]')
api "$KEY" GET "/v1/standards/$BEFORE" > "$WORK/current.yaml"  # its YAML source
sed -e 's/^version: .*/version: "walkthrough-strict"/' -e 's/en: \[shut up, /en: [no way, shut up, /' \
  "$WORK/current.yaml" > "$WORK/strict.yaml"
sed -e 's/^version: .*/version: "walkthrough-lax"/' -e 's/en: \[shut up, not my problem, /en: [shut up, /' \
  "$WORK/current.yaml" > "$WORK/lax.yaml"
(cd "$WORK" && "$CALLQA" standards test strict.yaml && { "$CALLQA" standards test lax.yaml || echo "exit $?"; })
as_json() { python3 -c 'import json, sys; print(json.dumps({"standard": open(sys.argv[1], encoding="utf-8").read()}))' "$1"; }
activated() {
  show '"activated %s from %s by %s; %s fixture cases pass" % (d["version"], d["effective_at"], d["activated_by"],
  d["fixture_cases"]) if "version" in d else d'
}
api "$KEY" POST /v1/standards/activations "$(as_json "$WORK/lax.yaml")"
echo "# 9. A call is going on when an admin activates the stricter version; both calls then say \"no way\": the live"
echo "#    one keeps the version it started with, a new one gets the new version. Then back to the version before"
call_start() {  # $1: id, $2: time; the call is offered and answered
  events '{"event_id": "'$1'-1", "type": "call.offered", "occurred_at": "'$2'", "interaction_id": "'$1'",
    "queue_id": "billing", "team_id": "'$TEAM'"}, {"event_id": "'$1'-2", "type": "call.answered",
    "occurred_at": "'$2'", "interaction_id": "'$1'", "agent_id": "'$RUN'"}' >/dev/null
}
call_end() {  # $1: id, $2: time
  events '{"event_id": "'$1'-3", "type": "call.utterance", "occurred_at": "'$2'", "interaction_id": "'$1'",
    "payload": {"speaker": "agent", "text": "No way, sorry.", "offset_ms": 3000}},
    {"event_id": "'$1'-4", "type": "call.ended", "occurred_at": "'$2'", "interaction_id": "'$1'"}' >/dev/null
}
judged() {
  api "$KEY" GET "/v1/interactions/$1" | show '"%s | standard %s | no_forbidden_phrases %s" % (d["id"],
  d["standard_version"], next(i["status"] for i in d["score"]["items"] if i["id"] == "no_forbidden_phrases"))'
}
call_start "$RUN-live" "$(at 0)"
api "$KEY" POST /v1/standards/activations "$(as_json "$WORK/strict.yaml")" | activated
AFTER=$(api "$KEY" GET /v1/standards/activations | show 'd[-1]["effective_at"]')
call_end "$RUN-live" "$AFTER"
call_start "$RUN-new" "$AFTER"
call_end "$RUN-new" "$AFTER"
judged "$RUN-live"
judged "$RUN-new"
api "$KEY" POST /v1/standards/activations '{"version": "'$BEFORE'"}' | activated

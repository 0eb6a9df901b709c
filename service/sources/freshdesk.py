"""Freshdesk (legacy) webhooks: `{"freshdesk_webhook": {...}}` with the automation rule's placeholders.

`triggered_event` is Freshdesk's own notation, not JSON: `{ticket_action:created}`, `{status:{from:4,to:6}}`,
`{priority:{from:1,to:3}}`, `{note_type:public}`; it is parsed here. A ticket is `freshdesk-<ticket_id>`.
The webhook carries no time of its own and no event id: occurred_at is when callqa received it (add
`{{ticket.updated_at}}` as `ticket_updated_at` to the webhook to use Freshdesk's), and the event id is derived from
the ticket, the change and a digest of the body, so a re-delivered body is stored once.
"""

import json
import re
from datetime import datetime
from typing import Any

from service.sources.base import Fields, Ids, Mapped, MappingError, body_digest, event, ignored, shown

_TOKEN = re.compile(r"\s*([{}:,]|[^{}:,]+)")
_STATUSES = {2: "open", 3: "pending", 4: "resolved", 5: "closed", 6: "waiting on customer", 7: "waiting on third party"}
_RESOLVED = {4, 5}
_PRIORITY = {"URGENT": 1, "HIGH": 2, "MEDIUM": 3, "LOW": 4}
_MAX_DEPTH = 4  # Freshdesk nests two deep ({status:{from:4,to:6}})


def parse_triggered_event(text: str) -> dict[str, Any]:
    """`{status:{from:4,to:6}}` -> {"status": {"from": "4", "to": "6"}}: braces, colons and commas, unquoted."""
    tokens = [t.strip() for t in _TOKEN.findall(text)]
    pos = 0
    shown_text = shown(text)

    def value(depth: int = 0) -> Any:
        nonlocal pos
        if pos < len(tokens) and tokens[pos] == "{":
            if depth >= _MAX_DEPTH:
                raise MappingError(f"triggered_event is nested more than {_MAX_DEPTH} deep: {shown_text}")
            pos += 1
            out: dict[str, Any] = {}
            while pos < len(tokens) and tokens[pos] != "}":
                key = tokens[pos]
                if pos + 1 >= len(tokens) or tokens[pos + 1] != ":" or key in "{}:,":
                    raise MappingError(f"triggered_event is not {{key:value,...}}: {shown_text}")
                pos += 2
                out[key] = value(depth + 1)
                if pos < len(tokens) and tokens[pos] == ",":
                    pos += 1
            if pos >= len(tokens):
                raise MappingError(f"triggered_event has an unclosed brace: {shown_text}")
            pos += 1
            return out
        if pos >= len(tokens) or tokens[pos] in "{}:,":
            raise MappingError(f"triggered_event is missing a value: {shown_text}")
        pos += 1
        return tokens[pos - 1]

    parsed = value()
    if pos != len(tokens) or not isinstance(parsed, dict) or not parsed:
        raise MappingError(f"triggered_event is not {{key:value,...}}: {shown_text}")
    return parsed


def _code(value: Any, name: str) -> int:
    if not isinstance(value, str) or not value.isascii() or not value.isdigit() or len(value) > 3:
        raise MappingError(f"triggered_event {name} is not a status number: {shown(value)}")
    return int(value)


def map_record(record: Any, received_at: datetime) -> Mapped:
    hook = Fields(record, what='a Freshdesk webhook body ({"freshdesk_webhook": {...}})').obj(
        "freshdesk_webhook", required=True
    )
    ticket_id = hook.ident("ticket_id", required=True)
    ticket = f"freshdesk-{ticket_id}"
    trigger = parse_triggered_event(hook.text("triggered_event", required=True))
    at = hook.time("ticket_updated_at") or received_at
    digest = body_digest(json.dumps(hook.value, sort_keys=True))
    agent = hook.ident("ticket_agent_email") or hook.ident("ticket_agent_name")
    ids: Ids = {"agent_id": agent, "team_id": hook.ident("ticket_group_name")}
    if trigger.get("ticket_action") == "created":
        payload = {
            "priority": _PRIORITY.get((hook.text("ticket_priority") or "").upper()),
            "channel": hook.ident("ticket_source"),
            "subject": hook.text("ticket_subject"),
        }
        return Mapped((event(f"freshdesk:{ticket_id}:created", "ticket.created", at, ticket, payload, **ids),))
    status = trigger.get("status")
    if isinstance(status, dict):
        to = _code(status.get("to"), "status.to")
        name = (hook.text("ticket_status") or _STATUSES.get(to, str(to))).lower()
        eid = f"freshdesk:{ticket_id}:status:{status.get('from')}-{to}:{digest}"
        events = [event(eid, "ticket.status_changed", at, ticket, {"status": name}, **ids)]
        if to in _RESOLVED:
            events.append(event(f"freshdesk:{ticket_id}:resolved", "ticket.resolved", at, ticket, **ids))
        return Mapped(tuple(events))
    text = hook.text("ticket_latest_public_comment")
    if trigger.get("note_type") == "public" and text:
        payload = {"author": "agent", "text": text}
        return Mapped((event(f"freshdesk:{ticket_id}:note:{digest}", "ticket.replied", at, ticket, payload, **ids),))
    return ignored(f"triggered_event {json.dumps(trigger)[:200]} changes nothing callqa scores")

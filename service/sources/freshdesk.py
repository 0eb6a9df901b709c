"""Freshdesk (legacy) webhooks: `{"freshdesk_webhook": {...}}` with the automation rule's placeholders.

`triggered_event` is Freshdesk's own notation, not JSON: `{ticket_action:created}`, `{status:{from:4,to:6}}`,
`{priority:{from:1,to:3}}`, `{note_type:public}`; it is parsed here. A ticket is `freshdesk-<ticket_id>`.
The webhook carries no time of its own and no event id: occurred_at is when callqa received it (add
`{{ticket.updated_at}}` as `ticket_updated_at` to the webhook to use Freshdesk's), and the event id is derived from
the ticket, the change and a digest of the body, so a re-delivered body is stored once.
"""

import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from service.sources.base import Mapped, MappingError, body_digest, event, ignored, parse_time, require

_TOKEN = re.compile(r"\s*([{}:,]|[^{}:,]+)")
_STATUSES = {2: "open", 3: "pending", 4: "resolved", 5: "closed", 6: "waiting on customer", 7: "waiting on third party"}
_RESOLVED = {4, 5}
_PRIORITY = {"URGENT": 1, "HIGH": 2, "MEDIUM": 3, "LOW": 4}


def parse_triggered_event(text: str) -> dict[str, Any]:
    """`{status:{from:4,to:6}}` -> {"status": {"from": "4", "to": "6"}}: braces, colons and commas, unquoted."""
    tokens = [t.strip() for t in _TOKEN.findall(text)]
    pos = 0

    def value() -> Any:
        nonlocal pos
        if pos < len(tokens) and tokens[pos] == "{":
            pos += 1
            out: dict[str, Any] = {}
            while pos < len(tokens) and tokens[pos] != "}":
                key = tokens[pos]
                if pos + 1 >= len(tokens) or tokens[pos + 1] != ":" or key in "{}:,":
                    raise MappingError(f"triggered_event is not {{key:value,...}}: {text!r}")
                pos += 2
                out[key] = value()
                if pos < len(tokens) and tokens[pos] == ",":
                    pos += 1
            if pos >= len(tokens):
                raise MappingError(f"triggered_event has an unclosed brace: {text!r}")
            pos += 1
            return out
        if pos >= len(tokens) or tokens[pos] in "{}:,":
            raise MappingError(f"triggered_event is missing a value: {text!r}")
        pos += 1
        return tokens[pos - 1]

    parsed = value()
    if pos != len(tokens) or not isinstance(parsed, dict) or not parsed:
        raise MappingError(f"triggered_event is not {{key:value,...}}: {text!r}")
    return parsed


def _code(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise MappingError(f"triggered_event {name} is not a status number: {value!r}") from None


def map_record(record: Any, received_at: datetime) -> Mapped:
    hook = require(record, "freshdesk_webhook") if isinstance(record, Mapping) else None
    if not isinstance(hook, dict):
        raise MappingError('a Freshdesk webhook body is {"freshdesk_webhook": {...}}')
    ticket_id = require(hook, "ticket_id")
    ticket = f"freshdesk-{ticket_id}"
    trigger = parse_triggered_event(str(require(hook, "triggered_event")))
    updated = hook.get("ticket_updated_at")
    at = parse_time(updated, "ticket_updated_at") if updated else received_at
    digest = body_digest(json.dumps(hook, sort_keys=True))
    agent = hook.get("ticket_agent_email") or hook.get("ticket_agent_name")
    ids = {"agent_id": agent or None, "team_id": hook.get("ticket_group_name") or None}
    if trigger.get("ticket_action") == "created":
        payload = {
            "priority": _PRIORITY.get(str(hook.get("ticket_priority", "")).upper()),
            "channel": hook.get("ticket_source"),
            "subject": hook.get("ticket_subject"),
        }
        return Mapped((event(f"freshdesk:{ticket_id}:created", "ticket.created", at, ticket, payload, **ids),))
    status = trigger.get("status")
    if isinstance(status, dict):
        to = _code(status.get("to"), "status.to")
        name = str(hook.get("ticket_status") or _STATUSES.get(to, str(to))).lower()
        eid = f"freshdesk:{ticket_id}:status:{status.get('from')}-{to}:{digest}"
        events = [event(eid, "ticket.status_changed", at, ticket, {"status": name}, **ids)]
        if to in _RESOLVED:
            events.append(event(f"freshdesk:{ticket_id}:resolved", "ticket.resolved", at, ticket, **ids))
        return Mapped(tuple(events))
    if trigger.get("note_type") == "public" and hook.get("ticket_latest_public_comment"):
        text = hook["ticket_latest_public_comment"]
        payload = {"author": "agent", "text": text}
        return Mapped((event(f"freshdesk:{ticket_id}:note:{digest}", "ticket.replied", at, ticket, payload, **ids),))
    return ignored(f"triggered_event {json.dumps(trigger)} changes nothing callqa scores")

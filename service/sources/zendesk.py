"""Zendesk ticket event webhooks (`zen:event-type:ticket.*`, event version 2022-11-06).

A ticket is `zendesk-<ticket id>` (ticket numbers are per account, so the system is named). Each webhook event
has its own `id`: the event id is `zendesk:<id>`, so a retried delivery is stored once. `time` is when it
happened. The assignee is the agent and the group the team, as the ticket stands in `detail`.

Signature: `X-Zendesk-Webhook-Signature` is base64(HMAC-SHA256(signing secret, timestamp header + raw body)).
The timestamp (`X-Zendesk-Webhook-Signature-Timestamp`, ISO 8601 such as `2021-03-25T05:09:27Z`) is what makes a
captured request useless later: one further than CALLQA_SIGNATURE_MAX_AGE_SECONDS from callqa's clock is refused.
"""

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from service.sources.base import (
    Fields,
    Ids,
    Mapped,
    MappingError,
    SignatureError,
    SignedRequest,
    event,
    ignored,
    parse_time,
)

_PREFIX = "zen:event-type:ticket."
_RESOLVED = {"SOLVED", "CLOSED"}
# Zendesk's priorities, most urgent first, onto the contract's 1 (most urgent) .. 5.
_PRIORITY = {"URGENT": 1, "HIGH": 2, "NORMAL": 3, "LOW": 4}


def signature(timestamp: str, body: bytes, secret: str) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify(request: SignedRequest, secret: str | None, max_age: timedelta) -> None:
    if not secret:
        raise SignatureError("cannot verify X-Zendesk-Webhook-Signature: CALLQA_ZENDESK_SIGNING_SECRET is not set")
    given = request.headers.get("x-zendesk-webhook-signature")
    timestamp = request.headers.get("x-zendesk-webhook-signature-timestamp")
    if not given or not timestamp:
        raise SignatureError("missing X-Zendesk-Webhook-Signature or X-Zendesk-Webhook-Signature-Timestamp header")
    if not hmac.compare_digest(signature(timestamp, request.body, secret), given):
        raise SignatureError("X-Zendesk-Webhook-Signature does not match (wrong signing secret, or a changed body)")
    try:
        signed_at = parse_time(timestamp, "X-Zendesk-Webhook-Signature-Timestamp")
    except MappingError as exc:
        raise SignatureError(str(exc)) from None
    off = abs((request.received_at - signed_at).total_seconds())
    if off > max_age.total_seconds():
        raise SignatureError(
            f"X-Zendesk-Webhook-Signature-Timestamp {timestamp} is {off:.0f} s from callqa's clock; at most "
            f"{max_age.total_seconds():.0f} s are accepted (CALLQA_SIGNATURE_MAX_AGE_SECONDS): a replay, or a clock off"
        )


def _status(change: Fields, key: str) -> str:
    """A status as the event writes it: `"SOLVED"`, or `{"status": "SOLVED"}` in `current`."""
    value = change.raw(key)
    return ((change.obj(key).text("status") if isinstance(value, Mapping) else change.text(key)) or "").upper()


def map_record(record: Any, received_at: datetime) -> Mapped:
    r = Fields(record, what="a Zendesk webhook event (a JSON object)")
    kind = r.text("type", required=True)
    if not kind.startswith(_PREFIX):
        return ignored(f"{kind:.80} is not a ticket event")
    name = kind.removeprefix(_PREFIX)
    detail = r.obj("detail", required=True)
    ticket = f"zendesk-{detail.ident('id', required=True)}"
    eid = f"zendesk:{r.ident('id', required=True)}"
    at = r.time("time", required=True)
    change = r.obj("event")
    ids: Ids = {"agent_id": detail.ident("assignee_id"), "team_id": detail.ident("group_id")}
    if name == "created":
        payload = {
            "priority": _PRIORITY.get((detail.text("priority") or "").upper()),
            "channel": detail.obj("via").text("channel"),
            "subject": detail.text("subject"),
        }
        return Mapped((event(eid, "ticket.created", at, ticket, payload, **ids),))
    if name == "comment_added":
        comment = change.obj("comment", required=True)
        if comment.raw("is_public") is False:
            return ignored("internal note: not a reply the customer sees")
        author = comment.obj("author")
        staff = author.raw("is_staff") is True
        reply = {"author": "agent" if staff else "customer", "text": comment.text("body", required=True)}
        if staff:  # the replying agent, else the assignee
            ids["agent_id"] = author.ident("id") or ids["agent_id"]
        return Mapped((event(eid, "ticket.replied", at, ticket, reply, **ids),))
    if name == "status_changed":
        status = _status(change, "current") or _status(detail, "status")
        events = [event(eid, "ticket.status_changed", at, ticket, {"status": status.lower()}, **ids)]
        if status in _RESOLVED:
            events.append(event(f"{eid}:resolved", "ticket.resolved", at, ticket, **ids))
        return Mapped(tuple(events))
    return ignored(f"ticket.{name:.80} changes nothing callqa scores")

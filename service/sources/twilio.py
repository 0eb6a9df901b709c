"""Twilio call status callbacks (application/x-www-form-urlencoded POSTs to the call's StatusCallback URL).

Each callback is one event, id `twilio:<CallSid>:<SequenceNumber>`, so a retried callback is stored once.
Callbacks are separate HTTP requests and arrive in any order; SequenceNumber is the order Twilio fired them in.
Their Timestamp has whole seconds only, so the mapping adds SequenceNumber microseconds to it: callbacks fired in
the same second keep Twilio's order on the interaction's timeline, whatever order they arrived in.

Twilio sends only `completed` unless more StatusCallbackEvents are subscribed; so `completed` with a CallDuration
also carries the answer (Timestamp - CallDuration, whole seconds): a call reported only at its end is not judged
abandoned. When the `in-progress` callback is there too, the earlier answer counts.

Agent, team and queue are not in the callback: put them in the StatusCallback URL's query string
(`?agent_id=...&queue_id=...`), which Twilio signs with the rest.
"""

import base64
import hashlib
import hmac
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl

from service.sources.base import Fields, Mapped, MappingError, SignatureError, SignedRequest, event, shown, whole

_OFFERED = {"queued", "initiated", "ringing"}
_NOT_ANSWERED = {"busy", "no-answer", "failed", "canceled"}


def signature(url: str, params: list[tuple[str, str]], auth_token: str) -> str:
    """Twilio's scheme: HMAC-SHA1, keyed with the auth token, of the URL followed by every POST parameter's name
    and value, sorted by name (then value); base64. Twilio's published vectors are in the unit tests."""
    data = url + "".join(k + v for k, v in sorted(set(params)))  # a repeated name=value counts once
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def verify(request: SignedRequest, auth_token: str | None) -> None:
    if not auth_token:
        raise SignatureError("cannot verify X-Twilio-Signature: CALLQA_TWILIO_AUTH_TOKEN is not set")
    given = request.headers.get("x-twilio-signature")
    if not given:
        raise SignatureError("missing X-Twilio-Signature header")
    # Lenient parse: the signature is checked before the body's form is judged, so a bad body gets its own answer.
    params = parse_qsl(request.body.decode("latin-1"), keep_blank_values=True)
    if not hmac.compare_digest(signature(request.url, params, auth_token), given):
        raise SignatureError(
            "X-Twilio-Signature does not match (wrong auth token, or a URL other than the one Twilio called)"
        )


def _timestamp(value: str) -> datetime:
    try:
        at = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, AttributeError):  # the email parser's ways of saying "not a date"
        raise MappingError(f"Timestamp is not an RFC 2822 date: {shown(value)}") from None
    if at.tzinfo is None:
        raise MappingError(f"Timestamp has no UTC offset: {shown(value)}")
    return at


MAX_SEQUENCE = 999_999  # microseconds added to a whole-second Timestamp; Twilio fires a handful per call
MAX_CALL_SECONDS = 7 * 24 * 3600


def map_record(params: Any, received_at: datetime) -> Mapped:
    p = Fields(params, what="a status callback (a form of parameters)")
    sid = p.ident("CallSid", required=True)
    status = p.text("CallStatus", required=True)
    seq = whole(p.raw("SequenceNumber"), "SequenceNumber", MAX_SEQUENCE)
    at = _timestamp(p.text("Timestamp", required=True)) + timedelta(microseconds=seq)
    own_id = f"twilio:{sid}:{seq}"
    if status in _OFFERED:
        return Mapped((event(own_id, "call.offered", at, sid),))
    if status == "in-progress":
        return Mapped((event(own_id, "call.answered", at, sid),))
    if status in _NOT_ANSWERED:
        return Mapped((event(own_id, "call.ended", at, sid, {"reason": status}),))
    if status != "completed":
        raise MappingError(f"unknown CallStatus {status!r:.80}")
    events = []
    talked = p.whole("CallDuration", maximum=MAX_CALL_SECONDS) or 0
    if talked > 0:
        answered = at - timedelta(seconds=talked)
        events.append(event(f"{own_id}:answer", "call.answered", answered, sid))
    events.append(event(own_id, "call.ended", at, sid, {"reason": "completed"}))
    return Mapped(tuple(events))

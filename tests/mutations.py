"""Mutations of vendor records for property tests: a field's value swapped for one of the wrong type, a huge or
deep one, strings with NUL or a lone surrogate, keys removed. The adapters meet such records from senders that are
buggy, misconfigured or hostile."""

from collections.abc import Iterator
from typing import Any

from hypothesis import strategies as st

from tests.vendor_samples import ctr

Path = tuple[str | int, ...]

DEEP = 900  # deeper than anything real, shallower than the JSON parser's own recursion limit


def _deep(leaf: Any, depth: int = DEEP) -> Any:
    for n in range(depth):
        leaf = [leaf] if n % 2 else {"a": leaf}
    return leaf


NASTY_STRINGS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udc80y",
    "9" * 30,
    "9" * 5000,
    "-1",
    "1e400",
    "nan",
    "inf",
    "0",
    "x" * 100_000,
    "2026-11-24T09:00:00Z",
    "2026-11-24 09:00:00",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "Tue, 24 Nov 2026 09:00:00 +0000",
    "{" * 2000 + "a:b" + "}" * 2000,
    "{status:{from:4,to:99999999999999999999999999}}",
    "%00%ZZ%ud800",
]
NASTY_NUMBERS = [0, -1, 1, 2**63, -(2**63), 10**30, -(10**30), 0.5, -0.0, 1e308, float("inf"), float("nan")]

leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(st.characters(codec=None, exclude_categories=()), max_size=20),  # surrogates and NUL included
    st.sampled_from(NASTY_STRINGS),
    st.sampled_from(NASTY_NUMBERS),
    # as long as JSON parsers take (4300 digits); built in a map so that no repr shows them
    st.integers(300, 4299).map(lambda digits: 10**digits),
)
values = st.one_of(
    leaves,
    st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
        max_leaves=8,
    ),
    leaves.map(_deep),
    st.just([]),
    st.just({}),
)


def paths(value: Any, prefix: Path = ()) -> Iterator[Path]:
    """Every place in a record a mutation can hit, the record itself included."""
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from paths(v, (*prefix, i))


def _replaced(value: Any, path: Path, new: Any, delete: bool) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        out = dict(value)
        if delete and not rest:
            out.pop(head, None)
        else:
            out[head] = _replaced(value[head], rest, new, delete)
        return out
    out_list = list(value)
    if delete and not rest:
        del out_list[head]  # type: ignore[arg-type]
    else:
        out_list[head] = _replaced(value[head], rest, new, delete)  # type: ignore[index]
    return out_list


@st.composite
def mutated(draw: st.DrawFn, record: Any, max_mutations: int = 3) -> Any:
    """`record` with one to `max_mutations` fields replaced, wrapped or removed (never modified in place)."""
    for _ in range(draw(st.integers(1, max_mutations))):
        where = draw(st.sampled_from(list(paths(record))))
        op = draw(st.sampled_from(["replace", "replace", "delete", "wrap"]))
        if op == "delete" and where:
            record = _replaced(record, where, None, delete=True)
        else:
            new = draw(values)
            if op == "wrap":
                new = draw(st.sampled_from([[new], {"value": new}]))
            record = _replaced(record, where, new, delete=False)
    return record


# The sites found by mutating the samples, each as it first failed (AttributeError, TypeError, ValueError,
# OverflowError or RecursionError before the typed reads).
_CTR = {
    "ContactId": "c1",
    "Channel": "VOICE",
    "LastUpdateTimestamp": "2026-11-24T09:10:00Z",
    "InitiationTimestamp": "2026-11-24T09:00:00Z",
}
_ZENDESK = {
    "type": "zen:event-type:ticket.created",
    "id": "e1",
    "time": "2026-11-24T09:00:00Z",
    "detail": {"id": "1"},
}
_TWILIO = {
    "CallSid": "CA1",
    "CallStatus": "ringing",
    "SequenceNumber": "1",
    "Timestamp": "Tue, 24 Nov 2026 09:00:00 +0000",
}
_CEL = {"eventtype": "ANSWER", "eventtime": "1700000009.5", "uniqueid": "1.2", "linkedid": "1.1"}
_FRESHDESK = {"ticket_id": "11", "triggered_event": "{ticket_action:created}"}
_SEGMENT = {"ParticipantRole": "AGENT", "Content": "Hello", "BeginOffsetMillis": 10, "Id": "t1"}
REGRESSIONS = [
    ("connect-ctr", {**_CTR, "Agent": "x"}, "Agent must be an object, got string 'x'"),
    ("connect-ctr", {**_CTR, "Agent": {"HierarchyGroups": {"Level2": []}}}, "Agent.HierarchyGroups.Level2 must be"),
    ("connect-ctr", {**_CTR, "Queue": ["q"]}, "Queue must be an object, got list"),
    ("connect-ctr", {**_CTR, "ContactId": {"a": 1}}, "ContactId must be an identifier"),
    ("connect-ctr", {**_CTR, "Channel": 7}, "Channel must be a string, got number 7"),
    ("connect-ctr", {**_CTR, "DisconnectTimestamp": "9999-12-31T23:59:59-14:00"}, "DisconnectTimestamp is out of"),
    ("connect-ctr", ctr(Agent={**ctr()["Agent"], "NumberOfHolds": 10**30}), "Agent.NumberOfHolds must be a whole"),
    ("connect-contact-events", {"detail-type": "Amazon Connect Contact Event", "detail": []}, "no detail object"),
    (
        "connect-contact-events",
        {"eventType": "QUEUED", "contactId": "c", "channel": "VOICE", "queueInfo": {"enqueueTimestamp": 5}},
        "queueInfo.enqueueTimestamp must be a date-time string",
    ),
    ("connect-contact-events", {"eventType": "QUEUED", "contactId": "c", "channel": "VOICE", "agentInfo": 3}, "agent"),
    (
        "connect-contact-lens",
        {"ContactId": "c", "EventType": "SEGMENTS", "Channel": "VOICE", "Segments": [{"Transcript": "x"}]},
        "Segments[0].Transcript must be an object",
    ),
    (
        "connect-contact-lens",
        {
            "ContactId": "c",
            "EventType": "SEGMENTS",
            "Channel": "VOICE",
            "Segments": [{"Transcript": {**_SEGMENT, "ParticipantRole": [[]]}}],
        },
        "Segments[0].Transcript.ParticipantRole must be a string",
    ),
    (
        "connect-contact-lens-postcall",
        {"CustomerMetadata": {"ContactId": "c"}, "Channel": "VOICE", "Transcript": [{**_SEGMENT, "Content": "a\x00b"}]},
        "Transcript[0].Content contains a NUL character",
    ),
    ("twilio", {**_TWILIO, "SequenceNumber": "9" * 30}, "SequenceNumber must be a whole number"),
    ("twilio", {**_TWILIO, "Timestamp": ["Tue, 24 Nov 2026 09:00:00 +0000"]}, "Timestamp must be a string"),
    ("twilio", {**_TWILIO, "Timestamp": "Tue, 24 Nov 2026 09:00:00"}, "Timestamp has no UTC offset"),
    ("twilio", {**_TWILIO, "CallStatus": "completed", "CallDuration": "9" * 12}, "CallDuration must be a whole"),
    ("asterisk", {**_CEL, "eventtime": "1" + "0" * 400}, "eventtime is out of range"),
    ("asterisk", {**_CEL, "channame": ["PJSIP/1"], "uniqueid": "1.3"}, "channame must be a string"),
    ("freeswitch", {"variables": {"uuid": "u", "start_uepoch": "1", "end_uepoch": [1]}}, "variables.end_uepoch must"),
    ("zendesk", {**_ZENDESK, "detail": {"id": "1", "via": "x"}}, "detail.via must be an object, got string 'x'"),
    ("zendesk", {**_ZENDESK, "detail": "x"}, "detail must be an object"),
    ("zendesk", {**_ZENDESK, "type": "zen:event-type:ticket.comment_added", "event": {"comment": []}}, "event.comment"),
    ("freshdesk", {"freshdesk_webhook": {**_FRESHDESK, "triggered_event": "{a:" * 2000 + "b" + "}" * 2000}}, "deep"),
    ("freshdesk", {"freshdesk_webhook": {**_FRESHDESK, "triggered_event": "{status:{to:" + "9" * 30 + "}}"}}, "status"),
]

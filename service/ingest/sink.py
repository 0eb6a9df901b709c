"""Where validated events go when ingest is decoupled from scoring (Kafka mode): a port the edge fills in.

service/ never imports kafka; `callqa serve` with CALLQA_INGEST_MODE=kafka passes a Kafka-backed sink.
"""

from collections.abc import Sequence
from typing import Protocol

from service import telemetry
from service.events.decode import Rejection
from service.events.model import Event
from service.interactions.service import Outcome, Recorded


class EventSink(Protocol):
    def publish(self, events: Sequence[Event], source: str) -> None:
        """Durably hand over the events (e.g. produced with acks=all) with the ingest path or source they came by
        (`http`, `twilio`, ...), so the consumer stores and counts them as such; or raise."""
        ...

    def close(self) -> None: ...


class SinkUnavailable(RuntimeError):
    pass


def publish(sink: EventSink, validated: list[Event | Rejection], source: str) -> Recorded:
    """Kafka mode: valid events are produced (acks=all) and answered 202 once the broker has them."""
    good = [e for e in validated if isinstance(e, Event)]
    try:
        sink.publish(good, source)
    except Exception as exc:  # the broker did not take them: nothing was accepted
        raise SinkUnavailable(str(exc)) from exc
    out = Recorded()
    for index, item in enumerate(validated):
        if isinstance(item, Rejection):
            out.outcomes.append(Outcome(item.index, item.event_id, "rejected", errors=item.errors))
        else:
            out.outcomes.append(Outcome(index, item.event_id, "accepted", item.interaction_id))
    # Rejections never reach the topic, so they are counted here; the consumer counts the accepted (same source).
    telemetry.count_received(validated, [o for o in out.outcomes if o.status == "rejected"], source)
    return out

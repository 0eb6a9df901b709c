"""Where validated events go when ingest is decoupled from scoring (Kafka mode): a port the edge fills in.

service/ never imports kafka; `callqa serve` with CALLQA_INGEST_MODE=kafka passes a Kafka-backed sink.
"""

from collections.abc import Sequence
from typing import Protocol

from service.events.model import Event


class EventSink(Protocol):
    def publish(self, events: Sequence[Event]) -> None:
        """Durably hand over the events (e.g. produced with acks=all), or raise."""
        ...

    def close(self) -> None: ...

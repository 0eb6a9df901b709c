"""ingest: validated events scored here (in-process mode) or handed to the events topic (Kafka mode).

Both ingest routes call it; the switch between the two modes is written here only. The caller commits.
"""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from service.events.decode import Rejection
from service.events.model import Event
from service.ingest.sink import EventSink, publish
from service.interactions.service import Pipeline, Recorded


def ingest(
    session: Session,
    pipeline: Pipeline,
    items: Sequence[Event | Rejection],
    source: str,
    now: datetime,
    sink: EventSink | None,
) -> Recorded:
    """`sink` set: redacted events are produced and answered once the broker has them (raises SinkUnavailable);
    else they are recorded (scored, stored, alerted) in this session."""
    if sink is not None:
        return publish(sink, pipeline.redact(items, pipeline.standard_at(session, now)), source)
    return pipeline.record_events(session, items, source, now)

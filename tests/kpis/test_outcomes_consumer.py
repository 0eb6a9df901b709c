"""Outcome events through the Kafka consume loop (a fake consumer and publisher, a real database of each kind): the
same decoder and pipeline as HTTP; a bad answer is dead-lettered alone, naming its field."""

import json

from sqlalchemy import select

from service.outcomes.models import Contact, SurveyAnswer
from service.runtime import Runtime
from tests.api.wire import event
from tests.consumers.test_loop import TP, FakeConsumer, FakePublisher, Record, make_loop, runtime  # noqa: F401


def test_outcomes_through_the_consume_loop(runtime: Runtime) -> None:  # noqa: F811
    consumer, publisher = FakeConsumer(), FakePublisher()
    loop = make_loop(runtime, consumer, publisher)
    values = [
        event("q-1", 200, "survey.answered", 60, {"nps": 10}),
        event("q-1", 201, "survey.answered", 61, {"nps": 11}),
        event("q-1", 202, "contact.reason", 5, {"customer_id": "cust-3", "reason": "moving"}),
    ]
    loop.handle({TP: [Record(i, json.dumps(v).encode()) for i, v in enumerate(values)]})
    ((offset, reason, error),) = publisher.dead
    assert (offset, reason) == (1, "invalid_event") and "payload.nps" in error
    with runtime.sessions() as session:
        assert session.scalars(select(SurveyAnswer.nps)).all() == [10]
        assert session.scalars(select(Contact.reason)).all() == ["moving"]
    assert consumer.commits[-1] == {TP: 3}

"""Every score item carries its calculation: measured value, limit, unit, the standard's rule and version, and
the formula; the quality score carries how it was added up (not-applicable and pending items left out)."""

from service.scoring.quality import score_interaction
from service.scoring.trace import SCORE_FORMULA
from tests.factories import at, call, default_standard, ticket

STD = default_standard()
UTTERANCES = [
    ("agent", "Hello, my name is Ann.", 1000),
    ("customer", "Hi.", 3000),
    ("agent", "Calm down.", 5000),
]


def _items(events: list, now: float) -> dict:
    score = score_interaction(events, STD, at(now))
    return {"score": score, **{i.id: i for i in score.items}}


def test_response_items_trace_their_measurement_and_limit() -> None:
    got = _items(call(answered=45, holds=[(50, 200)], utterances=UTTERANCES, ended=300), 300)
    answer, hold = got["answer_time"].trace, got["hold_time"].trace
    assert (answer.rule, answer.measured, answer.threshold, answer.unit) == (
        "responsiveness.call.answer_within_seconds",
        45,
        20,
        "s",
    )
    assert answer.standard_version == STD.version and "call.offered to call.answered" in answer.formula
    assert (hold.rule, hold.measured, hold.threshold) == ("responsiveness.call.max_hold_seconds", 150, 120)


def test_ticket_trace_names_the_complaint_level_limit() -> None:
    got = _items(ticket(complaint_level=1, replies=[("agent", "Sorry.", 3 * 3600)]), 4 * 3600)
    first = got["first_reply_time"].trace
    assert first.rule == "responsiveness.ticket.first_reply_within_seconds for complaint level 1"
    assert (first.measured, first.threshold) == (3 * 3600, 7200)


def test_compliance_and_sentiment_traces() -> None:
    got = _items(call(answered=5, utterances=UTTERANCES, ended=60), 60)
    forbidden = got["no_forbidden_phrases"].trace
    assert (forbidden.rule, forbidden.measured, forbidden.threshold, forbidden.unit) == (
        "script_rules.no_forbidden_phrases",
        1,
        0,
        "matches",
    )
    greeting = got["greeting"].trace
    assert (greeting.measured, greeting.threshold) == (1, 1) and "required phrase" in greeting.formula
    sentiment = got["customer_sentiment"].trace
    assert sentiment.rule == "sentiment.customer_alert_below" and sentiment.threshold == -0.35


def test_quality_score_trace_leaves_out_what_was_not_judged() -> None:
    score = _items(call(answered=5, utterances=UTTERANCES, ended=60), 60)["score"]
    trace = score.trace
    assert trace.formula == SCORE_FORMULA and trace.standard_version == STD.version
    assert "hold_time" in trace.left_out and "answer_time" in trace.counted
    assert trace.critical_failed == ("no_forbidden_phrases",)
    assert round(100 * trace.passed_weight / trace.judged_weight, 2) == score.quality_score
    assert score.as_dict()["trace"]["counted"] == list(trace.counted)

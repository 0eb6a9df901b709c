"""The quality score: weighting, what is left out of the denominator, critical items, the pass mark; and the whole
judgement of an interaction (properties over random event orders and random item sets)."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.scoring.quality import combine, score_interaction
from service.scoring.types import ScoreItem, Status
from tests.factories import at, call, default_standard, standard, ticket

P, F, N, W = Status.PASS, Status.FAIL, Status.NOT_APPLICABLE, Status.PENDING


def _items(*spec: tuple[Status, float] | tuple[Status, float, bool]) -> list[ScoreItem]:
    return [
        ScoreItem(f"i{n}", "compliance", s[0], s[1], "", critical=s[2] if len(s) > 2 else False)
        for n, s in enumerate(spec)
    ]


@pytest.mark.parametrize(
    ("items", "final", "score", "passed", "critical"),
    [
        (_items((P, 10), (P, 30)), True, 100.0, True, False),
        (_items((P, 30), (F, 10)), True, 75.0, False, False),
        (_items((P, 40), (F, 10)), True, 80.0, True, False),  # exactly the pass mark passes
        (_items((P, 1), (F, 2)), True, 33.33, False, False),
        # not applicable and pending items are left out of the denominator
        (_items((P, 30), (N, 50), (W, 50)), True, 100.0, True, False),
        (_items((F, 10), (N, 90)), True, 0.0, False, False),
        # weight 0 items count for nothing
        (_items((P, 10), (F, 0)), True, 100.0, True, False),
        # live: a score, but no verdict yet
        (_items((P, 10), (F, 10)), False, 50.0, None, False),
        (_items((W, 10)), False, None, None, False),
        # a failed critical item fails the interaction whatever the score, even live
        (_items((P, 90), (F, 10, True)), True, 90.0, False, True),
        (_items((P, 90), (F, 10, True)), False, 90.0, False, True),
        (_items((P, 10), (F, 0, True)), True, 100.0, False, True),
        (_items((P, 10, True), (P, 10)), True, 100.0, True, False),
        (_items((N, 10, True), (P, 10)), True, 100.0, True, False),
        # nothing judged at all (e.g. a short abandon): no verdict either
        (_items((N, 10)), True, None, None, False),
    ],
)
def test_combine(items: list[ScoreItem], final: bool, score: float | None, passed: bool | None, critical: bool) -> None:
    assert combine(items, final, 80) == (score, passed, critical)


@pytest.mark.parametrize(("pass_mark", "passed"), [(0, True), (74.99, True), (75, True), (75.01, False), (100, False)])
def test_pass_mark(pass_mark: float, passed: bool) -> None:
    assert combine(_items((P, 3), (F, 1)), True, pass_mark)[1] is passed


# --------------------------------------------------------------------------------------------------
# score_interaction on the default standard

GOOD = [
    ("agent", "Hello, thank you for calling Acme, my name is Ann.", 1000),
    ("customer", "Hi, I want to update my address.", 4000),
    ("agent", "Sure, done. Is there anything else I can help you with?", 9000),
    ("customer", "No, thanks, that's great!", 12000),
    ("customer", "That's all.", 13000),  # a third customer turn: sentiment is judged after 3
    ("agent", "Thank you for calling, goodbye!", 14000),
]


def _score(events: list, now: float, std=None):
    return score_interaction(events, std or default_standard(), at(now))


def test_a_good_call_scores_100_and_passes() -> None:
    s = _score(call(answered=8, utterances=GOOD, ended=30), 30)
    assert (s.quality_score, s.passed, s.critical_failure, s.final, s.status) == (100.0, True, False, True, "ended")
    judged = (s.standard_version, s.kind, s.interaction_id, s.scored_at)
    assert judged == ("2026.12.2-default", "call", "call-1", at(30))
    assert (s.compliance_passed, s.compliance_failed) == (5, 0)  # greeting, name, offer, closing, no forbidden
    assert {i.id: i.status for i in s.items if i.status is N} == {
        "hold_time": N,
        "empathy_when_upset": N,
        "ask_before_hold": N,
    }
    assert (s.started_at, s.ended_at, s.next_deadline) == (at(0), at(30), None)
    assert (s.agent_id, s.team_id, s.queue_id) == ("agent-1", "team-1", "queue-1")


def test_a_forbidden_phrase_fails_a_call_with_a_passing_score() -> None:
    rude = [*GOOD[:5], ("agent", "Thank you for calling. Not my problem anymore, goodbye!", 14000)]
    s = _score(call(answered=8, utterances=rude, ended=30), 30, standard(quality={"pass_mark": 70}))
    assert s.quality_score == 75.0  # 20 of 80 lost, over the pass mark of 70
    assert (s.passed, s.critical_failure) == (False, True)


def test_weights_of_the_score() -> None:
    # answered late (weight 15 fails); the rest of the good call passes: 15 answer, 10 sentiment, 45 script
    s = _score(call(answered=25, utterances=GOOD, ended=60), 60)
    judged = {i.id: i.weight for i in s.items if i.status in (P, F)}
    assert judged == {
        "answer_time": 15,
        "greeting": 10,
        "self_identification": 10,
        "offer_further_help": 10,
        "closing": 5,
        "no_forbidden_phrases": 20,
        "customer_sentiment": 10,
    }
    assert s.quality_score == round(100 * (80 - 15) / 80, 2)
    assert s.passed is True


def test_critical_items_setting_makes_a_responsiveness_item_critical() -> None:
    events = call(answered=25, utterances=GOOD, ended=60)
    assert _score(events, 60).passed is True
    strict = standard(quality={"critical_items": ["answer_time"]})
    s = _score(events, 60, strict)
    assert (s.passed, s.critical_failure) == (False, True)
    assert next(i for i in s.items if i.id == "answer_time").critical


def test_pass_mark_comes_from_the_standard() -> None:
    events = call(answered=25, utterances=GOOD, ended=60)  # 81.25
    assert _score(events, 60, standard(quality={"pass_mark": 85})).passed is False


def test_live_call_has_no_verdict_and_the_next_deadline() -> None:
    s = _score(call(answered=8, utterances=GOOD[:2]), 12)
    assert (s.final, s.passed, s.status) == (False, None, "talking")
    # self identification passed already; the answer was in time; no forbidden phrase so far
    assert s.quality_score == 100.0
    assert s.next_deadline is None


def test_next_deadline_is_the_earliest_pending_deadline() -> None:
    queued = _score(call(), 5)
    assert queued.next_deadline == at(20)  # answer limit
    answered = _score(call(answered=8, utterances=[("agent", "Hello!", 1000)]), 10)
    assert answered.next_deadline == at(8 + 15)  # self identification due 15 s after the answer
    on_hold = _score(call(answered=8, utterances=GOOD[:1], holds=[(20, None)]), 30)
    assert on_hold.next_deadline == at(20 + 120)  # the hold limit


def test_low_customer_sentiment_fails_its_item() -> None:
    angry = [
        ("agent", "Hello, my name is Ann.", 1000),
        ("customer", "This is terrible, I am really angry!", 3000),
        ("agent", "I'm sorry.", 5000),
        ("customer", "I hate this, worst service ever.", 8000),
        ("customer", "Useless.", 9000),
    ]
    s = _score(call(answered=8, utterances=angry), 20)
    item = next(i for i in s.items if i.id == "customer_sentiment")
    assert item.status is F and "below -0.350" in item.detail


def test_ticket_score() -> None:
    events = ticket(
        complaint_level=1,
        replies=[("agent", "Hello, sorry for the trouble. Anything else I can help with? Kind regards, Ann", 5400)],
        resolved=6000,
    )
    s = _score(events, 6000)
    assert (s.kind, s.status, s.final) == ("ticket", "resolved", True)
    assert s.response.first_reply_seconds == 5400  # within the 2 h of a level 1 complaint
    statuses = {i.id: i.status for i in s.items}
    assert statuses["first_reply_time"] is P and statuses["resolution_time"] is P
    assert "self_identification" not in statuses and "ticket_signature" in statuses


# --------------------------------------------------------------------------------------------------
# properties

WORDS = [
    "Hello, my name is Ann.",
    "May I put you on hold?",
    "I'm so sorry about that.",
    "This is terrible, I am really angry!",
    "calm down",
    "Is there anything else I can help you with?",
    "Thank you for calling, goodbye!",
    "ok",
    "您好",
    "请稍等",
]

utterances = st.lists(
    st.tuples(st.sampled_from(["agent", "customer"]), st.sampled_from(WORDS), st.integers(0, 120_000)),
    max_size=8,
)
optional_time = st.one_of(st.none(), st.floats(0, 200, allow_nan=False).map(lambda f: round(f, 1)))


@st.composite
def calls(draw: st.DrawFn) -> list:
    answered = draw(optional_time)
    holds = draw(st.lists(st.tuples(st.integers(0, 300), st.integers(1, 200)), max_size=2))
    return call(
        answered=answered,
        utterances=draw(utterances) if answered is not None else [],
        holds=[(s, s + d) for s, d in holds] if answered is not None else [],
        ended=draw(optional_time),
    )


@settings(max_examples=150, deadline=None)
@given(calls(), st.floats(0, 1000, allow_nan=False), st.randoms(use_true_random=False))
def test_score_is_in_range_and_independent_of_event_order(events: list, now: float, rnd: random.Random) -> None:
    s = _score(events, now)
    assert s.quality_score is None or 0 <= s.quality_score <= 100
    assert s.passed is None or isinstance(s.passed, bool)
    assert s.critical_failure is (s.passed is False and any(i.critical and i.status is F for i in s.items))
    shuffled = events + rnd.sample(events, k=len(events) // 3)
    rnd.shuffle(shuffled)
    assert _score(shuffled, now) == s


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from([P, F, N, W]), st.floats(0, 100, allow_nan=False), st.booleans()), max_size=12),
    st.booleans(),
    st.floats(0, 100, allow_nan=False),
)
def test_combine_properties(spec: list, final: bool, pass_mark: float) -> None:
    items = _items(*spec)
    score, passed, critical = combine(items, final, pass_mark)
    assert score is None or 0 <= score <= 100
    assert critical is any(i.critical and i.status is F for i in items)
    if critical:
        assert passed is False
    elif not final:
        assert passed is None
    # leaving out not-applicable and pending items changes nothing
    judged = [i for i in items if i.status in (P, F)]
    assert combine(judged, final, pass_mark)[0] == score

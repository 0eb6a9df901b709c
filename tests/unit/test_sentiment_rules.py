"""The customer-sentiment rule as a supervisor reads it: judged only after enough customer turns, a failure that
stays a failure (so the alert raised during the call and the final item agree), and factual turns that VADER
happens to read as negative ("ac no 9874", a customer named Rob) never counting as anger."""

import pytest

from service.scoring.breaches import find_breaches
from service.scoring.quality import score_interaction
from service.scoring.sentiment import compound, judged_score, negative_words, summarize
from service.scoring.timeline import build_timeline
from service.scoring.types import Status
from service.standards.schema import SentimentStandard
from tests.factories import at, call, default_standard, standard

STD = SentimentStandard()  # rolling window 3, alert below -0.35, judged after 3 customer turns
ANGRY = "This is terrible, I am really angry!"  # VADER -0.79
CALM = "I see."  # 0.0
HAPPY = "Great, thank you so much!"  # +0.78


def customer_call(texts: list[str], *, ended: bool = True) -> list:
    utterances = [("customer", t, 1000 * (i + 1)) for i, t in enumerate(texts)]
    return call(answered=0, utterances=utterances, ended=60 if ended else None)


def item_of(texts: list[str], *, ended: bool = True, **sentiment: object):
    std = standard(sentiment=sentiment) if sentiment else default_standard()
    score = score_interaction(customer_call(texts, ended=ended), std, at(100))
    return next(i for i in score.items if i.id == "customer_sentiment"), score, std


@pytest.mark.parametrize(
    ("texts", "ended", "status"),
    [
        ([], True, Status.NOT_APPLICABLE),
        ([ANGRY], False, Status.PENDING),  # one angry opening is not a judgement yet (it failed the call before)
        ([ANGRY, ANGRY], False, Status.PENDING),
        ([ANGRY, ANGRY], True, Status.NOT_APPLICABLE),  # too few customer turns to judge
        ([ANGRY, ANGRY, ANGRY], False, Status.FAIL),
        ([ANGRY, ANGRY, ANGRY], True, Status.FAIL),
        ([ANGRY, CALM, CALM], True, Status.PASS),  # mean -0.26: upset once, not low over three turns
        ([CALM, CALM, CALM], False, Status.PENDING),
        ([CALM, CALM, CALM], True, Status.PASS),
        # low at some point, recovered by the end: still failed, as the alert said during the call
        ([ANGRY, ANGRY, ANGRY, HAPPY, HAPPY, HAPPY], True, Status.FAIL),
        ([HAPPY, ANGRY, ANGRY, ANGRY], True, Status.FAIL),
        # factual turns VADER reads as negative do not make a low mean
        (["ac no 9874", "po box 8963", "my name is Rob"], True, Status.PASS),
    ],
)
def test_customer_sentiment_item(texts: list[str], ended: bool, status: Status) -> None:
    item, _, _ = item_of(texts, ended=ended)
    assert item.status is status, item.detail


@pytest.mark.parametrize(
    ("min_turns", "window", "texts", "status"),
    [
        (1, 3, [ANGRY], Status.FAIL),  # the old behaviour, when a standard asks for it
        (1, 1, [CALM, ANGRY], Status.FAIL),
        (2, 3, [ANGRY, CALM], Status.FAIL),  # a run of fewer than `window` turns is averaged as it is
        (4, 3, [ANGRY, ANGRY, ANGRY], Status.NOT_APPLICABLE),
        (4, 3, [ANGRY, ANGRY, ANGRY, CALM], Status.FAIL),
    ],
)
def test_settings_shape_the_rule(min_turns: int, window: int, texts: list[str], status: Status) -> None:
    item, _, _ = item_of(texts, min_customer_turns=min_turns, rolling_window=window)
    assert item.status is status, item.detail


def test_failure_names_the_turns_behind_the_mean_and_when_the_limit_passed() -> None:
    item, _, _ = item_of([HAPPY, ANGRY, ANGRY, ANGRY, ANGRY])
    assert item.status is Status.FAIL
    assert "customer turns 2-4" in item.detail
    first, *turns = item.evidence
    assert first.at == at(4) and first.value == round(3 * compound(ANGRY) / 3, 4)
    assert [e.at for e in turns] == [at(2), at(3), at(4)]
    assert all(e.text == ANGRY for e in turns)


@pytest.mark.parametrize(
    "texts",
    [
        [ANGRY, ANGRY, ANGRY],
        [ANGRY, ANGRY, ANGRY, HAPPY, HAPPY, HAPPY, HAPPY],
        [ANGRY, CALM, ANGRY, HAPPY],
        [HAPPY, "ac no 9874", "no", "No."],
        [ANGRY],
        [ANGRY, ANGRY],
    ],
)
def test_alert_and_final_item_agree_at_every_turn(texts: list[str]) -> None:
    """Turn by turn, live: once customer_sentiment_low is raised, the final score fails the item too; and the
    final item never fails without the alert."""
    raised = False
    for n in range(1, len(texts) + 1):
        _, score, std = item_of(texts[:n], ended=False)
        raised |= any(b.rule == "customer_sentiment_low" for b in find_breaches(score, std))
    final, score, std = item_of(texts)
    assert (final.status is Status.FAIL) == raised
    assert raised == any(b.rule == "customer_sentiment_low" for b in find_breaches(score, std))


@pytest.mark.parametrize(
    ("text", "negative"),
    [
        ("ac no 9874", ()),  # "no" as a number abbreviation, and listed
        ("po box 8963", ()),  # VADER's "po"
        ("my name is Rob", ()),
        ("My name's Rob Tucker", ()),
        ("rob 261995", ()),
        ("sad 589", ()),  # a booking code beside a number
        ("total amount is 86", ()),  # 86 is in VADER's lexicon
        ("no thanks good bye", ()),
        ("sorry for the delay", ()),
        ("This is terrible", ("terrible",)),
        ("I am not happy", ("not",)),  # negation counts: VADER's negative score is kept
        ("my name is Rob and this is awful", ("awful",)),
        ("this is not ok :(", ("not", ":(")),
    ],
)
def test_negative_words(text: str, negative: tuple[str, ...]) -> None:
    assert negative_words(text, STD.neutral_words) == negative


@pytest.mark.parametrize(
    "text",
    ["ac no 9874", "po box 8963", "my name is Rob", "Rob", "no", "total amount is 86", "sorry for the delay"],
)
def test_factual_turns_are_judged_neutral_while_vader_score_is_kept(text: str) -> None:
    assert compound(text) < 0  # VADER's score, unchanged
    assert judged_score(text, STD) == 0.0
    tl = build_timeline(customer_call([text]))
    (evidence,) = summarize(tl, STD).per_utterance
    assert evidence.value == compound(text)
    assert "judged 0" in evidence.note


@pytest.mark.parametrize("text", [ANGRY, "I am not happy", "no, this is useless", "Rob charged me twice, awful"])
def test_real_complaints_keep_their_score(text: str) -> None:
    assert judged_score(text, STD) == compound(text) < 0


def test_a_standard_can_list_its_own_neutral_words() -> None:
    assert judged_score("my account is closed", STD) == compound("my account is closed")
    own = SentimentStandard(neutral_words=frozenset({"closed"}))
    assert judged_score("my account is closed", own) == 0.0
    with pytest.raises(ValueError, match="single lower-case words"):
        SentimentStandard(neutral_words=frozenset({"Rob"}))
    with pytest.raises(ValueError, match='quote "no"'):
        SentimentStandard.model_validate({"neutral_words": [False, "sorry"]})  # YAML's reading of: [no, sorry]


def test_empathy_rule_ignores_factual_turns() -> None:
    """The upset that makes the empathy rule applicable is read the same way."""
    texts = ["my name is Rob", "po box 8963"]
    score = score_interaction(customer_call(texts), default_standard(), at(100))
    empathy = next(i for i in score.items if i.id == "empathy_when_upset")
    assert empathy.status is Status.NOT_APPLICABLE

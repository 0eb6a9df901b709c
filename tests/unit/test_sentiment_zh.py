"""Chinese sentiment: the analyzer chosen by script, the shipped model, its lexicon, and customer-service speech
on the standard's scale (upset below -0.4, alert below -0.35)."""

from array import array
from pathlib import Path

import pytest

from service.scoring import sentiment_zh
from service.scoring.quality import score_interaction
from service.scoring.sentiment import analyzer_of, compound, judged_score, summarize, utterance_score
from service.scoring.timeline import build_timeline
from service.scoring.types import Status
from service.standards.schema import SentimentAnalyzers, SentimentStandard
from tests.factories import at, call, default_standard

STD = SentimentStandard()
UPSET, ALERT = STD.customer_upset_below, STD.customer_alert_below


@pytest.mark.parametrize(
    ("text", "share", "analyzer"),
    [
        ("我要投诉", 1.0, "callqa_zh"),
        ("我的iPhone坏了", 0.8, "callqa_zh"),  # 4 CJK characters, 1 Latin word
        ("ok 谢谢", 2 / 3, "callqa_zh"),
        ("My order 12345 is 已经 late and broken again", 2 / 9, "vader"),  # 7 Latin words
        ("This is terrible", 0.0, "vader"),
        ("", 0.0, "vader"),
        ("12345", 0.0, "vader"),
        ("😀", 0.0, "vader"),
    ],
)
def test_the_analyzer_is_chosen_by_script(text: str, share: float, analyzer: str) -> None:
    assert sentiment_zh.cjk_share(text) == pytest.approx(share)
    assert analyzer_of(text, STD.analyzers) == analyzer


def test_a_standard_can_keep_vader_for_chinese() -> None:
    old = SentimentStandard(analyzers=SentimentAnalyzers(zh="vader"))
    assert analyzer_of("我要投诉", old.analyzers) == "vader"
    assert utterance_score("我要投诉", old) == compound("我要投诉") == 0.0


@pytest.mark.parametrize("text", ["This is terrible.", "Great!!! :)", "not good at all :(", "ac no 9874", "ok"])
def test_english_keeps_vader_exactly(text: str) -> None:
    assert utterance_score(text, STD) == compound(text)


# Customer-service speech, not reviews: complaints about delivery, hotel and service clearly upset; thanks,
# requests and facts not. Written for this test; none is in the training data.
COMPLAINTS = [
    "我要投诉，你们的快递员态度太差了",
    "你们怎么回事，等了一个星期还没到",
    "我已经打了三次电话了，一直没人处理",
    "太失望了",
    "我不满意",
    "你们的服务太差了！",
    "酒店房间很脏，前台态度很差",
    "外卖送来都凉了，而且少了一份",
    "你们这是欺骗消费者",
    "客服一直在敷衍我，问题根本没解决",
    "我的iPhone坏了，你们也不管",
]
NOT_UPSET = [
    "好的谢谢",
    "好的",
    "不用了，谢谢",
    "问题已经解决了，非常感谢",
    "这个服务真的很好，谢谢你",
    "我的订单号是12345",
    "我的订单号是12345，麻烦帮我查一下",
    "我叫王明",
    "我的手机号是13800138000",
    "请问快递什么时候到",
    "我想查一下物流信息",
    "我的地址是北京市朝阳区建国路88号",
    "喂，你好",
    "是的",
    "嗯",
]
FACTUAL = ["我的订单号是12345", "我叫王明", "我的手机号是13800138000", "我的地址是北京市朝阳区建国路88号", "是的"]


@pytest.mark.parametrize("text", COMPLAINTS)
def test_complaints_are_upset(text: str) -> None:
    assert utterance_score(text, STD) <= UPSET


@pytest.mark.parametrize("text", NOT_UPSET)
def test_thanks_requests_and_facts_are_not(text: str) -> None:
    assert utterance_score(text, STD) > ALERT


@pytest.mark.parametrize("text", FACTUAL)
def test_facts_are_near_zero(text: str) -> None:
    assert abs(utterance_score(text, STD)) < 0.2


def test_the_brief_examples() -> None:
    assert utterance_score("我要投诉，你们的快递员态度太差了", STD) < -0.8
    assert utterance_score("好的谢谢", STD) > 0.3


@pytest.mark.parametrize(
    ("text", "words", "sign"),
    [
        ("满意", ("满意",), 1),
        ("不满意", ("~满意",), -1),  # a negated positive word is a complaint
        ("没解决了", ("~解决了",), -1),
        ("我要投诉", ("投诉",), -1),
        ("谢谢，问题解决了", ("谢谢", "解决了"), 1),
        ("麻烦您查一下", ("麻烦您",), 1),  # a polite request, not 麻烦 (trouble)
        ("订单号是12345", (), 0),
    ],
)
def test_lexicon(text: str, words: tuple[str, ...], sign: int) -> None:
    value, found = sentiment_zh.lexicon_logit(text)
    assert found == words
    assert (value > 0) - (value < 0) == sign


def test_intensifiers_strengthen_and_negation_is_stronger_than_praise() -> None:
    assert sentiment_zh.lexicon_logit("太失望")[0] < sentiment_zh.lexicon_logit("失望")[0] < 0
    assert -sentiment_zh.lexicon_logit("不满意")[0] > sentiment_zh.lexicon_logit("满意")[0]


@pytest.mark.parametrize(
    ("a", "b"),
    [("订单号１２３４５", "订单号12345"), ("订单 号 是 99", "订单号是12345"), ("ＯＫ谢谢", "ok谢谢")],
)
def test_normalisation(a: str, b: str) -> None:
    """Full-width forms, spaces from speech-to-text and the digits of a number change nothing."""
    assert sentiment_zh.ngrams(a) == sentiment_zh.ngrams(b)
    assert sentiment_zh.score(a) == sentiment_zh.score(b)


@pytest.mark.parametrize("text", ["", "，。！", "😀", "好" * 5000, "差" * 5000, "0" * 100])
def test_scores_stay_on_the_scale(text: str) -> None:
    assert -1 <= sentiment_zh.score(text) <= 1


def test_the_shipped_model_is_compact_and_checked_at_load(tmp_path: Path) -> None:
    assert sentiment_zh.MODEL_FILE.stat().st_size <= 2 * 1024 * 1024
    model = sentiment_zh.shipped()
    assert model.size == len(model.weights) and model.temperature > 0
    short = tmp_path / "model.bin"
    short.write_bytes(array("b", [1, 2, 3]).tobytes())
    with pytest.raises(ValueError, match="3 weights"):
        sentiment_zh.Model.load(short, sentiment_zh.META_FILE)


def test_chinese_call_evidence_names_the_analyzer() -> None:
    tl = build_timeline(call(answered=0, utterances=[("customer", "太失望了", 1000), ("agent", "Sorry!", 2000)]))
    zh, en = summarize(tl, STD).per_utterance
    assert (zh.method, en.method) == ("callqa_zh", "vader")
    assert zh.value == sentiment_zh.score("太失望了") and en.value == compound("Sorry!")
    assert judged_score("太失望了", STD) == zh.value  # the factual-turn rule is VADER's; Chinese keeps its score


def test_an_angry_chinese_caller_makes_empathy_applicable_and_fails_sentiment() -> None:
    events = call(
        answered=0,
        utterances=[
            ("agent", "您好，请问有什么可以帮您？", 1000),
            ("customer", "我要投诉，你们的快递员态度太差了", 3000),
            ("agent", "好的，请稍等。", 6000),
            ("customer", "你们怎么回事，等了一个星期还没到", 9000),
            ("customer", "太失望了", 12000),
        ],
        ended=60,
    )
    score = score_interaction(events, default_standard(), at(100))
    items = {i.id: i for i in score.items}
    assert items["empathy_when_upset"].status is Status.FAIL  # upset, and the agent never apologised
    assert items["customer_sentiment"].status is Status.FAIL

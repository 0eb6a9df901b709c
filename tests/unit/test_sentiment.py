"""Sentiment: vaderSentiment on the raw text, per speaker, trend and rolling means; and the reference check
against the VADER validation corpora (human-rated, in ../shared/data/vader)."""

import math
from pathlib import Path

import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from service.scoring.sentiment import compound, judged_score, polarity, summarize
from service.scoring.timeline import build_timeline
from service.standards.schema import SentimentStandard
from tests.factories import call, ticket

VADER = SentimentIntensityAnalyzer()

# Text where VADER reads capitals, punctuation, emoticons, negation or "but": any clean-up changes the score.
RAW_TEXTS = [
    "The service was GREAT!!!",
    "The service was great",
    "not good at all :(",
    "I am so angry right now.",
    "Thanks, that's really helpful :)",
    "It works, but the wait was terrible.",
    "ok",
    "",
    "您好，请稍等",
]


@pytest.mark.parametrize("text", RAW_TEXTS)
def test_compound_is_vader_on_the_raw_text(text: str) -> None:
    expected = VADER.polarity_scores(text)
    assert polarity(text) == (expected["neg"], expected["neu"], expected["pos"], expected["compound"])
    assert compound(text) == expected["compound"]


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [("The service was GREAT!!!", "the service was great"), ("not good at all :(", "not good at all")],
)
def test_cleaning_the_text_would_change_the_score(raw: str, cleaned: str) -> None:
    assert compound(raw) != compound(cleaned)


SPEAKER_CALL = call(
    answered=5,
    utterances=[
        ("agent", "Hello, how can I help?", 1000),
        ("customer", "My bill is wrong again, this is ridiculous and I am very angry.", 3000),
        ("agent", "I'm so sorry, let me fix that.", 6000),
        ("customer", "This is terrible.", 9000),
        ("customer", "ok", 12000),
        ("customer", "Great, thank you so much!", 15000),
        ("agent", "You're welcome!", 18000),
    ],
    ended=60,
)


def test_per_utterance_and_per_speaker() -> None:
    tl = build_timeline(SPEAKER_CALL)
    summary = summarize(tl, SentimentStandard(rolling_window=2, trend_window=2))
    per = {e.event_id: e for e in summary.per_utterance}
    assert list(per) == [t.event_id for t in tl.turns]
    for turn in tl.turns:
        assert per[turn.event_id].value == VADER.polarity_scores(turn.text)["compound"]
        assert (per[turn.event_id].speaker, per[turn.event_id].offset_ms) == (turn.speaker, turn.offset_ms)
    customer = [VADER.polarity_scores(t.text)["compound"] for t in tl.turns_of("customer")]
    agent = [VADER.polarity_scores(t.text)["compound"] for t in tl.turns_of("agent")]
    assert summary.customer_mean == round(sum(customer) / 4, 4)
    assert summary.agent_mean == round(sum(agent) / 3, 4)
    assert summary.customer_trend == round((customer[2] + customer[3]) / 2 - (customer[0] + customer[1]) / 2, 4)
    assert summary.customer_trend > 0  # the customer ended happier than they started
    rolling = [(customer[i] + customer[i + 1]) / 2 for i in range(3)]
    assert summary.customer_rolling_mean == round(rolling[-1], 4)
    assert summary.customer_lowest_rolling_mean == round(min(rolling), 4)


ROLLING_TEXTS = ["Great!", "This is terrible.", "ok", "Awful, broken again!", "Thanks so much!", "I am so angry."]


@pytest.mark.parametrize("window", [1, 2, 3, 6])
@pytest.mark.parametrize("heard", range(len(ROLLING_TEXTS) + 1))
def test_rolling_means(window: int, heard: int) -> None:
    """The mean of each run of `window` consecutive customer turns (of all turns while there are fewer)."""
    texts = ROLLING_TEXTS[:heard]
    tl = build_timeline(call(answered=0, utterances=[("customer", t, 1000 * i) for i, t in enumerate(texts)]))
    std = SentimentStandard(rolling_window=window)
    values = [judged_score(t, std) for t in texts]
    if len(values) <= window:
        rolling = [sum(values) / len(values)] if values else []
    else:
        rolling = [sum(values[i - window : i]) / window for i in range(window, len(values) + 1)]
    summary = summarize(tl, std)
    assert summary.customer_rolling_mean == (round(rolling[-1], 4) if rolling else None)
    assert summary.customer_lowest_rolling_mean == (round(min(rolling), 4) if rolling else None)


@pytest.mark.parametrize(
    ("customer", "trend_window", "trend"),
    [
        ([], 3, None),
        (["Great!"], 3, None),  # one utterance has no course
        (["This is terrible.", "Great!"], 3, round(compound("Great!") - compound("This is terrible."), 4)),
        (["Great!", "ok", "This is terrible."], 3, round(compound("This is terrible.") - compound("Great!"), 4)),
    ],
)
def test_trend(customer: list[str], trend_window: int, trend: float | None) -> None:
    tl = build_timeline(call(answered=0, utterances=[("customer", t, 1000 * i) for i, t in enumerate(customer)]))
    assert summarize(tl, SentimentStandard(trend_window=trend_window)).customer_trend == trend


def test_no_turns() -> None:
    summary = summarize(build_timeline(call(answered=1)), SentimentStandard())
    assert summary == type(summary)(None, None, None, None, None, ())


def test_ticket_replies_are_scored_too() -> None:
    tl = build_timeline(ticket(replies=[("customer", "Awful, broken again!", 10), ("agent", "Sorry!", 60)]))
    summary = summarize(tl, SentimentStandard())
    assert summary.customer_mean == compound("Awful, broken again!")
    assert summary.agent_mean == compound("Sorry!")


# --------------------------------------------------------------------------------------------------
# reference check: the four VADER validation corpora, item by item and by correlation with humans

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "vader"
CORPORA = {  # corpus -> Pearson r of vaderSentiment 3.3.2 (raw text) with the human means
    "tweets": 0.872,
    "movieReviewSnippets": 0.427,
    "amazonReviewSnippets": 0.590,
    "nytEditorialSnippets": 0.503,
}


def _lines(path: Path) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8")
    return [line.removesuffix("\r").split("\t") for line in text.split("\n") if line.removesuffix("\r")]


def _pearson(xs: list[float], ys: list[float]) -> float:
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    cov = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    return cov / math.sqrt(sum((x - mx) ** 2 for x in xs) * sum((y - my) ** 2 for y in ys))


@pytest.mark.parametrize(("corpus", "published_r"), CORPORA.items())
def test_reproduces_vader_on_the_reference_corpora(corpus: str, published_r: float) -> None:
    texts_file = DATA / f"{corpus}_GroundTruth.txt"
    scores_file = DATA / "derived" / f"{corpus}_vaderSentiment-3.3.2_scores.tsv"
    if not (texts_file.is_file() and scores_file.is_file()):
        pytest.skip(f"reference data not found at {DATA} (it lives in ../shared/data beside the repo)")
    items = {row[0]: (float(row[1]), row[2]) for row in _lines(texts_file)}
    header, *rows = _lines(scores_file)
    assert header == ["id", "human_mean", "neg", "neu", "pos", "compound"]
    assert len(rows) == len(items)
    humans, ours, off = [], [], []
    for item_id, human, neg, neu, pos, expected in rows:
        mean, text = items[item_id]
        got = polarity(text)
        reference = (float(neg), float(neu), float(pos), float(expected))
        if abs(got[3] - reference[3]) >= 1e-4 or max(abs(a - b) for a, b in zip(got, reference, strict=True)) > 1e-3:
            off.append((item_id, text, got, reference))
        assert mean == pytest.approx(float(human))
        humans.append(mean)
        ours.append(got[3])
    assert not off, f"{len(off)} items differ from vaderSentiment 3.3.2, e.g. {off[:3]}"
    assert round(_pearson(ours, humans), 3) == published_r

"""scoring.vader gives vaderSentiment's own `polarity_scores` to the last bit: on every utterance of the reference
dialogues and corpora (../shared/data), and on generated text made of what VADER's rules read (capitals,
punctuation, negations, boosters, "but", "kind of", "no", "least", idioms, emoticons, emojis)."""

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vaderSentiment.vaderSentiment import BOOSTER_DICT, NEGATE, SPECIAL_CASES, SentimentIntensityAnalyzer

from service.scoring import vader

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
REFERENCE = SentimentIntensityAnalyzer()


def reference(text: str) -> tuple[float, float, float, float]:
    s = REFERENCE.polarity_scores(text)
    return s["neg"], s["neu"], s["pos"], s["compound"]


def assert_same(text: str) -> None:
    want, got = reference(text), vader.polarity_scores(text)
    # repr as well: -0.0 == 0.0, but a stored score would show the sign
    assert (got, repr(got)) == (want, repr(want)), text


def dialogue_texts() -> list[str]:
    texts = [t["text"] for line in (DATA / "dialogues" / "sgd_train.jsonl").open() for t in json.loads(line)["turns"]]
    for tsv in sorted((DATA / "dialogues" / "multidogo_train").glob("*.tsv")):
        rows = (line.split("\t") for line in tsv.read_text(encoding="utf-8").splitlines()[1:])
        texts += [r[3] for r in rows if len(r) > 3]
    for corpus in sorted((DATA / "vader").glob("*_GroundTruth.txt")):
        lines = corpus.read_bytes().decode("utf-8", errors="replace").split("\r\n")
        texts += [line.split("\t", 2)[2] for line in lines if line.count("\t") >= 2]
    return texts


@pytest.mark.skipif(not (DATA / "dialogues").is_dir(), reason=f"reference dialogues not found under {DATA}")
def test_every_utterance_of_the_reference_data_scores_as_vadersentiment() -> None:
    texts = dialogue_texts()
    assert len(texts) > 100_000
    differ = [t for t in texts if (got := vader.polarity_scores(t), repr(got)) != ((w := reference(t)), repr(w))]
    assert differ == []


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "!!!",
        ":) :( :D <3",
        "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
        "The plot was good, but the characters are uncompelling and the dialog is not great.",
        "Today only kinda sux! But I'll get by, lol",
        "Catch utf-8 emoji such as 💘 and 💋 and 😁",
        "Not bad at all",
        "Sentiment analysis has never been this good!",
        "Without a doubt, excellent idea.",
        "Roger Dodger is one of the least compelling variations on this theme.",
        "Roger Dodger is at least compelling as a variation on the theme.",
        "least good",
        "it was kind of good, sort of bad, just enough",
        "no problem, no good or bad, no nor happy",
        "that was the shit!! yeah right, kiss of death",
        "good bad good but good bad good",
        # "but" rescales the first value equal to each one: "best" (3.2) halved is "accept" (1.6), so the second
        # "accept" is halved again where it stands and the one after "but" is never raised
        "The best part: we accept it, but accept the rest too",
        "☺️ smiley 👶🏻 baby",
        "ÇA VA? Straße GREAT???? ????",
        "İSTANBUL is GREAT",
    ],
)
def test_examples_score_as_vadersentiment(text: str) -> None:
    assert_same(text)


# What VADER's rules read, and words of its lexicon around them
_LEXICON_SAMPLE = sorted(vader.LEXICON)[::97]
_RULE_WORDS = [
    *NEGATE[::3],
    *sorted(BOOSTER_DICT)[::4],
    *(w for k in SPECIAL_CASES for w in k.split()),
    *("but", "BUT", "But", "kind", "of", "no", "or", "nor", "least", "at", "very", "never", "so", "this"),
    *("without", "doubt", "isn't", "don't", "good", "bad", "great", "terrible", "love", "hate", "sux", "lol"),
]
_EMOTES = [":)", ":(", ":D", ":-P", "<3", "</3", ":'(", "xD", "💘", "😁", "☹️", "👍🏼", "😡", "©"]


_WORDS = [c for w in (*_LEXICON_SAMPLE, *_RULE_WORDS) for c in (w, w.upper(), w.capitalize())] + _EMOTES
_PUNCT = ["", "", "", ",", ".", "!", "!!", "?", "??", "???", "!?", "...", "'", '"', ")", "("]
_GAP = [" ", " ", " ", "  ", "\t", "\n", ""]
_PIECE = st.tuples(
    st.sampled_from(_PUNCT),
    st.one_of(st.sampled_from(_WORDS), st.text(alphabet="abcXYZ'-", min_size=1, max_size=6)),
    st.sampled_from(_PUNCT),
    st.sampled_from(_GAP),
)
# (generation is cheap, but a machine busy with other work can still make it look slow)
texts = st.lists(_PIECE, max_size=25).map(lambda pieces: "".join("".join(p) for p in pieces))


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_generated_text_scores_as_vadersentiment(text: str) -> None:
    assert_same(text)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=80))
def test_any_text_scores_as_vadersentiment(text: str) -> None:
    assert_same(text)

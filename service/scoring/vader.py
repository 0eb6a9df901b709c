"""vaderSentiment 3.3.2's `polarity_scores`, the same answer to the last bit for every text, at a fraction of its
cost: the English analyzer runs on every new utterance, and VADER was the largest part of scoring one.

vaderSentiment stays the reference (its lexicon, emoji table and constants are read from it, and a test compares
the two on every utterance of the reference dialogues and on generated text). What it does per text that this
does once, or not at all:
- it lower-cases every token again for each rule that reads it (the negation and idiom checks lower-case the
  whole text once per lexicon word per preceding position: quadratic in the text); here each token is lower-cased
  once, and the two- and three-word idioms are looked up as tuples of those tokens;
- it rebuilds the text character by character to replace emojis; here that runs only when the text holds a
  character of its emoji table (its loop is per character, so its keys of several characters never match);
- a text without a word of the lexicon is all neutral, answered without the rules, and the scores come back as a
  tuple instead of a dict built and read per text.
Everything else (the order of every floating-point operation, the "but" rule that rescales the first equal
value, the rounding) is kept as vaderSentiment has it.

Pure module: no I/O after import (the lexicon is read once, by vaderSentiment).
"""

import math
import string
from collections.abc import Sequence
from itertools import compress

from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    C_INCR,
    N_SCALAR,
    NEGATE,
    SPECIAL_CASES,
    SentimentIntensityAnalyzer,
    normalize,
)

_REFERENCE = SentimentIntensityAnalyzer()
LEXICON: dict[str, float] = _REFERENCE.lexicon
_EMOJIS: dict[str, str] = _REFERENCE.emojis
_EMOJI_CHARS = frozenset(k for k in _EMOJIS if len(k) == 1)
_NEGATE = frozenset(NEGATE)
_PUNCTUATION = string.punctuation


def _ngrams(table: dict[str, float]) -> dict[tuple[str, ...], float]:
    """The entries of two or three words, keyed by their words (tokens hold no whitespace, so "a b" is a token
    pair exactly when its words are the pair)."""
    return {tuple(k.split(" ")): v for k, v in table.items() if " " in k}


_SPECIAL = _ngrams(SPECIAL_CASES)
_BOOSTER_NGRAMS = _ngrams(BOOSTER_DICT)


def polarity_scores(text: str) -> tuple[float, float, float, float]:
    """(neg, neu, pos, compound), as vaderSentiment's `polarity_scores(text)` reports them."""
    if not text.isascii() and not _EMOJI_CHARS.isdisjoint(text):  # (every emoji of its table is non-ASCII)
        text = _without_emojis(text)
    words = [w if len(s := w.strip(_PUNCTUATION)) <= 2 else s for w in text.split()]
    if not words:
        return 0.0, 0.0, 0.0, 0.0
    low = [w.lower() for w in words]
    upper = [w.isupper() for w in words]
    scores = [w in LEXICON and w not in BOOSTER_DICT for w in low]
    n = len(low)
    cap_diff = 0 < n - sum(upper) < n
    if not any(scores):
        return 0.0, 1.0, 0.0, 0.0  # no word of the lexicon: every sentiment 0, all of the text neutral
    sentiments: list[float] = [0] * n
    for i in compress(range(n), scores):
        if not (low[i] == "kind" and i < n - 1 and low[i + 1] == "of"):
            sentiments[i] = _valence(low, upper, i, cap_diff)
    if "but" in low:
        _but_check(low.index("but"), sentiments)
    return _score_valence(sentiments, text)


def _score_valence(sentiments: list[float], text: str) -> tuple[float, float, float, float]:
    """vaderSentiment's `score_valence` (with `_punctuation_emphasis` and `_sift_sentiment_scores`) of a non-empty
    list, without the dict."""
    sum_s = float(sum(sentiments))
    # emphasis from up to 4 exclamation marks, and from 2 or more question marks
    qm_count = text.count("?")
    qm_amplifier = 0 if qm_count <= 1 else qm_count * 0.18 if qm_count <= 3 else 0.96
    punct_emph_amplifier = min(text.count("!"), 4) * 0.292 + qm_amplifier
    if sum_s > 0:
        sum_s += punct_emph_amplifier
    elif sum_s < 0:
        sum_s -= punct_emph_amplifier
    compound = normalize(sum_s)
    pos_sum = 0.0
    neg_sum = 0.0
    neu_count = 0
    for sentiment in sentiments:
        if sentiment > 0:
            pos_sum += float(sentiment) + 1  # compensates for neutral words that are counted as 1
        if sentiment < 0:
            neg_sum += float(sentiment) - 1
        if sentiment == 0:
            neu_count += 1
    if pos_sum > math.fabs(neg_sum):
        pos_sum += punct_emph_amplifier
    elif pos_sum < math.fabs(neg_sum):
        neg_sum -= punct_emph_amplifier
    total = pos_sum + math.fabs(neg_sum) + neu_count
    pos = math.fabs(pos_sum / total)
    neg = math.fabs(neg_sum / total)
    neu = math.fabs(neu_count / total)
    return round(neg, 3), round(neu, 3), round(pos, 3), round(compound, 4)


def _without_emojis(text: str) -> str:
    """Each emoji replaced by its description, spaced from what precedes it (vaderSentiment's first step)."""
    parts: list[str] = []
    prev_space = True
    for ch in text:
        description = _EMOJIS.get(ch) if ch in _EMOJI_CHARS else None
        if description is not None:
            if not prev_space:
                parts.append(" ")
            parts.append(description)
            prev_space = False
        else:
            parts.append(ch)
            prev_space = ch == " "
    return "".join(parts).strip()


def _negated(word: str) -> bool:
    return word in _NEGATE or "n't" in word


def _valence(low: Sequence[str], upper: Sequence[bool], i: int, cap_diff: bool) -> float:
    """vaderSentiment's `sentiment_valence` of lexicon word i (with its negation, idiom and "least" checks)."""
    lex = LEXICON
    word = low[i]
    valence = lex[word]
    n = len(low)
    if word == "no" and i != n - 1 and low[i + 1] in lex:
        valence = 0.0  # "no" negates the next word instead of counting itself
    if (
        (i > 0 and low[i - 1] == "no")
        or (i > 1 and low[i - 2] == "no")
        or (i > 2 and low[i - 3] == "no" and low[i - 1] in ("or", "nor"))
    ):
        valence = lex[word] * N_SCALAR
    if cap_diff and upper[i]:
        valence = valence + C_INCR if valence > 0 else valence - C_INCR
    for start_i in range(3):
        if i <= start_i or (before := low[i - (start_i + 1)]) in lex:
            continue
        scalar = 0.0
        if before in BOOSTER_DICT:
            scalar = BOOSTER_DICT[before]
            if valence < 0:
                scalar *= -1
            if cap_diff and upper[i - (start_i + 1)]:
                scalar = scalar + C_INCR if valence > 0 else scalar - C_INCR
        if start_i == 1 and scalar != 0:
            scalar = scalar * 0.95
        if start_i == 2 and scalar != 0:
            scalar = scalar * 0.9
        valence = valence + scalar
        valence = _negation_check(valence, low, start_i, i)
        if start_i == 2:
            valence = _special_idioms_check(valence, low, i)
    least = i > 0 and low[i - 1] == "least" and "least" not in lex
    if least and (i == 1 or (low[i - 2] != "at" and low[i - 2] != "very")):  # "at least", "very least" do not negate
        valence = valence * N_SCALAR
    return valence


def _negation_check(valence: float, low: Sequence[str], start_i: int, i: int) -> float:
    if start_i == 0:
        if _negated(low[i - 1]):
            valence = valence * N_SCALAR
    elif start_i == 1:
        if low[i - 2] == "never" and (low[i - 1] == "so" or low[i - 1] == "this"):
            valence = valence * 1.25
        elif low[i - 2] == "without" and low[i - 1] == "doubt":
            pass
        elif _negated(low[i - 2]):
            valence = valence * N_SCALAR
    else:
        if (low[i - 3] == "never" and (low[i - 2] == "so" or low[i - 2] == "this")) or (
            low[i - 1] == "so" or low[i - 1] == "this"
        ):
            valence = valence * 1.25
        elif low[i - 3] == "without" and (low[i - 2] == "doubt" or low[i - 1] == "doubt"):
            pass
        elif _negated(low[i - 3]):
            valence = valence * N_SCALAR
    return valence


def _special_idioms_check(valence: float, low: Sequence[str], i: int) -> float:
    """Called for i > 2 only (the third preceding word is read)."""
    w3, w2, w1, w0 = low[i - 3], low[i - 2], low[i - 1], low[i]
    for seq in ((w1, w0), (w2, w1, w0), (w2, w1), (w3, w2, w1), (w3, w2)):
        if seq in _SPECIAL:
            valence = _SPECIAL[seq]
            break
    n = len(low)
    if n - 1 > i and (zero_one := (w0, low[i + 1])) in _SPECIAL:
        valence = _SPECIAL[zero_one]
    if n - 1 > i + 1 and (zero_one_two := (w0, low[i + 1], low[i + 2])) in _SPECIAL:
        valence = _SPECIAL[zero_one_two]
    for n_gram in ((w3, w2, w1), (w3, w2), (w2, w1)):
        if n_gram in _BOOSTER_NGRAMS:
            valence = valence + _BOOSTER_NGRAMS[n_gram]
    return valence


def _but_check(but: int, sentiments: list[float]) -> None:
    """Before the first "but" halved, after it 1.5 times, in place. As vaderSentiment does it: each value's
    position is that of the first equal value in the list as it stands, which is not always its own."""
    for sentiment in sentiments:
        si = sentiments.index(sentiment)
        if si < but:
            sentiments[si] = sentiment * 0.5
        elif si > but:
            sentiments[si] = sentiment * 1.5

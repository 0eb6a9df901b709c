"""Train the shipped Chinese sentiment model (service/scoring/zh_sentiment/) on ../shared/data/zh_sentiment.

Logistic regression over hashed character 1-3 grams (service.scoring.sentiment_zh.buckets), AdaGrad, fixed seed,
pure Python (no new dependency): the same input gives the same bytes. The model is fitted on the random 80 % of
the reviews that eval/sentiment_zh.py does not test on; the temperature that maps its logit to -1..+1 is set so
that -0.4 flags as many positive sentence-length reviews of that split's held-out 20 % as VADER's -0.4 flags
positive English Amazon snippets (human mean > 0) in ../shared/data/vader: an "upset" utterance is equally rare
in praise in both languages.

    .venv/bin/python eval/train_sentiment_zh.py          # about a minute per epoch on one core
"""

import csv
import json
import math
import random
import sys
from array import array
from collections.abc import Sequence
from dataclasses import dataclass

from common import DATA, require

from service.scoring import sentiment_zh
from service.scoring.sentiment_zh import Model, buckets, lexicon_logit, polarity_of_logit

REVIEWS = DATA / "zh_sentiment" / "online_shopping_10_cats.csv"
VADER_AMAZON = DATA / "vader" / "derived" / "amazonReviewSnippets_vaderSentiment-3.3.2_scores.tsv"
SEED = 20261202
BUCKETS = 1 << 20
EPOCHS = 3
LEARNING_RATE = 0.2
MAX_CHARS = 300  # reviews run to thousands of characters; utterances are short
UPSET = -0.4
SENTENCE_CHARS = 40  # reviews up to this long calibrate the scale: about an utterance's length


@dataclass(frozen=True, slots=True)
class Review:
    cat: str
    label: int
    text: str


def reviews() -> list[Review]:
    with require(REVIEWS).open(encoding="utf-8-sig", newline="") as f:
        rows = [Review(r["cat"], int(r["label"]), (r["review"] or "").lstrip("\ufeff")) for r in csv.DictReader(f)]
    return [r for r in rows if r.text.strip()]


def random_split(rows: Sequence[Review], seed: int = SEED) -> tuple[list[Review], list[Review]]:
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    cut = len(order) * 4 // 5
    return [rows[i] for i in order[:cut]], [rows[i] for i in order[cut:]]


def train(rows: Sequence[Review], seed: int = SEED, epochs: int = EPOCHS) -> list[float]:
    """Weights per bucket by AdaGrad on the logistic loss (no regulariser: few epochs); the intercept is fitted
    alongside but not returned (see sentiment_zh.Model)."""
    docs = [(array("i", sorted(buckets(r.text[:MAX_CHARS], BUCKETS))), r.label) for r in rows]
    w = [0.0] * BUCKETS
    g2 = [1e-6] * BUCKETS
    bias, bias_g2 = 0.0, 1e-6
    rng = random.Random(seed)
    for _ in range(epochs):
        rng.shuffle(docs)
        for feats, y in docs:
            z = bias + sum(w[i] for i in feats)
            p = 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))
            g = p - y
            gg = g * g
            for i in feats:
                g2[i] += gg
                w[i] -= LEARNING_RATE * g / math.sqrt(g2[i])
            bias_g2 += gg
            bias -= LEARNING_RATE * g / math.sqrt(bias_g2)
    return w


def quantize(w: Sequence[float], temperature: float = 1.0) -> Model:
    """int8 weights; the intercept is left out (see sentiment_zh.Model)."""
    scale = max(abs(x) for x in w) / 127 or 1.0
    return Model(array("b", (round(x / scale) for x in w)), scale, temperature)


def vader_false_upset_rate() -> float:
    """Share of positive English Amazon snippets that VADER 3.3.2 scores at or below the upset threshold."""
    with require(VADER_AMAZON).open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f, delimiter="\t") if float(r["human_mean"]) > 0]
    return sum(float(r["compound"]) <= UPSET for r in rows) / len(rows)


def calibrate(model: Model, held_out: Sequence[Review], target: float) -> float:
    """The temperature at which the share of positive sentence-length held-out reviews scored <= UPSET is `target`
    (utterances are short, and a long review's logit is larger: calibrating on all reviews would make every
    utterance read mild)."""
    logits = sorted(model.logit(r.text) for r in held_out if r.label == 1 and len(r.text) <= SENTENCE_CHARS)
    z = logits[max(0, math.ceil(target * len(logits)) - 1)]  # that quantile of the positives' logits
    if z >= 0:
        raise ValueError(f"the {target:.1%} quantile of positive logits is {z:+.2f}, not negative")
    # tanh(z / 2T) = UPSET  =>  T = z / (2 atanh(UPSET))
    return z / (2 * math.atanh(UPSET))


def main() -> None:
    train_rows, held_out = random_split(reviews())
    model = quantize(train(train_rows))
    target = vader_false_upset_rate()
    temperature = calibrate(model, held_out, target)
    out = sentiment_zh.MODEL_FILE
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(model.weights.tobytes())
    meta = {
        "buckets": BUCKETS,
        "scale": model.scale,
        "temperature": round(temperature, 4),
        "ngrams": [1, 2, 3],
        "trained_on": f"{REVIEWS.name}, random 80 % (seed {SEED}), {len(train_rows)} reviews, {EPOCHS} epochs",
        "calibration": f"{target:.4f} of positive held-out reviews <= {UPSET} (VADER's rate on Amazon snippets)",
    }
    sentiment_zh.META_FILE.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    nonzero = sum(1 for x in model.weights if x)
    print(f"{len(train_rows)} reviews, {nonzero} of {BUCKETS} buckets non-zero, temperature {temperature:.3f}")
    print(f"wrote {out} ({out.stat().st_size} bytes) and {sentiment_zh.META_FILE.name}")
    for text in ("我要投诉，你们的快递员态度太差了", "好的谢谢", "我的订单号是12345"):
        print(f"  {text}: {polarity_of_logit(model.logit(text), temperature):+.3f} {lexicon_logit(text)[1]}")


if __name__ == "__main__":
    sys.exit(main())

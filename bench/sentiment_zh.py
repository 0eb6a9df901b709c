"""Cost of scoring one utterance: callqa's Chinese analyzer against VADER, in the same run.

Chinese utterances are sentence-length reviews (up to 60 characters) from ../shared/data/zh_sentiment; English
ones the VADER tweets corpus in ../shared/data/vader. Each text is scored once through the uncached path the
scoring core takes on a new utterance (script detection, then the analyzer), timed on its own; medians and 95th
percentiles in milliseconds. The standard's budget is 1 ms per utterance at the median.

    .venv/bin/python bench/sentiment_zh.py [N]        # N utterances of each language, 2000 by default
"""

import csv
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from service.scoring import sentiment_zh
from service.scoring.sentiment import analyzer_of, polarity
from service.standards.schema import SentimentAnalyzers

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
ANALYZERS = SentimentAnalyzers()


def chinese(n: int) -> list[str]:
    with (DATA / "zh_sentiment" / "online_shopping_10_cats.csv").open(encoding="utf-8-sig", newline="") as f:
        texts = [r["review"] for r in csv.DictReader(f) if r["review"] and len(r["review"]) <= 60]
    return texts[:: max(1, len(texts) // n)][:n]


def english(n: int) -> list[str]:
    lines = (DATA / "vader" / "tweets_GroundTruth.txt").read_bytes().decode("utf-8").split("\r\n")
    return [line.split("\t", 2)[2] for line in lines if line][:n]


def timed(score: Callable[[str], float], texts: Sequence[str]) -> list[float]:
    out = []
    for text in texts:
        t0 = time.perf_counter_ns()
        score(text)
        out.append((time.perf_counter_ns() - t0) / 1e6)
    return out


def zh_path(text: str) -> float:
    analyzer_of(text, ANALYZERS)
    return sentiment_zh.score.__wrapped__(text)  # past the cache: every utterance is new


def vader_path(text: str) -> float:
    analyzer_of(text, ANALYZERS)
    return polarity.__wrapped__(text)[3]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    if not (DATA / "zh_sentiment").is_dir():
        sys.exit(f"data not found under {DATA}")
    t0 = time.perf_counter()
    sentiment_zh.shipped()
    print(f"model load {1000 * (time.perf_counter() - t0):.1f} ms (once per process)")
    zh, en = chinese(n), english(n)
    zh_ms, en_ms = timed(zh_path, zh), timed(vader_path, en)
    zh_on_en = timed(vader_path, zh)  # VADER on the same Chinese texts: what the old path cost
    print(f"{'':<34}{'n':>6}{'median ms':>11}{'p95 ms':>9}")
    for name, ms in (
        ("callqa_zh, Chinese utterances", zh_ms),
        ("VADER, English tweets", en_ms),
        ("VADER, the same Chinese utterances", zh_on_en),
    ):
        p95 = statistics.quantiles(ms, n=20)[-1]
        print(f"{name:<34}{len(ms):>6}{statistics.median(ms):>11.4f}{p95:>9.4f}")
    ratio = statistics.median(zh_ms) / statistics.median(en_ms)
    print(f"callqa_zh / VADER per utterance (medians): {ratio:.2f}x; budget 1 ms: {statistics.median(zh_ms) <= 1}")


if __name__ == "__main__":
    main()

"""Sentiment on VADER's own validation corpora (Hutto & Gilbert 2014), through callqa's sentiment path.

Each rated text becomes a customer utterance, is validated by the event contract, folded into a timeline and
summarised by service.scoring.sentiment exactly as a live call is; the compound score callqa reports for it is
then compared with the human mean rating (Pearson r per corpus) and, item by item, with vaderSentiment 3.3.2's
own scores in ../shared/data/vader/derived (|delta compound| must stay below 1e-4).

    .venv/bin/python eval/sentiment_vader.py
"""

import csv
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import correlation

from common import DATA, require

from service.events.decode import Limits, validate_event
from service.events.model import Event
from service.scoring.sentiment import summarize
from service.scoring.timeline import build_timeline
from service.standards.schema import SentimentStandard

CORPORA = {  # file stem -> vaderSentiment 3.3.2's published r on the raw text
    "tweets": 0.872,
    "movieReviewSnippets": 0.427,
    "amazonReviewSnippets": 0.590,
    "nytEditorialSnippets": 0.503,
}
TOLERANCE = 1e-4
T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
LIMITS = Limits(max_text_chars=100_000, max_clock_skew=timedelta(minutes=5), max_batch_events=1)


def ground_truth(path: Path) -> list[tuple[str, float, str]]:
    """ID, mean rating, raw text. CRLF line ends are the only thing taken off: the text goes to VADER as rated."""
    rows = []
    for line in path.read_bytes().decode("utf-8").split("\r\n"):
        if line:
            item_id, mean, text = line.split("\t", 2)
            rows.append((item_id, float(mean), text))
    return rows


def derived(path: Path) -> dict[str, float]:
    with path.open(newline="", encoding="utf-8") as f:
        return {row["id"]: float(row["compound"]) for row in csv.DictReader(f, delimiter="\t")}


def callqa_compound(item_id: str, text: str) -> float:
    """The compound score callqa's scoring core reports for this text said by a customer."""
    wire = {
        "event_id": f"vader-{item_id}",
        "type": "call.utterance",
        "occurred_at": T0.isoformat(),
        "interaction_id": "vader",
        "payload": {"speaker": "customer", "text": text, "offset_ms": 0},
    }
    event = validate_event(wire, 0, LIMITS, T0)
    if not isinstance(event, Event):
        raise ValueError(f"item {item_id} rejected by the event contract: {event.reason}")
    summary = summarize(build_timeline([event]), SentimentStandard())
    value = summary.per_utterance[0].value
    assert value is not None
    return value


def main() -> int:
    folder = require(DATA / "vader")
    ok = True
    print(f"{'corpus':<22}{'n':>7}{'r callqa':>10}{'r 3.3.2':>9}{'max |d compound|':>18}{'items over 1e-4':>17}")
    for stem, published in CORPORA.items():
        items = ground_truth(folder / f"{stem}_GroundTruth.txt")
        reference = derived(folder / "derived" / f"{stem}_vaderSentiment-3.3.2_scores.tsv")
        scores = [callqa_compound(i, text) for i, _, text in items]
        r = correlation([mean for _, mean, _ in items], scores)
        deltas = [abs(s - reference[i]) for (i, _, _), s in zip(items, scores, strict=True)]
        over = sum(d >= TOLERANCE for d in deltas)
        ok &= over == 0 and round(r, 3) == published and len(reference) == len(items)
        print(f"{stem:<22}{len(items):>7}{r:>10.3f}{published:>9.3f}{max(deltas):>18.2e}{over:>17}")
    print("all items within 1e-4 of vaderSentiment 3.3.2 and every r as published" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

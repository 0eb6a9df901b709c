"""The customer-sentiment rule on real dialogues: do the live alert and the final score agree?

Each dialogue of ../shared/data/dialogues (Schema-Guided Dialogue: customer and agent turns; MultiDoGo: the
customer's turns of chats about airlines, fast food, finance, insurance, media and software, with account
numbers, addresses and names) becomes a call scored by the pure core after every turn, as live ingest does; a
call is "alerted" when
customer_sentiment_low is among its breaches after some turn. Printed: calls alerted, alerted calls whose final
score still passes customer_sentiment (a contradiction, 0 by design), and the customer turns VADER scores below
the upset threshold that the rules read as factual (neutral words, numbers, names).

    .venv/bin/python eval/sentiment_rules.py [N]      # the first N dialogues of each, 1000 by default
"""

import csv
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from common import DATA, require

from service.config import DEFAULT_STANDARDS_FILE
from service.events.model import Event, EventType
from service.scoring.breaches import find_breaches
from service.scoring.quality import score_interaction
from service.scoring.sentiment import judged_score, utterance_score
from service.scoring.types import Status
from service.standards.loader import load_standard

SGD = DATA / "dialogues" / "sgd_train.jsonl"
MULTIDOGO = DATA / "dialogues" / "multidogo_train"
T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
Turns = list[tuple[str, str]]


def sgd(n: int) -> Iterator[tuple[str, Turns]]:
    with require(SGD).open(encoding="utf-8") as f:
        for _, line in zip(range(n), f, strict=False):
            d = json.loads(line)
            yield d["dialogue_id"], [(t["speaker"], t["text"]) for t in d["turns"]]


def multidogo(n: int) -> Iterator[tuple[str, Turns]]:
    for path in sorted(require(MULTIDOGO).glob("*.tsv")):
        chats: dict[str, list[tuple[float, str]]] = defaultdict(list)
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f, delimiter="\t"):  # quoted utterances span lines
                chats[row["conversationId"]].append((float(row["turnNumber"]), row["utterance"]))
        for cid, rows in list(chats.items())[: n // 6]:
            yield cid, [("customer", text) for _, text in sorted(rows)]


def events(cid: str, turns: Turns) -> list[Event]:
    out = [Event(f"{cid}-a", EventType.CALL_ANSWERED, T0, cid)]
    for i, (speaker, text) in enumerate(turns):
        payload = {"speaker": speaker, "text": text, "offset_ms": 1000 * (i + 1)}
        out.append(Event(f"{cid}-{i}", EventType.CALL_UTTERANCE, T0 + timedelta(seconds=i + 1), cid, payload=payload))
    return out


def check(name: str, dialogues: list[tuple[str, Turns]]) -> int:
    std = load_standard(DEFAULT_STANDARDS_FILE).standard
    sentiment = std.sentiment
    alerted = contradicted = failed = 0
    upset: Counter[str] = Counter()
    for cid, turns in dialogues:
        evs = events(cid, turns)
        end = T0 + timedelta(seconds=len(evs) + 1)
        fired = False
        for k in range(2, len(evs) + 1):
            score = score_interaction(evs[:k], std, end)
            fired |= any(b.rule == "customer_sentiment_low" for b in find_breaches(score, std))
        ended = [*evs, Event(f"{cid}-end", EventType.CALL_ENDED, end, cid)]
        final = next(i for i in score_interaction(ended, std, end).items if i.id == "customer_sentiment")
        alerted += fired
        failed += final.status is Status.FAIL
        contradicted += fired and final.status is not Status.FAIL
        for speaker, text in turns:
            if speaker == "customer" and utterance_score(text, sentiment) <= sentiment.customer_upset_below:
                upset["factual" if judged_score(text, sentiment) == 0 else "upset"] += 1
    print(
        f"{name}: {len(dialogues)} dialogues; customer_sentiment_low raised in {alerted}, final item failed in {failed}"
    )
    print(f"  alerted but the final score passes customer_sentiment: {contradicted}")
    print(
        f"  customer turns scored <= {sentiment.customer_upset_below}: {sum(upset.values())}, "
        f"read as factual by the rules: {upset['factual']}"
    )
    return contradicted


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    if check("SGD", list(sgd(n))) + check("MultiDoGo", list(multidogo(n))):
        sys.exit("the alert and the final score disagree")


if __name__ == "__main__":
    main()

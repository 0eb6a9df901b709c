"""Personal-data redaction over real text: how many dialogue turns are redacted, against MultiDoGO's slot labels,
and what redaction does to VADER's rated corpora (which texts change, and by how much their sentiment moves).

    .venv/bin/python eval/redaction_dialogues.py [--show N]

Reads ../shared/data/dialogues (SGD: written English, restaurants, flights, banks ...; MultiDoGO: chat-style
customer turns whose tokens carry slot labels such as card_number, ssn, phone_number, email_address). Prints the
turns redacted per corpus and kind, N redacted turns of each corpus to eyeball, and per MultiDoGO label how many
of its labelled turns were redacted (recall) and which other labels' turns were (what is taken for what).
"""

import argparse
import csv
import json
import random
import sys
from collections import Counter
from pathlib import Path

from service.privacy.redact import Redactor
from service.scoring.sentiment import compound
from service.standards.schema import RedactionStandard

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
DATA = SHARED / "dialogues"
PII_LABELS = ("card_number", "ssn", "phonenumber", "phone_number", "email_address")


def sgd_turns() -> list[str]:
    with (DATA / "sgd_train.jsonl").open(encoding="utf-8") as f:
        return [t["text"] for line in f for t in json.loads(line)["turns"]]


def multidogo_turns() -> list[tuple[str, frozenset[str]]]:
    out = []
    for path in sorted((DATA / "multidogo_train").glob("*.tsv")):
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                out.append((row["utterance"] or "", frozenset((row["slot-labels"] or "").split()) - {"O"}))
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--show", type=int, default=15, help="redacted turns of each corpus to print")
    args = parser.parse_args()
    if not DATA.is_dir():
        print(f"no data at {DATA}", file=sys.stderr)
        return 1
    redactor = Redactor(RedactionStandard())
    rng = random.Random(7)
    for name, texts in (("SGD", sgd_turns()), ("MultiDoGO", [t for t, _ in multidogo_turns()])):
        redacted = [(t, r) for t in texts if (r := redactor.redact(t)).kinds]
        kinds = Counter(k for _, r in redacted for k in r.kinds)
        print(f"{name}: {len(redacted)} of {len(texts)} turns redacted; replacements {dict(kinds.most_common())}")
        for t, r in rng.sample(redacted, min(args.show, len(redacted))):
            print(f"    {t!r}\n      -> {r.text!r}")
    labelled = multidogo_turns()
    print("MultiDoGO, per slot label: turns with the label, of them redacted, kinds used")
    for label in (*PII_LABELS, "account_number", "booking_confirmation_number", "claimid", "policyid", "cost"):
        turns = [t for t, labels in labelled if label in labels]
        kinds = Counter(k for t in turns for k in set(redactor.redact(t).kinds))
        hit = sum(bool(redactor.redact(t).kinds) for t in turns)
        print(f"  {label:28} {len(turns):6} {hit:6}  {dict(kinds.most_common())}")
    unlabelled = [t for t, labels in labelled if not labels & set(PII_LABELS)]
    fp = [(t, r) for t in unlabelled if (r := redactor.redact(t)).kinds]
    print(f"MultiDoGO turns with no personal-data label: {len(unlabelled)}, redacted {len(fp)}")
    for t, r in fp[: args.show]:
        print(f"    {t!r}\n      -> {r.text!r}")
    vader(redactor)
    return 0


def vader(redactor: Redactor) -> None:
    texts = []
    for path in sorted((SHARED / "vader").glob("*_GroundTruth.txt")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            parts = line.split("\t")
            if len(parts) >= 3:
                texts.append(parts[2])
    changed = [(t, r.text) for t in texts if (r := redactor.redact(t)).kinds]
    moved = max((abs(compound(after) - compound(before)) for before, after in changed), default=0.0)
    print(f"VADER corpora: {len(changed)} of {len(texts)} texts redacted; largest change of compound {moved:.4f}")
    for before, after in changed:
        print(f"    {before!r}\n      -> {after!r}")


if __name__ == "__main__":
    raise SystemExit(main())

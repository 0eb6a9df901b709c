"""Phrase packs on labelled dialogues: precision, recall and F1 per rule, and the calls a rule fails although
the wording is there.

    .venv/bin/python eval/phrase_rules.py [--standard FILE] [--examples N]

Data (../shared/data/dialogues, public train splits; skipped with a message when absent):
- SGD (`sgd_train.jsonl`), agent turns: `closing` against the act GOODBYE, `offer_further_help` against REQ_MORE.
- MultiDoGo (`multidogo_train/*.tsv`), customer turns: the `greeting` rule's pack against the intent
  openinggreeting, the `closing` rule's pack against closinggreeting (how customers spell in chat and fast
  speech-to-text).
A turn counts as found when the rule's matcher finds its wording there, knowing whether the turn is its
speaker's first or last (phrases bound to a turn count only there) and whose turn it is (a condition such as
`unless_turn_also: {customer: ...}` applies to customer turns only). The call-level lines replay each SGD dialogue
as a call (one turn every 5 s, then the call ends) and judge it with the rule itself, window and all.

Every dialogue goes to half A or half B by a SHA-1 of its id. The packs were developed looking at half A only;
half B is reported as held out. Unseen dialogues of the same kinds are the real test: the packs describe how
people speak (word classes, optional words), not these files' strings.
"""

import argparse
import csv
import hashlib
import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import DATA

from service.events.model import Event, EventType
from service.scoring.script_compliance import evaluate_rule, matcher_for
from service.scoring.text_match import TurnPosition
from service.scoring.timeline import build_timeline
from service.scoring.types import Status
from service.standards.loader import load_standard
from service.standards.schema import ScriptRule, Standard

DIALOGUES = DATA / "dialogues"
DEFAULT_STANDARD = Path(__file__).resolve().parents[1] / "service" / "standards" / "default.yaml"
T0 = datetime(2019, 1, 1, tzinfo=UTC)

# (rule id, corpus, speaker, label) measured turn by turn
TURN_CHECKS = (
    ("closing", "sgd", "agent", "GOODBYE"),
    ("offer_further_help", "sgd", "agent", "REQ_MORE"),
    ("greeting", "multidogo", "customer", "openinggreeting"),
    ("closing", "multidogo", "customer", "closinggreeting"),
)
# The reference point: what one plain regular expression per rule finds (column "naive F1").
NAIVE = {
    "closing": re.compile(r"\b(bye|goodbye|good bye|have a \w+ day|take care|see you)\b", re.IGNORECASE),
    "offer_further_help": re.compile(r"\b(anything else|something else|further help|more help)\b", re.IGNORECASE),
    "greeting": re.compile(r"\b(hi|hello|hey|good (morning|afternoon|evening))\b", re.IGNORECASE),
}
# (rule id, label, what the report calls it)
CALL_CHECKS = (("closing", "GOODBYE", "closing"), ("offer_further_help", "REQ_MORE", "offer"))


@dataclass(frozen=True, slots=True)
class Turn:
    speaker: str
    text: str
    labels: frozenset[str]


@dataclass(frozen=True, slots=True)
class Dialogue:
    id: str
    corpus: str
    turns: tuple[Turn, ...]


def half_of(dialogue_id: str) -> str:
    return "A" if hashlib.sha1(dialogue_id.encode()).digest()[0] % 2 == 0 else "B"


def read_sgd(path: Path) -> Iterator[Dialogue]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            turns = tuple(Turn(t["speaker"], t["text"], frozenset(t["acts"])) for t in d["turns"])
            yield Dialogue(f"sgd:{d['dialogue_id']}", "sgd", turns)


def read_multidogo(folder: Path) -> Iterator[Dialogue]:
    for path in sorted(folder.glob("*.tsv")):
        conversations: dict[str, list[tuple[float, Turn]]] = defaultdict(list)
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                turn = Turn("customer", row["utterance"] or "", frozenset((row["intent"] or "").split("<div>")))
                conversations[row["conversationId"]].append((float(row["turnNumber"]), turn))
        for cid, rows in conversations.items():
            rows.sort(key=lambda r: r[0])
            yield Dialogue(f"multidogo:{path.stem}:{cid}", "multidogo", tuple(t for _, t in rows))


@dataclass(slots=True)
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    misses: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    naive: list[int] = field(default_factory=lambda: [0, 0, 0])  # tp, fp, fn of the naive regex
    wrong_labels: Counter[str] = field(default_factory=Counter)

    @staticmethod
    def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        return p, r, 2 * p * r / (p + r) if p + r else 0.0

    def line(self, name: str) -> str:
        p, r, f1 = self.prf(self.tp, self.fp, self.fn)
        naive = self.prf(*self.naive)[2]
        return f"{name:<50} {self.tp + self.fn:>6} {self.tp + self.fp:>6} {p:>9.3f} {r:>7.3f} {f1:>6.3f} {naive:>8.3f}"


def turn_counts(dialogues: list[Dialogue], std: Standard, rule: ScriptRule, speaker: str, label: str) -> Counts:
    find = matcher_for(rule, std).find
    counts = Counts()
    for d in dialogues:
        own = [t for t in d.turns if t.speaker == speaker]
        for i, t in enumerate(own):
            # phrases bound to a turn are about the rule's own speaker (the agent's last turn): never a customer's
            own_turn = speaker == rule.speaker
            position = TurnPosition(first=own_turn and i == 0, last=own_turn and i == len(own) - 1, speaker=speaker)
            found = find(t.text, position) is not None
            labelled = label in t.labels
            naive = NAIVE[rule.id].search(t.text) is not None
            counts.naive[0 if naive and labelled else 1 if naive else 2] += naive or labelled
            if found and labelled:
                counts.tp += 1
            elif found:
                counts.fp += 1
                counts.wrong.append(t.text)
                counts.wrong_labels.update(t.labels)
            elif labelled:
                counts.fn += 1
                counts.misses.append(t.text)
    return counts


def as_call(d: Dialogue) -> list[Event]:
    def event(n: int, kind: EventType, seconds: float, **payload: object) -> Event:
        at = T0 + timedelta(seconds=seconds)
        return Event(event_id=f"{d.id}:{n}", type=kind, occurred_at=at, interaction_id=d.id, payload=payload)

    events = [event(0, EventType.CALL_ANSWERED, 0)]
    for n, t in enumerate(d.turns, start=1):
        events.append(event(n, EventType.CALL_UTTERANCE, 5 * n, speaker=t.speaker, text=t.text, offset_ms=5000 * n))
    events.append(event(len(d.turns) + 1, EventType.CALL_ENDED, 5 * len(d.turns) + 5))
    return events


def call_lines(dialogues: list[Dialogue], std: Standard) -> list[str]:
    rules = {r.id: r for r in std.script_rules}
    judged = [(d, build_timeline(as_call(d))) for d in dialogues]
    lines = []
    for rule_id, label, what in CALL_CHECKS:
        rule = rules[rule_id]
        n = rule.window.turns  # type: ignore[union-attr]  # both are last_turns windows
        present = failed = passed_without = without = 0
        for d, tl in judged:
            agent = [t for t in d.turns if t.speaker == "agent"]
            window = agent[max(len(agent) - n, 1 if len(agent) > 1 else 0) :]  # as the rule's window
            status = evaluate_rule(rule, tl, std, tl.ended_at or T0).status
            if any(label in t.labels for t in window):
                present += 1
                failed += status is Status.FAIL
            else:
                without += 1
                passed_without += status is Status.PASS
        lines.append(
            f"calls failed '{what} missing' although the {what} is in the last {n} agent turns: "
            f"{failed} of {present} ({100 * failed / max(present, 1):.1f} %)"
        )
        lines.append(
            f"calls passed '{what}' with no labelled {what} in the last {n} agent turns: "
            f"{passed_without} of {without} ({100 * passed_without / max(without, 1):.1f} %)"
        )
    return lines


def report(name: str, dialogues: list[Dialogue], std: Standard, examples: int) -> None:
    sgd = [d for d in dialogues if d.corpus == "sgd"]
    multidogo = [d for d in dialogues if d.corpus == "multidogo"]
    print(f"\nhalf {name}: {len(sgd)} SGD dialogues, {len(multidogo)} MultiDoGo conversations")
    print(
        f"{'rule (data: label)':<50} {'label':>6} {'found':>6} {'precision':>9} {'recall':>7} {'F1':>6} {'naive F1':>8}"
    )
    rules = {r.id: r for r in std.script_rules}
    for rule_id, corpus, speaker, label in TURN_CHECKS:
        counts = turn_counts(sgd if corpus == "sgd" else multidogo, std, rules[rule_id], speaker, label)
        print(counts.line(f"{rule_id} ({corpus} {speaker}: {label})"))
        if corpus == "multidogo":  # one intent per turn: "thank you bye" is labelled thankyou, not a closing
            top = ", ".join(f"{k} {v}" for k, v in counts.wrong_labels.most_common(3))
            print(f"    the {counts.fp} turns found but labelled otherwise are labelled: {top}")
        for kind, texts in (("missed", counts.misses), ("wrongly found", counts.wrong)):
            for text in texts[:examples]:
                print(f"    {kind}: {text}")
    for line in call_lines(sgd, std):
        print(line)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--standard", type=Path, default=DEFAULT_STANDARD)
    parser.add_argument("--examples", type=int, default=0, help="print this many missed / wrong turns per rule")
    parser.add_argument("--half", choices=("A", "B"), help="only this half")
    args = parser.parse_args()
    sgd_file, multidogo_dir = DIALOGUES / "sgd_train.jsonl", DIALOGUES / "multidogo_train"
    if not sgd_file.exists() or not multidogo_dir.exists():
        print(f"skipped: the labelled dialogues are not here ({DIALOGUES}; ../shared/data is not part of a clone)")
        return 0
    std = load_standard(args.standard).standard
    dialogues = [*read_sgd(sgd_file), *read_multidogo(multidogo_dir)]
    print(f"standard {std.version} ({args.standard.name}); halves by SHA-1 of the dialogue id")
    for name in (args.half,) if args.half else ("A", "B"):
        label = "A (development)" if name == "A" else "B (held out)"
        report(label, [d for d in dialogues if half_of(d.id) == name], std, args.examples)
    return 0


if __name__ == "__main__":
    sys.exit(main())

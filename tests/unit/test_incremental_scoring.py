"""Incremental scoring (a live state folded event by event, refolded from scratch when an event arrives out of
order, its running judgement advanced turn by turn) gives exactly the score of a full rescore, on real dialogues
(ABCD, Schema-Guided Dialogue, and Chinese calls of the standard's Chinese phrases and real Chinese reviews) in
random arrival orders and batches, final or not, at random moments."""

import csv
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.config import DEFAULT_STANDARDS_FILE
from service.events.model import Event, EventType
from service.interactions.live import LiveState
from service.scoring.quality import score_interaction, score_timeline
from service.scoring.timeline import build_timeline
from service.standards.loader import load_standard
from service.standards.schema import CALL_ONLY_WINDOWS, Standard

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
ABCD = DATA / "abcd" / "abcd_sample.json"
SGD = DATA / "dialogues" / "sgd_train.jsonl"
ZH_REVIEWS = DATA / "zh_sentiment" / "online_shopping_10_cats.csv"
pytestmark = pytest.mark.skipif(
    not (ABCD.is_file() and SGD.is_file() and ZH_REVIEWS.is_file()), reason=f"reference data not found in {DATA}"
)
STANDARD = load_standard(DEFAULT_STANDARDS_FILE).standard
T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
Dialogue = list[tuple[str, str]]


def _abcd() -> list[Dialogue]:
    convos = json.loads(ABCD.read_text()) if ABCD.is_file() else []
    return [[(s, t) for s, t in c["original"] if s in ("agent", "customer")] for c in convos[:200]]


def _sgd() -> list[Dialogue]:
    if not SGD.is_file():
        return []
    with SGD.open() as f:
        lines = [line for _, line in zip(range(200), f, strict=False)]
    return [[(t["speaker"], t["text"]) for t in json.loads(line)["turns"]] for line in lines]


def _plain(phrase: str) -> str:
    """One wording of a phrase of the phrase syntax: optional parts left out, the first alternative taken."""
    phrase = re.sub(r"\[[^\]]*\]|\{[^}]*\}|\.\.\.|[\^$]", "", phrase)
    return re.sub(r"\(([^|)]*)[^)]*\)", r"\1", phrase).strip()


def _chinese() -> list[Dialogue]:
    """Calls in Chinese: the agent says the standard's Chinese phrases (any rule's, forbidden ones too) between
    real sentences; the customer's turns are real Chinese reviews, angry and happy."""
    if not ZH_REVIEWS.is_file():
        return []
    with ZH_REVIEWS.open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["review"].strip()]
    angry, happy = ([r["review"].strip()[:120] for r in rows if r["label"] == label][::97][:100] for label in "01")
    reviews = [r for pair in zip(angry, happy, strict=False) for r in pair]
    phrases = [
        _plain(p if isinstance(p, str) else p.say) for rule in STANDARD.script_rules for p in rule.phrases.get("zh", ())
    ]
    out = []
    for n in range(0, len(reviews) - 12, 6):
        turns = []
        for k in range(12):
            if k % 2:
                turns.append(("customer", reviews[n + k]))
            else:
                said = phrases[(n * 7 + k * 3) % len(phrases)]
                turns.append(("agent", f"{said}，{reviews[n + k][:30]}" if k % 4 else said))
        out.append(turns)
    return out


DIALOGUES = _abcd() + _sgd() + _chinese()


def _every_window() -> Standard:
    """The default standard, plus a rule of every window, requirement and speaker saying the closing and empathy
    phrases: phrases bound to the speaker's first and last turn, judged in every window."""
    data = STANDARD.model_dump()
    data["script_rules"] = list(data["script_rules"])
    packs = [r["phrases"] for r in data["script_rules"] if r["id"] in ("closing", "empathy_when_upset")]
    phrases = {lang: [p for pack in packs for p in pack.get(lang, ())] for lang in STANDARD.languages}
    windows = [
        {"kind": "first_turns", "turns": 2},
        {"kind": "last_turns", "turns": 2},
        {"kind": "within_seconds_of_answer", "seconds": 15},
        {"kind": "anywhere"},
        {"kind": "before_hold", "turns": 2},
        {"kind": "after_customer_upset", "turns": 2},
    ]
    for w in windows:
        for requirement in ("required", "forbidden"):
            for speaker in ("agent", "customer"):
                data["script_rules"].append(
                    {
                        "id": f"{requirement}_{w['kind']}_{speaker}",
                        "description": "every window",
                        "speaker": speaker,
                        "requirement": requirement,
                        "window": w,
                        "phrases": phrases,
                        "applies_to": {"call"} if w["kind"] in CALL_ONLY_WINDOWS else {"call", "ticket"},
                    }
                )
    data["version"] += "-every-window"
    return Standard.model_validate(data)


STANDARDS = [STANDARD, _every_window()]


def _event(i: str, kind: EventType, at: datetime, payload: dict[str, Any] | None = None) -> Event:
    return Event(f"e-{i}", kind, at, "x-1", "a-1", "t-1", "q-1", payload or {})


def call_events(turns: list[tuple[str, str]], draw: st.DrawFn) -> list[Event]:
    answered = T0 + timedelta(seconds=draw(st.integers(0, 90)))
    out = [_event("off", EventType.CALL_OFFERED, T0), _event("ans", EventType.CALL_ANSWERED, answered)]
    offset = 0
    for n, (speaker, text) in enumerate(turns):
        offset += draw(st.integers(0, 9000))  # equal offsets happen: seq orders them
        at = answered + timedelta(milliseconds=offset)
        payload = {"speaker": speaker, "text": text, "offset_ms": offset, "seq": n}
        out.append(_event(f"u{n}", EventType.CALL_UTTERANCE, at, payload))
    end = answered + timedelta(milliseconds=offset + 1000)
    if draw(st.booleans()):
        hold = answered + timedelta(milliseconds=draw(st.integers(0, offset + 1)))
        out.append(_event("hold", EventType.CALL_HOLD, hold))
        if draw(st.booleans()):
            out.append(_event("res", EventType.CALL_RESUMED, hold + timedelta(seconds=draw(st.integers(1, 200)))))
    if draw(st.booleans()):
        out.append(_event("end", EventType.CALL_ENDED, end))
    return out


def ticket_events(turns: list[tuple[str, str]], draw: st.DrawFn) -> list[Event]:
    out = [_event("new", EventType.TICKET_CREATED, T0, {"priority": 2, "subject": turns[0][1][:100]})]
    at = T0
    for n, (speaker, text) in enumerate(turns):
        at += timedelta(minutes=draw(st.integers(0, 600)))
        out.append(_event(f"r{n}", EventType.TICKET_REPLIED, at, {"author": speaker, "text": text}))
    if draw(st.booleans()):
        out.append(_event("done", EventType.TICKET_RESOLVED, at + timedelta(hours=1)))
    return out


@st.composite
def arrivals(draw: st.DrawFn) -> tuple[list[Event], list[list[Event]], datetime]:
    """One interaction's events, and the batches they arrive in (mostly in order, sometimes shuffled)."""
    dialogue = draw(st.sampled_from(DIALOGUES))
    turns = dialogue[: draw(st.integers(1, len(dialogue)))]
    events = (call_events if draw(st.booleans()) else ticket_events)(turns, draw)
    events.sort(key=lambda e: e.occurred_at)
    if draw(st.booleans()):
        events = draw(st.permutations(events))
    cuts = sorted(draw(st.sets(st.integers(1, len(events)), max_size=8)) | {len(events)})
    batches, start = [], 0
    for cut in cuts:
        batches.append(events[start:cut])
        start = cut
    now = max(e.occurred_at for e in events) + timedelta(seconds=draw(st.integers(0, 7 * 86400)))
    return events, batches, now


@given(arrivals(), st.data())
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_incremental_equals_full_rescore(
    case: tuple[list[Event], list[list[Event]], datetime], data: st.DataObject
) -> None:
    events, batches, now = case
    standard = data.draw(st.sampled_from(STANDARDS))
    state: LiveState | None = None
    seen: list[Event] = []
    for batch in batches:
        seen += batch
        # What the pipeline does: extend the live state in place, or fold everything stored again when it cannot
        # (a state a rolled-back batch extended is never used again: the pipeline took it out of the live table).
        state = state if state and state.extend(batch) else LiveState.of(seen)
        assert state.fold.timeline() == build_timeline(seen)
        at = now - timedelta(seconds=data.draw(st.integers(0, 3 * 86400)))
        running = state.scoring(standard)
        score = score_timeline(state.fold.timeline(), standard, at, per_utterance=False, running=running)
        assert score == score_interaction(seen, standard, at, per_utterance=False)
    assert state is not None and state.event_count == len(events)


def test_in_order_events_never_refold() -> None:
    """A call posted one event at a time, in order, is folded incrementally to the end."""
    answered = T0 + timedelta(seconds=5)
    events = [_event("off", EventType.CALL_OFFERED, T0), _event("ans", EventType.CALL_ANSWERED, answered)]
    for n, (speaker, text) in enumerate(max(DIALOGUES, key=len)):
        payload = {"speaker": speaker, "text": text, "offset_ms": 2000 * (n + 1)}
        events.append(_event(f"u{n}", EventType.CALL_UTTERANCE, answered + timedelta(seconds=2 * (n + 1)), payload))
    events.append(_event("end", EventType.CALL_ENDED, events[-1].occurred_at + timedelta(seconds=1)))
    state = LiveState.of(events[:1])
    for e in events[1:]:
        assert state.extend([e]), e.event_id
    assert state.fold.timeline() == build_timeline(events)


def test_a_late_answer_refolds() -> None:
    """Utterance times hang on the answer: an answer arriving after them cannot be folded in."""
    u = _event("u", EventType.CALL_UTTERANCE, T0, {"speaker": "agent", "text": "hello", "offset_ms": 500})
    state = LiveState.of([u])
    assert not state.extend([_event("ans", EventType.CALL_ANSWERED, T0 + timedelta(seconds=1))])

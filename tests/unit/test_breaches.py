"""Breaches: which alert rules an interaction's score fires, at what severity, under keys stable across rescoring."""

import pytest

from service.scoring.breaches import find_breaches
from service.scoring.quality import score_interaction
from service.scoring.types import Breach
from tests.factories import at, call, default_standard, rule, standard, ticket, utterance

STD = default_standard()
RUDE = [
    ("agent", "yeah what do you want", 1000),
    ("customer", "My bill is wrong again, this is ridiculous and I am very angry.", 4000),
    ("agent", "Calm down, that's not my problem.", 8000),
    ("customer", "Unbelievable. Terrible service, I hate this.", 12000),
    ("customer", "This is the worst service ever, I am furious.", 14000),  # sentiment is judged after 3 turns
    ("agent", "ok bye", 15000),
]


def breaches(events: list, now: float, std=STD) -> dict[str, Breach]:
    found = find_breaches(score_interaction(events, std, at(now)), std)
    keys = [b.key for b in found]
    assert len(keys) == len(set(keys)), f"duplicate keys {keys}"
    return {b.key: b for b in found}


def test_a_rude_call_while_it_goes_on() -> None:
    got = breaches(call(answered=30, utterances=RUDE, holds=[(50, None)]), 200)
    assert {k: (b.rule, b.severity) for k, b in got.items()} == {
        "answer_wait_exceeded:answer_time": ("answer_wait_exceeded", "warning"),
        "hold_exceeded:hold_time": ("hold_exceeded", "info"),
        "required_phrase_missed:greeting": ("required_phrase_missed", "warning"),
        "required_phrase_missed:self_identification": ("required_phrase_missed", "warning"),
        "required_phrase_missed:empathy_when_upset": ("required_phrase_missed", "warning"),
        "required_phrase_missed:ask_before_hold": ("required_phrase_missed", "warning"),
        "forbidden_phrase:no_forbidden_phrases": ("forbidden_phrase", "critical"),
        "customer_sentiment_low": ("customer_sentiment_low", "warning"),
    }
    forbidden = got["forbidden_phrase:no_forbidden_phrases"]
    assert [e.matched_text for e in forbidden.evidence] == ["Calm down", "not my problem"]
    assert forbidden.at == at(30 + 8)
    assert forbidden.message.startswith("no_forbidden_phrases: forbidden phrase said 2 time(s)")


def test_verdict_alert_only_once_final() -> None:
    live = breaches(call(answered=30, utterances=RUDE), 60)
    assert not {"critical_item_failed", "quality_below_pass_mark"} & set(live)
    final = breaches(call(answered=30, utterances=RUDE, ended=60), 60)
    verdict = final["critical_item_failed"]
    assert (verdict.rule, verdict.severity, verdict.at) == ("critical_item_failed", "critical", at(60))
    assert "failed: answer_time" in verdict.message and "no_forbidden_phrases" in verdict.message
    assert "quality_below_pass_mark" not in final
    # rules of the last turns are judged at the end, not before
    assert "required_phrase_missed:offer_further_help" in final
    assert "required_phrase_missed:offer_further_help" not in live


def test_quality_below_pass_mark_without_a_critical_failure() -> None:
    events = call(answered=30, utterances=[("agent", "yes?", 1000), ("customer", "ok", 2000)], ended=40)
    got = breaches(events, 40)
    verdict = got["quality_below_pass_mark"]
    assert (verdict.rule, verdict.severity) == ("quality_below_pass_mark", "warning")
    assert verdict.message.startswith("quality score ") and "(pass mark 80)" in verdict.message


def test_a_good_call_breaches_nothing() -> None:
    events = call(
        answered=8,
        utterances=[
            ("agent", "Hello, my name is Ann.", 1000),
            ("customer", "Hi.", 3000),
            ("agent", "Anything else I can help you with? Have a nice day!", 6000),
        ],
        ended=20,
    )
    assert breaches(events, 20) == {}


def test_answer_wait_alert_while_the_call_is_still_queued() -> None:
    assert breaches(call(), 20) == {}
    got = breaches(call(), 21)
    assert list(got) == ["answer_wait_exceeded:answer_time"]
    assert got["answer_wait_exceeded:answer_time"].at == at(20)  # the deadline that passed


def test_required_phrase_with_a_deadline_alerts_with_no_new_event() -> None:
    events = call(answered=10, utterances=[("agent", "Hello.", 1000)])
    assert "required_phrase_missed:self_identification" not in breaches(events, 25)
    late = breaches(events, 26)["required_phrase_missed:self_identification"]
    assert late.at == at(25)


def test_keys_are_stable_across_rescoring() -> None:
    events = call(answered=30, utterances=RUDE[:3])
    first = breaches(events, 60)
    more = [*events, utterance("agent", "calm down!", 20000, answered=30, event_id="late")]
    again = breaches(more, 300)
    assert set(first) <= set(again)
    assert first["forbidden_phrase:no_forbidden_phrases"].key == again["forbidden_phrase:no_forbidden_phrases"].key
    assert len(again["forbidden_phrase:no_forbidden_phrases"].evidence) == 3


def test_ticket_overdue() -> None:
    got = breaches(ticket(complaint_level=1), 2 * 3600 + 1)
    assert {k: b.severity for k, b in got.items()} == {"ticket_first_reply_overdue:first_reply_time": "warning"}
    got = breaches(ticket(replies=[("agent", "Hello, kind regards", 60)]), 73 * 3600)
    assert {k: b.severity for k, b in got.items()} == {"ticket_resolution_overdue:resolution_time": "info"}


GREET = "required_phrase_missed:greet"


@pytest.mark.parametrize(
    ("std", "key", "severity"),
    [
        # severities come from the standard
        (STD, "answer_wait_exceeded:answer_time", "warning"),
        (
            standard(alerts={"severities": {"answer_wait_exceeded": "critical"}}),
            "answer_wait_exceeded:answer_time",
            "critical",
        ),
        # a rule may set its own
        (standard(rule("greet", {"kind": "first_turns", "turns": 1}, ["hello"])), GREET, "warning"),
        (standard(rule("greet", {"kind": "first_turns", "turns": 1}, ["hello"], alert_severity="info")), GREET, "info"),
        # a critical item always alerts as critical
        (standard(rule("greet", {"kind": "first_turns", "turns": 1}, ["hello"], critical=True)), GREET, "critical"),
        (standard(quality={"critical_items": ["answer_time"]}), "answer_wait_exceeded:answer_time", "critical"),
    ],
)
def test_severity(std, key: str, severity: str) -> None:
    got = breaches(call(answered=30, utterances=[("agent", "yes?", 1000)]), 60, std)
    assert got[key].severity == severity


def test_disabled_rules_do_not_fire() -> None:
    std = standard(alerts={"enabled": ["forbidden_phrase"]})
    got = breaches(call(answered=30, utterances=RUDE, ended=60), 60, std)
    assert list(got) == ["forbidden_phrase:no_forbidden_phrases"]


@pytest.mark.parametrize(
    ("events", "now", "key", "breached"),
    [
        # a late answer breached the standard when the 20 s limit passed, not when the call was offered
        (call(answered=45, ended=300), 300, "answer_wait_exceeded:answer_time", at(20)),
        # a hold over the 120 s limit, from the moment it passed the limit
        (call(answered=5, holds=[(30, 200)], ended=300), 300, "hold_exceeded:hold_time", at(150)),
        (call(answered=5, holds=[(30, None)]), 400, "hold_exceeded:hold_time", at(150)),
    ],
)
def test_breach_time_is_when_the_limit_passed(events: list, now: float, key: str, breached) -> None:
    assert breaches(events, now)[key].at == breached


def test_ticket_breach_time_is_created_plus_its_deadline() -> None:
    late_reply = ticket(complaint_level=1, replies=[("agent", "Sorry for the trouble.", 3 * 3600)])
    got = breaches(late_reply, 4 * 3600)
    assert got["ticket_first_reply_overdue:first_reply_time"].at == at(2 * 3600)


def test_verdict_carries_the_failed_items_evidence() -> None:
    verdict = breaches(call(answered=30, utterances=RUDE, ended=60), 60)["critical_item_failed"]
    notes = [e.note for e in verdict.evidence]
    assert "no_forbidden_phrases failed (critical): forbidden phrase said 2 time(s)" in notes
    assert any(n.startswith("answer_time failed: answer after 30 s") for n in notes)
    said = [e for e in verdict.evidence if e.note.startswith("no_forbidden_phrases: ")]
    assert [e.matched_text for e in said] == ["Calm down", "not my problem"]

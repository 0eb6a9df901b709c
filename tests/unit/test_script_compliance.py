"""Script compliance: every window kind judged pass / fail / pending / not applicable, with evidence;
the default English and Chinese phrase packs on transcript-like text."""

import pytest

from service.scoring.quality import ScoreFold, score_interaction, score_timeline
from service.scoring.script_compliance import evaluate_rule, evaluate_script, matcher_for
from service.scoring.timeline import TimelineFold, build_timeline
from service.scoring.types import InteractionScore, ScoreItem, Status
from tests.factories import at, call, default_standard, rule, standard, ticket

ANSWERED = 10  # every call here is answered 10 s after it was offered; utterance offsets count from then
UPSET = "This is terrible, I am really angry!"  # VADER compound -0.79, below the -0.4 upset threshold
CALM = "ok"


def judge(rule_data: dict, utterances=(), *, ended: float | None = None, now: float = 1000, **call_kw) -> ScoreItem:
    std = standard(rule_data)
    events = call(answered=call_kw.pop("answered", ANSWERED), utterances=utterances, ended=ended, **call_kw)
    return evaluate_rule(std.script_rules[0], build_timeline(events), std, at(now))


def evidence_of(item: ScoreItem) -> list[tuple]:
    """(event_id, offset_ms, matched_text) of each matched utterance, notes of everything else."""
    return [(e.event_id, e.offset_ms, e.matched_text) if e.matched_text else e.note for e in item.evidence]


# --------------------------------------------------------------------------------------------------
# first_turns

GREET = rule("greet", {"kind": "first_turns", "turns": 2}, ["hello", "thank you for calling"], zh=["您好"])


@pytest.mark.parametrize(
    ("utterances", "ended", "status", "evidence"),
    [
        ([("agent", "Hello, this is Acme.", 1000)], None, Status.PASS, [("call-1:u0", 1000, "Hello")]),
        (
            [("customer", "hello?", 500), ("agent", "Good day.", 1000), ("agent", "Thank you for calling Acme!", 3000)],
            None,
            Status.PASS,
            [("call-1:u2", 3000, "Thank you for calling")],
        ),
        (
            [("agent", "Good day.", 1000), ("agent", "How can I help?", 3000), ("agent", "hello", 5000)],
            None,
            Status.FAIL,
            ["searched 2 agent turns: call-1:u0, call-1:u1"],
        ),
        ([("agent", "Good day.", 1000)], None, Status.PENDING, []),
        ([("agent", "Good day.", 1000)], 60, Status.FAIL, ["searched 1 agent turns: call-1:u0"]),
        ([], None, Status.PENDING, []),
        ([], 60, Status.NOT_APPLICABLE, []),
        ([("customer", "hello", 1000)], 60, Status.NOT_APPLICABLE, []),
    ],
)
def test_first_turns(utterances, ended, status, evidence) -> None:
    item = judge(GREET, utterances, ended=ended)
    assert item.status is status
    assert evidence_of(item) == evidence
    assert (item.category, item.requirement, item.weight) == ("compliance", "required", 10)


def test_evidence_carries_the_utterance() -> None:
    item = judge(GREET, [("agent", "Well... HELLO there, welcome!", 2500)])
    (ev,) = item.evidence
    assert (ev.event_id, ev.at, ev.offset_ms, ev.speaker) == ("call-1:u0", at(ANSWERED + 2.5), 2500, "agent")
    assert (ev.text, ev.matched_text, ev.phrase, ev.method, ev.similarity) == (
        "Well... HELLO there, welcome!",
        "HELLO",
        "hello",
        "exact",
        1.0,
    )


# --------------------------------------------------------------------------------------------------
# last_turns: pending until the interaction is final

CLOSE = rule("close", {"kind": "last_turns", "turns": 2}, ["goodbye", "have a nice day"])


@pytest.mark.parametrize(
    ("utterances", "ended", "status", "evidence"),
    [
        ([("agent", "Goodbye!", 1000)], None, Status.PENDING, []),
        (
            [("agent", "Hello", 1000), ("agent", "Have a nice day, goodbye.", 2000), ("customer", "bye", 3000)],
            60,
            Status.PASS,
            [("call-1:u1", 2000, "Have a nice day")],
        ),
        (
            [("agent", "have a nice day", 1000), ("agent", "one more thing", 2000), ("agent", "right", 3000)],
            60,
            Status.FAIL,
            ["searched 2 agent turns: call-1:u1, call-1:u2"],
        ),
        ([("customer", "goodbye", 1000)], 60, Status.NOT_APPLICABLE, []),
        # the opening turn is not taken as the closing while there are others ...
        (
            [("agent", "Goodbye... I mean hello!", 1000), ("agent", "Let me see.", 2000)],
            60,
            Status.FAIL,
            ["searched 1 agent turns: call-1:u1"],
        ),
        # ... but a one-turn call has only that one
        ([("agent", "Sorry, wrong number, goodbye.", 1000)], 60, Status.PASS, [("call-1:u0", 1000, "goodbye")]),
    ],
)
def test_last_turns(utterances, ended, status, evidence) -> None:
    item = judge(CLOSE, utterances, ended=ended)
    assert item.status is status
    assert evidence_of(item) == evidence


# --------------------------------------------------------------------------------------------------
# within_seconds_of_answer: pending, then failed after the deadline even with no new event

NAME = rule("name", {"kind": "within_seconds_of_answer", "seconds": 15}, ["my name is"])
NAME_DEADLINE = at(ANSWERED + 15)


@pytest.mark.parametrize(
    ("utterances", "ended", "now", "status", "deadline", "evidence"),
    [
        ([("agent", "Hi, my name is Ann.", 5000)], None, 20, Status.PASS, None, [("call-1:u0", 5000, "my name is")]),
        ([("agent", "My name is Ann.", 15000)], None, 30, Status.PASS, None, [("call-1:u0", 15000, "My name is")]),
        ([("agent", "Hello.", 2000)], None, 20, Status.PENDING, NAME_DEADLINE, []),
        ([("agent", "Hello.", 2000)], None, 25, Status.PENDING, NAME_DEADLINE, []),
        ([("agent", "Hello.", 2000)], None, 25.5, Status.FAIL, NAME_DEADLINE, ["searched 1 agent turns: call-1:u0"]),
        ([], None, 40, Status.FAIL, NAME_DEADLINE, ["searched 0 agent turns: none"]),
        (
            [("agent", "Hello.", 2000), ("agent", "My name is Ann.", 16000)],
            None,
            40,
            Status.FAIL,
            NAME_DEADLINE,
            ["searched 1 agent turns: call-1:u0"],
        ),
        # the call ended before the deadline without it
        ([("agent", "Hello.", 2000)], 18, 18, Status.FAIL, NAME_DEADLINE, ["searched 1 agent turns: call-1:u0"]),
        # ended without any transcript: nothing to judge
        ([], 60, 60, Status.NOT_APPLICABLE, None, []),
    ],
)
def test_within_seconds_of_answer(utterances, ended, now, status, deadline, evidence) -> None:
    item = judge(NAME, utterances, ended=ended, now=now)
    assert (item.status, item.deadline) == (status, deadline)
    assert evidence_of(item) == evidence


@pytest.mark.parametrize(("ended", "status"), [(None, Status.PENDING), (30, Status.NOT_APPLICABLE)])
def test_within_seconds_of_answer_on_an_unanswered_call(ended: float | None, status: Status) -> None:
    item = judge(NAME, answered=None, ended=ended, now=100)
    assert (item.status, item.deadline) == (status, None)


# --------------------------------------------------------------------------------------------------
# anywhere

VERIFY = rule("verify", "anywhere", ["date of birth"])


@pytest.mark.parametrize(
    ("utterances", "ended", "status", "evidence"),
    [
        (
            [("agent", "Hi.", 1000), ("agent", "Could you confirm your date of birth?", 90000)],
            None,
            Status.PASS,
            [("call-1:u1", 90000, "date of birth")],
        ),
        ([("agent", "Hi.", 1000)], None, Status.PENDING, []),
        (
            [("agent", "Hi.", 1000), ("customer", "my date of birth is...", 2000)],
            60,
            Status.FAIL,
            ["searched 1 agent turns: call-1:u0"],
        ),
        ([], 60, Status.NOT_APPLICABLE, []),
    ],
)
def test_anywhere(utterances, ended, status, evidence) -> None:
    item = judge(VERIFY, utterances, ended=ended)
    assert item.status is status
    assert evidence_of(item) == evidence


# --------------------------------------------------------------------------------------------------
# before_hold: every hold needs the request in the agent's last N turns before it

ASK = rule("ask_hold", {"kind": "before_hold", "turns": 1}, ["may i put you on hold"], zh=["请稍等"])
ASK_2 = rule("ask_hold", {"kind": "before_hold", "turns": 2}, ["may i put you on hold"])


@pytest.mark.parametrize(
    ("rule_data", "utterances", "holds", "status", "evidence"),
    [
        (ASK, [("agent", "Let me check.", 1000)], [], Status.NOT_APPLICABLE, []),
        (
            ASK,
            [("agent", "May I put you on hold?", 5000)],
            [(20, 40)],
            Status.PASS,
            [("call-1:u0", 5000, "May I put you on hold")],
        ),
        (ASK, [("agent", "好的，请稍等。", 5000)], [(20, 40)], Status.PASS, [("call-1:u0", 5000, "请稍等")]),
        # asked before the first hold only
        (
            ASK,
            [("agent", "May I put you on hold?", 5000), ("agent", "Thanks for waiting.", 35000)],
            [(20, 40), (50, 70)],
            Status.FAIL,
            ["hold without asking", ("call-1:u0", 5000, "May I put you on hold")],
        ),
        # asked only once the customer was already on hold
        (ASK, [("agent", "may i put you on hold", 12000)], [(20, 40)], Status.FAIL, ["hold without asking"]),
        # asked, then another agent turn: outside a 1-turn window, inside a 2-turn one
        (
            ASK,
            [("agent", "May I put you on hold?", 2000), ("agent", "Right.", 5000)],
            [(20, 40)],
            Status.FAIL,
            ["hold without asking"],
        ),
        (
            ASK_2,
            [("agent", "May I put you on hold?", 2000), ("agent", "Right.", 5000)],
            [(20, 40)],
            Status.PASS,
            [("call-1:u0", 2000, "May I put you on hold")],
        ),
    ],
)
def test_before_hold(rule_data, utterances, holds, status, evidence) -> None:
    item = judge(rule_data, utterances, holds=holds, ended=100)
    assert item.status is status
    assert evidence_of(item) == evidence


def test_before_hold_names_the_hold_missed() -> None:
    item = judge(ASK, [("agent", "Hold on.", 1000)], holds=[(20, 40)])
    assert item.detail == "1 of 1 hold(s) without asking first"
    assert [(e.event_id, e.at) for e in item.evidence] == [("call-1:hold0", at(20))]


# --------------------------------------------------------------------------------------------------
# after_customer_upset: each upset episode needs the phrase within the agent's next N turns

EMPATHY = rule("empathy", {"kind": "after_customer_upset", "turns": 2}, ["sorry", "i understand"], zh=["很抱歉"])


@pytest.mark.parametrize(
    ("utterances", "ended", "status", "evidence"),
    [
        ([("customer", CALM, 1000), ("agent", "Sure.", 2000)], 60, Status.NOT_APPLICABLE, []),
        (
            [("customer", UPSET, 1000), ("agent", "I'm so sorry about that.", 2000)],
            None,
            Status.PASS,
            ["customer upset", ("call-1:u1", 2000, "sorry")],
        ),
        (
            [("customer", UPSET, 1000), ("agent", "Let me check.", 2000), ("agent", "很抱歉。", 3000)],
            None,
            Status.PASS,
            ["customer upset", ("call-1:u2", 3000, "很抱歉")],
        ),
        ([("customer", UPSET, 1000), ("agent", "Let me check.", 2000)], None, Status.PENDING, ["customer upset"]),
        ([("customer", UPSET, 1000), ("agent", "Let me check.", 2000)], 60, Status.FAIL, ["customer upset"]),
        (
            [("customer", UPSET, 1000), ("agent", "Let me check.", 2000), ("agent", "Anything else?", 3000)],
            None,
            Status.FAIL,
            ["customer upset"],
        ),
        # two upset turns in a row are one episode
        (
            [("customer", UPSET, 1000), ("customer", UPSET, 1500), ("agent", "I understand.", 2000)],
            60,
            Status.PASS,
            ["customer upset", ("call-1:u2", 2000, "I understand")],
        ),
        # the second episode is not answered
        (
            [
                ("customer", UPSET, 1000),
                ("agent", "Sorry!", 2000),
                ("customer", CALM, 3000),
                ("customer", "That is awful.", 4000),
                ("agent", "Let me check.", 5000),
                ("agent", "Done.", 6000),
            ],
            60,
            Status.FAIL,
            ["customer upset", ("call-1:u1", 2000, "Sorry"), "customer upset"],
        ),
        # upset in the very last turn: the agent had no turn to answer in
        ([("agent", "Goodbye.", 1000), ("customer", UPSET, 2000)], 60, Status.NOT_APPLICABLE, ["customer upset"]),
        (
            [("customer", UPSET, 1000), ("agent", "Sorry!", 2000), ("customer", UPSET, 3000)],
            60,
            Status.PASS,
            ["customer upset", ("call-1:u1", 2000, "Sorry"), "customer upset"],
        ),
    ],
)
def test_after_customer_upset(utterances, ended, status, evidence) -> None:
    item = judge(EMPATHY, utterances, ended=ended)
    assert item.status is status
    assert evidence_of(item) == evidence


def test_upset_evidence_has_the_customer_score() -> None:
    item = judge(EMPATHY, [("customer", UPSET, 1000), ("agent", "sorry", 2000)])
    upset = item.evidence[0]
    assert (upset.event_id, upset.speaker, upset.text, upset.value) == ("call-1:u0", "customer", UPSET, -0.7897)


def test_upset_threshold_comes_from_the_standard() -> None:
    std = standard(EMPATHY, sentiment={"customer_upset_below": -0.9})
    tl = build_timeline(call(answered=ANSWERED, utterances=[("customer", UPSET, 1000)], ended=60))
    assert evaluate_rule(std.script_rules[0], tl, std, at(60)).status is Status.NOT_APPLICABLE


# --------------------------------------------------------------------------------------------------
# forbidden phrases fail at once, live, with every occurrence as evidence

FORBID = rule("forbidden", "anywhere", ["calm down", "not my problem"], requirement="forbidden", critical=True)


def test_forbidden_phrase_fails_immediately_with_every_occurrence() -> None:
    utterances = [
        ("agent", "Calm down.", 1000),
        ("customer", "calm down yourself", 2000),
        ("agent", "That's not my problem, calm down", 5000),
    ]
    item = judge(FORBID, utterances)  # live: not final
    assert (item.status, item.critical, item.requirement) == (Status.FAIL, True, "forbidden")
    assert item.detail == "forbidden phrase said 3 time(s)"
    assert evidence_of(item) == [
        ("call-1:u0", 1000, "Calm down"),
        ("call-1:u2", 5000, "not my problem"),
        ("call-1:u2", 5000, "calm down"),
    ]


@pytest.mark.parametrize(
    ("utterances", "ended", "status", "detail"),
    [
        ([("agent", "thats not my problem", 1000)], None, Status.FAIL, "forbidden phrase said 1 time(s)"),
        (
            [("agent", "I'll help.", 1000), ("customer", "calm down", 2000)],
            None,
            Status.PASS,
            "no forbidden phrase so far",
        ),
        ([("agent", "I'll help.", 1000)], 60, Status.PASS, "no forbidden phrase"),
        ([], None, Status.PENDING, "no agent turns"),
        ([], 60, Status.NOT_APPLICABLE, "no agent turns"),
    ],
)
def test_forbidden(utterances, ended, status, detail) -> None:
    item = judge(FORBID, utterances, ended=ended)
    assert (item.status, item.detail) == (status, detail)


# --------------------------------------------------------------------------------------------------
# the default phrase packs on transcript-like text

DEFAULT = default_standard()
RULES = {r.id: r for r in DEFAULT.script_rules}


@pytest.mark.parametrize(
    ("rule_id", "text", "matched"),
    [
        ("greeting", "Hello, thank you for calling Acme.", "Hello"),
        ("greeting", "hi thanks for calling acme my name is sarah how can i help", "hi"),
        ("greeting", "hey how can i help", "hey"),
        ("greeting", "ＨＥＬＬＯ，ｗｅｌｃｏｍｅ ｔｏ Acme", "ＨＥＬＬＯ"),
        ("greeting", "您好，这里是客服中心。", "您好"),
        ("greeting", "喂，你好！", "喂"),
        ("self_identification", "You're speaking with Ann.", "You're speaking with"),
        ("self_identification", "youre speaking with ann", "youre speaking with"),
        ("self_identification", "this is ann from acme", "this is ann from"),
        ("self_identification", "I'm Ann from billing.", "I'm Ann from"),
        ("self_identification", "我是客服小王，工号1234", "我是"),
        ("empathy_when_upset", "Oh I'm so sorry about that!", "sorry"),
        ("empathy_when_upset", "i understand your frustration", "i understand"),
        ("empathy_when_upset", "很抱歉让您久等了", "抱歉"),
        ("empathy_when_upset", "非常抱歉给您带来不便", "抱歉"),
        ("ask_before_hold", "can i put you on hold for a moment", "can i put you on hold"),
        ("ask_before_hold", "One moment, please.", "One moment, please"),
        ("ask_before_hold", "请稍等，我帮您查一下", "稍等"),
        ("ask_before_hold", "请 稍 等", "稍 等"),
        ("offer_further_help", "Is there anything else I can help you with?", "Is there anything else I can help"),
        ("offer_further_help", "anything else i can do for you", "anything else"),
        ("offer_further_help", "请问还有什么可以帮您的吗？", "还有什么可以帮您"),
        ("closing", "Thank you for calling, have a great day!", "Thank you for calling"),
        ("closing", "ok bye bye", "bye bye"),
        ("closing", "好的，再见！", "再见"),
        ("no_forbidden_phrases", "That's not my problem.", "not my problem"),
        ("no_forbidden_phrases", "i dont care", "i dont care"),
        ("no_forbidden_phrases", "I don’t care.", "I don’t care"),
        ("no_forbidden_phrases", "ＣＡＬＭ ＤＯＷＮ！", "ＣＡＬＭ ＤＯＷＮ"),
        ("no_forbidden_phrases", "你听不懂吗？", "你听不懂吗"),
        ("no_forbidden_phrases", "这个不归我管", "不归我管"),
    ],
)
def test_default_phrase_packs(rule_id: str, text: str, matched: str) -> None:
    m = matcher_for(RULES[rule_id], DEFAULT).find(text)
    assert m is not None, f"{rule_id} did not match {text!r}"
    assert m.matched_text == matched


@pytest.mark.parametrize(
    ("rule_id", "text"),
    [
        ("greeting", "Good day, Acme billing."),
        ("self_identification", "this is a problem"),
        ("self_identification", "Is this your order?"),
        ("offer_further_help", "there is nothing else to do"),
        ("no_forbidden_phrases", "young people love it"),
        ("no_forbidden_phrases", "I do care about this"),
        ("no_forbidden_phrases", "I'll take care of it"),
        ("empathy_when_upset", "let me check that"),
    ],
)
def test_default_phrase_packs_do_not_overmatch(rule_id: str, text: str) -> None:
    assert matcher_for(RULES[rule_id], DEFAULT).find(text) is None


def test_only_the_standards_languages_are_matched() -> None:
    english_only = standard(languages=["en"])
    greeting = next(r for r in english_only.script_rules if r.id == "greeting")
    assert matcher_for(greeting, english_only).find("您好") is None
    assert matcher_for(greeting, DEFAULT).find("您好") is not None


# --------------------------------------------------------------------------------------------------
# a whole call and a whole ticket on the default standard

ENGLISH_CALL = [
    ("agent", "thank you for calling acme my name is ann how can i help", 1000),
    ("customer", "My bill is wrong again, this is ridiculous and I am very angry.", 5000),
    ("agent", "I'm so sorry about that, let me look.", 9000),
    ("agent", "May I put you on hold for a moment?", 14000),
    ("agent", "Thanks for waiting, I fixed it. Is there anything else I can help you with?", 60000),
    ("customer", "No thanks.", 65000),
    ("agent", "Thank you for calling, goodbye!", 68000),
]
CHINESE_CALL = [
    ("agent", "您好，感谢您的来电，我是客服小王，工号1234。", 1000),
    ("customer", "我的账单有问题。", 5000),
    ("agent", "很抱歉给您带来不便，请稍等，我帮您查一下。", 9000),
    ("agent", "让您久等了，已经处理好了。请问还有什么可以帮您的吗？", 60000),
    ("customer", "没有了，谢谢。", 65000),
    ("agent", "感谢您的来电，再见！", 68000),
]


@pytest.mark.parametrize("utterances", [ENGLISH_CALL, CHINESE_CALL], ids=["english", "chinese"])
def test_a_good_call_complies_with_every_rule(utterances) -> None:
    events = call(answered=ANSWERED, utterances=utterances, holds=[(ANSWERED + 15, ANSWERED + 55)], ended=90)
    items = {i.id: i.status for i in evaluate_script(build_timeline(events), DEFAULT, at(90))}
    assert items == {
        "greeting": Status.PASS,
        "self_identification": Status.PASS,
        "empathy_when_upset": Status.PASS,  # 我的账单有问题 reads upset, as "a problem with my bill" does in VADER
        "ask_before_hold": Status.PASS,
        "offer_further_help": Status.PASS,
        "closing": Status.PASS,
        "no_forbidden_phrases": Status.PASS,
    }


def test_ticket_rules_skip_call_only_windows() -> None:
    events = ticket(
        replies=[
            ("customer", "Where is my order?", 0),
            ("agent", "Hello Sam, it ships today. Anything else I can help with? Kind regards, Ann", 600),
        ],
        resolved=900,
    )
    items = {i.id: i.status for i in evaluate_script(build_timeline(events), DEFAULT, at(900))}
    assert items == {
        "greeting": Status.PASS,
        "ticket_signature": Status.PASS,
        "empathy_when_upset": Status.NOT_APPLICABLE,
        "offer_further_help": Status.PASS,
        "closing": Status.FAIL,  # no closing phrase in the last two agent replies
        "no_forbidden_phrases": Status.PASS,
    }


def test_upset_episode_after_the_last_agent_turn_is_not_counted_as_answered() -> None:
    utterances = [("customer", UPSET, 1000), ("agent", "Sorry!", 2000), ("customer", UPSET, 3000)]
    item = judge(EMPATHY, utterances, ended=60)
    assert (item.status, item.detail) == (Status.PASS, "responded to 1 upset episode(s)")


# --------------------------------------------------------------------------------------------------
# phrases bound to the speaker's last turn, in every window, scored as the call goes and when it ends

BYE = [{"say": "enjoy", "turn": "last"}]
LAST_SAID = [("agent", "ok", 1000), ("customer", UPSET, 2000), ("agent", "Enjoy your day", 3000)]


@pytest.mark.parametrize(
    ("window", "requirement", "live", "ended"),
    [
        ({"kind": "first_turns", "turns": 2}, "required", Status.FAIL, Status.PASS),
        ({"kind": "anywhere"}, "required", Status.PENDING, Status.PASS),
        ({"kind": "within_seconds_of_answer", "seconds": 15}, "required", Status.FAIL, Status.PASS),
        ({"kind": "after_customer_upset", "turns": 2}, "required", Status.PENDING, Status.PASS),
        ({"kind": "last_turns", "turns": 2}, "required", Status.PENDING, Status.PASS),
        ({"kind": "anywhere"}, "forbidden", Status.PASS, Status.FAIL),
        ({"kind": "last_turns", "turns": 1}, "forbidden", Status.PASS, Status.FAIL),
    ],
)
def test_last_turn_phrases_count_once_the_call_ends(window, requirement, live, ended) -> None:
    """The agent's last turn is the last only once the call is over: the running judgement kept during the call
    searches it again then, and gives the item a full rescore gives."""
    std = standard(rule("bye", window, BYE, requirement=requirement))
    events = call(answered=ANSWERED, utterances=LAST_SAID, ended=60)
    fold, end = TimelineFold.of(events[:-1]), events[-1]
    running = ScoreFold(std)
    before = score_timeline(fold.timeline(), std, at(1000), running=running)
    assert _item(before, "bye").status is live
    assert fold.add(end)
    after = score_timeline(fold.timeline(), std, at(1000), running=running.copy())
    assert _item(after, "bye").status is ended
    assert after == score_interaction(events, std, at(1000))


def _item(score: InteractionScore, item_id: str) -> ScoreItem:
    return next(i for i in score.items if i.id == item_id)


@pytest.mark.parametrize(
    ("window", "requirement"),
    [
        ({"kind": "first_turns", "turns": 2}, "required"),
        ({"kind": "anywhere"}, "required"),
        ({"kind": "within_seconds_of_answer", "seconds": 15}, "required"),
        ({"kind": "after_customer_upset", "turns": 2}, "required"),
        ({"kind": "anywhere"}, "forbidden"),
    ],
)
def test_the_last_turn_matched_again_when_the_call_ends(window, requirement) -> None:
    """A match found in the agent's last turn during the call gives way to an earlier one bound to the last turn."""
    std = standard(rule("bye", window, [*BYE, "your day"], requirement=requirement))
    events = call(answered=ANSWERED, utterances=LAST_SAID, ended=60)
    fold, end = TimelineFold.of(events[:-1]), events[-1]
    running = ScoreFold(std)
    said = [
        e.matched_text for e in _item(score_timeline(fold.timeline(), std, at(1000), running=running), "bye").evidence
    ]
    assert "your day" in said
    assert fold.add(end)
    after = score_timeline(fold.timeline(), std, at(1000), running=running.copy())
    said = [e.matched_text for e in _item(after, "bye").evidence if e.matched_text]
    assert said == (["Enjoy", "your day"] if requirement == "forbidden" else ["Enjoy"])  # forbidden: every match
    assert after == score_interaction(events, std, at(1000))

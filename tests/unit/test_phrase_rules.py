"""Phrase rules: the phrase syntax, phrase conditions, the loader's errors for them, and the default English and
Chinese packs on the wordings issue 10 lists (missed patterns, false matches, Chinese variants)."""

import re

import pytest

from service.scoring.script_compliance import evaluate_rule, matcher_for
from service.scoring.text_match import PhraseMatcher, TurnPosition
from service.scoring.timeline import build_timeline
from service.scoring.types import Status
from service.standards.loader import StandardsError, parse_standard
from service.standards.phrases import PhraseSpec
from service.text.phrase_syntax import PhraseSyntaxError, compile_phrase
from tests.factories import at, call, default_standard

LAST = TurnPosition(first=False, last=True)
MIDDLE = TurnPosition(first=False, last=False)
FIRST = TurnPosition(first=True, last=False)
CLASSES = {"adj": ("great", "nice", "very (good|nice)"), "part": ("day", "evening", "rest of (the|your) day")}

# --------------------------------------------------------------------------------------------------
# the syntax


@pytest.mark.parametrize(
    ("phrase", "text", "matched", "method"),
    [
        ("thank you [very much]", "Thank you very much!", "Thank you very much", "exact"),
        ("thank you [very much]", "thank you", "thank you", "exact"),
        ("(hi|hello) there", "Hello there", "Hello there", "exact"),
        ("have a {adj} {part}", "have a very nice evening", "have a very nice evening", "exact"),
        ("have a {adj} {part}", "Have a great rest of your day.", "Have a great rest of your day", "exact"),
        (
            "is there anything ... help",
            "is there anything else that I can help",
            "is there anything else that I can help",
            "exact",
        ),
        ("this is * speaking", "This is Ann speaking.", "This is Ann speaking", "exact"),
        ("^ thank you $", "Thank you!", "Thank you", "exact"),
        ("you're welcome", "you are welcome", "you are welcome", "exact"),  # contractions as in the text
        ("还有(什么|其他|别的)(问题|需要)", "请问还有其他需要吗？", "还有其他需要", "exact"),
        ("祝(您|你)...愉快", "祝你生活愉快", "祝你生活愉快", "exact"),
        # spelling tolerance: an elongated last letter, one typo in a long word, glued words
        ("bye", "byeeee", "byeeee", "variant"),
        ("hi", "hiii", "hiii", "variant"),
        ("good morning", "good mornig", "good mornig", "variant"),
        ("good morning", "good monring", "good monring", "variant"),
        ("thank you", "thankyou so much", "thankyou", "variant"),
        ("[ok] bye", "okbye", "okbye", "variant"),
        ("ＨＡＶＥ Ａ {adj} day", "have a nice day", "have a nice day", "exact"),  # full width
    ],
)
def test_syntax_matches(phrase: str, text: str, matched: str, method: str) -> None:
    m = PhraseMatcher([phrase], classes=CLASSES).find(text)
    assert m is not None, (phrase, text)
    assert (m.phrase, m.matched_text, m.method) == (phrase, matched, method)
    assert text[m.start : m.end] == matched


@pytest.mark.parametrize(
    ("phrase", "text"),
    [
        ("thank you [very much]", "thank"),
        ("(hi|hello) there", "hi where"),
        ("have a {adj} {part}", "have a bad day"),
        ("bye", "maybe"),  # real word boundaries
        ("hi", "hit the button"),
        ("hi", "chips"),
        ("to", "tomorrow"),
        ("^ thank you $", "thank you for the refund"),
        ("^ thank you $", "well thank you"),
        ("good morning", "good meaning"),  # two typos away
        ("sorry", "sorrow"),  # short words: no typo tolerance
        ("is there anything ... help", "is there anything you could possibly want me to help"),  # gap > 4 words
        ("请稍等", "请稍候"),  # CJK: no spelling tolerance
    ],
)
def test_syntax_does_not_overmatch(phrase: str, text: str) -> None:
    assert PhraseMatcher([phrase], classes=CLASSES).find(text) is None


@pytest.mark.parametrize(
    ("phrase", "message"),
    [
        ("thank you [very much", "'[' without ']'"),
        ("thank you very much]", "']' without its opening bracket"),
        ("(good|) bye", "an empty alternative"),
        ("good ()", "an empty '()'"),
        ("have a {nope} day", "unknown word class {nope}"),
        ("have a {Bad Name} day", "is not a word class name"),
        ("have a {adj day", "'{' without '}'"),
        ("[hello]", "can match without any of its words"),
        ("(*|hello)", "can match without any of its words"),
        ("*", "nothing to match"),
        ("hello ^ there", "only at the very start"),
        ("!!!", "nothing to match"),
    ],
)
def test_syntax_errors(phrase: str, message: str) -> None:
    with pytest.raises(PhraseSyntaxError, match=re.escape(message)):
        compile_phrase(phrase, CLASSES)


def test_a_class_that_contains_itself_is_an_error() -> None:
    with pytest.raises(PhraseSyntaxError, match=r"refers to itself: a -> b -> a"):
        compile_phrase("{a}", {"a": ("x {b}",), "b": ("y {a}",)})


# --------------------------------------------------------------------------------------------------
# conditions: the turn a phrase counts in, negative context


def test_a_phrase_bound_to_the_last_turn_counts_only_there() -> None:
    matcher = PhraseMatcher([PhraseSpec(say="you're welcome", turn="last")])
    assert matcher.find("You're welcome!", LAST) is not None
    assert matcher.find("You're welcome!", MIDDLE) is None
    assert matcher.find("You're welcome!") is None  # position unknown: not counted
    first = PhraseMatcher([PhraseSpec(say="welcome to", turn="first")])
    assert first.find("Welcome to Acme", FIRST) is not None
    assert first.find("Welcome to the Jungle is playing", MIDDLE) is None


@pytest.mark.parametrize(
    ("spec", "text", "found"),
    [
        (PhraseSpec(say="bye", unless_preceded_by=("album ...",)), "the album bye Hayley Kiyoko", False),
        (PhraseSpec(say="bye", unless_preceded_by=("album ...",)), "the album Expectations bye Hayley", False),
        (PhraseSpec(say="bye", unless_preceded_by=("album ...",)), "ok bye Hayley", True),
        (PhraseSpec(say="take care", unless_followed_by=("of",)), "I will take care of it", False),
        (PhraseSpec(say="take care", unless_followed_by=("of",)), "Take care!", True),
        (PhraseSpec(say="help you", unless_followed_by=("calm down",)), "let me help you calm down", False),
        (PhraseSpec(say="help you", unless_followed_by=("calm down",)), "can I help you", True),
    ],
)
def test_negative_context(spec: PhraseSpec, text: str, found: bool) -> None:
    assert (PhraseMatcher([spec]).find(text) is not None) is found


SIGNS_OFF = PhraseSpec(say="bye", unless_turn_also={"customer": ("thank", "^ (no|nothing)")})
CUSTOMER = TurnPosition(first=False, last=False, speaker="customer")
AGENT = TurnPosition(first=False, last=False, speaker="agent")


@pytest.mark.parametrize(
    ("text", "position", "found"),
    [
        ("ok bye", CUSTOMER, True),  # leave-taking is what the turn does
        ("thank you bye", CUSTOMER, False),  # a thanks, signed off
        ("bye, and thank you", CUSTOMER, False),  # the other act may come after the farewell too
        ("no bye", CUSTOMER, False),  # a refusal, signed off
        ("nothing bye", CUSTOMER, False),
        ("bye, no need to call me back", CUSTOMER, True),  # "^": a refusal opens the turn, this does not
        ("thank you bye", AGENT, True),  # the condition is the customer's: an agent's thanks + bye closes
        ("thank you bye", MIDDLE, True),  # and a turn of unknown speaker is judged on its words
    ],
)
def test_another_act_in_the_turn_vetoes_a_sign_off(text: str, position: TurnPosition, found: bool) -> None:
    assert (PhraseMatcher([SIGNS_OFF]).find(text, position) is not None) is found


def test_a_vetoed_occurrence_does_not_hide_a_later_one() -> None:
    m = PhraseMatcher([PhraseSpec(say="bye", unless_preceded_by=("album",))]).find("album bye Hayley. ok bye!")
    assert m is not None
    assert m.start == len("album bye Hayley. ok ")


# --------------------------------------------------------------------------------------------------
# the loader locates phrase errors


STANDARD = """\
version: x
word_classes:
  adj: [great, nice]
script_rules:
  - id: closing
    description: d
    requirement: required
    window: {kind: last_turns, turns: 2}
    phrases:
      en:
        - have a {adj} day
        - say: you're welcome
          turn: last
          unless_followed_by: [to]
"""


@pytest.mark.parametrize(
    ("old", "new", "line", "reason"),
    [
        (
            "have a {adj} day",
            "have a {adjective} day",
            11,
            "script_rules.0.phrases.en.0: unknown word class {adjective}",
        ),
        ("have a {adj} day", "have a (great day", 11, "'(' without ')'"),
        ("[to]", "['{nope}']", 14, "phrases.en.1.unless_followed_by.0: unknown word class {nope}"),
        ("adj: [great, nice]", "adj: [great, '(nice']", 3, "word_classes.adj.1: phrase '(nice'"),
        ("adj: [great, nice]", "adj: [great, '{adj}']", 3, "word_classes.adj.1: word class {adj} refers to itself"),
        ("turn: last", "turn: final", 13, "Input should be 'first' or 'last'"),
        (
            "unless_followed_by: [to]",
            "unless_turn_also: {customer: ['{nope}']}",
            14,
            "phrases.en.1.unless_turn_also.customer.0: unknown word class {nope}",
        ),
        ("unless_followed_by: [to]", "unless_turn_also: {supervisor: [no]}", 14, "supervisor"),
    ],
)
def test_phrase_errors_name_file_and_line(old: str, new: str, line: int, reason: str) -> None:
    assert old in STANDARD
    with pytest.raises(StandardsError) as caught:
        parse_standard(STANDARD.replace(old, new), "std.yaml")
    message = str(caught.value)
    assert message.startswith(f"std.yaml:{line}: "), message
    assert reason in message


def test_the_sample_standard_loads() -> None:
    std = parse_standard(STANDARD).standard
    assert std.word_classes == {"adj": ("great", "nice")}
    assert std.script_rules[0].phrases["en"][1] == PhraseSpec(
        say="you're welcome", turn="last", unless_followed_by=("to",)
    )


# --------------------------------------------------------------------------------------------------
# the default packs on the wordings issue 10 lists

DEFAULT = default_standard()
RULES = {r.id: r for r in DEFAULT.script_rules}


@pytest.mark.parametrize(
    ("rule_id", "text", "position"),
    [
        # closings
        *(
            ("closing", f"Have a {adj} {what}.", MIDDLE)
            for adj in ("wonderful", "pleasant", "fantastic", "lovely", "terrific")
            for what in ("day", "afternoon", "evening", "one", "time", "trip")
        ),
        ("closing", "Have an amazing rest of your day!", MIDDLE),
        ("closing", "You have a truly enjoyable day.", MIDDLE),
        ("closing", "Enjoy your day!", MIDDLE),
        ("closing", "Enjoy the rest of your day.", MIDDLE),
        ("closing", "Enjoy your meal.", LAST),
        ("closing", "You're welcome.", LAST),
        ("closing", "My pleasure.", LAST),
        ("closing", "Happy to help!", LAST),
        ("closing", "Thank you.", LAST),
        ("closing", "Thank you very much!", LAST),
        ("closing", "See you soon!", MIDDLE),
        ("closing", "see you later", MIDDLE),
        # customers' chat spelling
        ("closing", "byee", MIDDLE),
        ("closing", "okbye", MIDDLE),
        ("closing", "byebye", MIDDLE),
        ("closing", "you too", MIDDLE),
        ("closing", "same to you", MIDDLE),
        ("closing", "ok good bye have a nice daygood bye", MIDDLE),
        ("closing", "byehave a great day", MIDDLE),
        ("greeting", "hai", MIDDLE),
        ("greeting", "hii", MIDDLE),
        ("greeting", "helo", MIDDLE),
        ("greeting", "higood morning", MIDDLE),
        ("greeting", "gud mrng", MIDDLE),
        ("greeting", "good mornig sir", MIDDLE),
        # offers of further help
        ("offer_further_help", "Do you need anything else?", MIDDLE),
        ("offer_further_help", "Is there anything else you need?", MIDDLE),
        ("offer_further_help", "Anything else?", MIDDLE),
        ("offer_further_help", "Do you need further help?", MIDDLE),
        ("offer_further_help", "Would you like more help?", MIDDLE),
        ("offer_further_help", "Could I further assist you?", MIDDLE),
        ("offer_further_help", "Can I assist you with something else?", MIDDLE),
        ("offer_further_help", "What else can I do for you?", MIDDLE),
        ("offer_further_help", "Do you need any other help?", MIDDLE),
        ("offer_further_help", "Will that be all?", MIDDLE),
        ("offer_further_help", "Will there be anything else?", MIDDLE),
        ("offer_further_help", "Can I assist you with anything else?", MIDDLE),
        # Chinese: empathy, hold, offer, closing, greeting, self-identification
        *(
            ("empathy_when_upset", t, MIDDLE)
            for t in ("抱歉", "实在抱歉", "真抱歉", "给您添麻烦了", "理解您的感受", "让您久等了")
        ),
        *(("ask_before_hold", t, MIDDLE) for t in ("稍等", "您稍等", "请稍后", "等一下", "请不要挂机")),
        *(
            ("offer_further_help", t, MIDDLE)
            for t in ("还有别的问题吗", "还有其他需要吗", "还需要什么帮助吗", "还有什么能帮您")
        ),
        *(("closing", t, MIDDLE) for t in ("拜拜", "感谢来电", "祝你生活愉快", "祝您一切顺利", "欢迎再次来电")),
        ("closing", "谢谢！", LAST),
        *(("greeting", t, MIDDLE) for t in ("欢迎来电", "很高兴为您服务", "您好，请问有什么可以帮您")),
        *(("self_identification", t, MIDDLE) for t in ("小李为您服务", "客服8号为您服务", "我姓王")),
    ],
)
def test_default_packs_recognise(rule_id: str, text: str, position: TurnPosition) -> None:
    m = matcher_for(RULES[rule_id], DEFAULT).find(text, position)
    assert m is not None, f"{rule_id} did not match {text!r}"
    assert text[m.start : m.end] == m.matched_text
    assert m.phrase  # the evidence names the pattern that matched


@pytest.mark.parametrize(
    ("rule_id", "text", "position"),
    [
        # the false matches issue 10 lists
        ("closing", "It's a song from the album bye Hayley Kiyoko.", LAST),
        ("closing", "How about the song Good Goodbye from the album One More Light?", MIDDLE),
        ("greeting", "Welcome to the Jungle is playing on your speaker.", MIDDLE),
        ("offer_further_help", "I can help you calm down the situation.", MIDDLE),
        # ... and their relatives
        ("offer_further_help", "Would you like Mexican, Italian or something else?", MIDDLE),
        ("offer_further_help", "I could not find anything else.", MIDDLE),
        ("offer_further_help", "Your table for 2 at 7 pm, is that all correct?", MIDDLE),
        ("closing", "Would you like to buy tickets?", MIDDLE),
        ("closing", "I'll take care of it right away.", MIDDLE),
        ("closing", "You're welcome to bring a friend.", MIDDLE),  # not the last turn
        ("closing", "Thank you.", MIDDLE),  # thanks alone closes only as the last turn
        ("closing", "Thank you, and what time should I book?", LAST),
        ("closing", "Good evening, Acme billing.", FIRST),
        ("self_identification", "很高兴为您服务", MIDDLE),
        ("ask_before_hold", "稍后给您回电", MIDDLE),
    ],
)
def test_default_packs_do_not_overmatch(rule_id: str, text: str, position: TurnPosition) -> None:
    assert matcher_for(RULES[rule_id], DEFAULT).find(text, position) is None


def test_a_reply_closes_the_call_only_as_the_agents_last_turn() -> None:
    closing = RULES["closing"]

    def judge(*agent_texts: str) -> tuple[Status, list[str | None]]:
        utterances = [("customer", "thanks, that's all", 500)]
        utterances += [("agent", text, 1000 * (n + 1)) for n, text in enumerate(agent_texts)]
        tl = build_timeline(call(answered=10, utterances=utterances, ended=60))
        item = evaluate_rule(closing, tl, DEFAULT, at(60))
        return item.status, [e.matched_text for e in item.evidence]

    assert judge("Let me check.", "You're welcome.") == (Status.PASS, ["You're welcome"])
    assert judge("You're welcome.", "One more thing: your order ships Monday.")[0] is Status.FAIL


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("ok bye", True),
        ("have a great day bye", True),
        ("okay good bye have a nice day", True),
        ("you too", True),
        ("thank you so much have a wonderful day", False),
        ("ok thanks bye", False),
        ("no thanks have a nice day", False),
        ("nope have a nice day ahead", False),
        ("nothing else bye", False),
    ],
)
def test_the_default_closing_on_customer_turns_is_leave_taking(text: str, found: bool) -> None:
    m = matcher_for(RULES["closing"], DEFAULT).find(text, CUSTOMER)
    assert (m is not None) is found
    # an agent's same words close the call
    assert matcher_for(RULES["closing"], DEFAULT).find(text, AGENT) is not None

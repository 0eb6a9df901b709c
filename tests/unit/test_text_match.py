"""Tolerant phrase matching: normalization, exact / pattern / fuzzy matching and span mapping."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from service.scoring.text_match import PhraseMatch, PhraseMatcher, normalize
from service.text.phrase_syntax import PhraseSyntaxError, compile_phrase

# --------------------------------------------------------------------------------------------------
# normalize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # case, punctuation, whitespace
        ("Hello, World!", "hello world"),
        ("  lots\tof \n\n space  ", "lots of space"),
        ("snake_case--and…dashes—too", "snake case and dashes too"),
        ("«quoted» “text” (here) [and] {there}", "quoted text here and there"),
        ("price: $100 + 5% = ?", "price 100 5"),
        ("", ""),
        ("!!! ... ???", ""),
        # full width (NFKC)
        ("ＨＥＬＬＯ，ｗｏｒｌｄ！", "hello world"),
        ("ｔｈａｎｋ　ｙｏｕ。", "thank you"),
        ("ﬁne", "fine"),
        ("Straße", "strasse"),
        ("cafe\u0301", "café"),
        # contractions, both spellings land on the same words
        ("I'm", "i am"),
        ("I’m", "i am"),
        ("im", "i am"),
        ("I am", "i am"),
        ("can't", "can not"),
        ("can’t", "can not"),
        ("cannot", "can not"),
        ("can not", "can not"),
        ("won't", "will not"),
        ("don't", "do not"),
        ("dont", "do not"),
        ("isn't", "is not"),
        ("what's", "what is"),
        ("it's", "it is"),
        ("that's", "that is"),
        ("here's", "here is"),
        ("there's", "there is"),
        ("we're", "we are"),
        ("you're", "you are"),
        ("youre", "you are"),
        ("I'll", "i will"),
        ("I've", "i have"),
        ("I'd", "i would"),
        ("let's", "let us"),
        ("shouldn't've", "should not have"),
        ("ＩＴ＇Ｓ", "it is"),
        ("it`s", "it is"),
        # other apostrophes are dropped; quotes around words are separators
        ("the customer's order", "the customers order"),
        ("'quoted'", "quoted"),
        # CJK: character level, no spaces between CJK characters
        ("请 稍 等", "请稍等"),
        ("您好，这里是客服中心。", "您好这里是客服中心"),
        ("您好！请问有什么可以帮您？", "您好请问有什么可以帮您"),
        ("hello您好world", "hello 您好 world"),
        ("请稍等5分钟", "请稍等 5 分钟"),
        ("ｈｉ　您好", "hi 您好"),
        ("こんにちは、お客様", "こんにちはお客様"),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


# --------------------------------------------------------------------------------------------------
# find: positive cases, with the exact original span


@pytest.mark.parametrize(
    ("phrases", "text", "matched_text"),
    [
        # case / punctuation / whitespace / speech-to-text output
        (["hello there"], "HELLO THERE", "HELLO THERE"),
        (["hello there"], "Well... Hello, there! How are you?", "Hello, there"),
        (["Hello there!"], "hello there how are you", "hello there"),
        (["thank you for calling"], "thank   you\tfor\ncalling acme", "thank   you\tfor\ncalling"),
        (["Thank you for calling!"], "thank you for calling acme how may i help", "thank you for calling"),
        (["good-morning"], "Good morning", "Good morning"),
        # contractions both ways, straight and curly apostrophes
        (["I am sorry"], "Oh, I'm sorry about that.", "I'm sorry"),
        (["I'm sorry"], "i am sorry about that", "i am sorry"),
        (["I'm sorry"], "I’m sorry", "I’m sorry"),
        (["I’m sorry"], "im sorry", "im sorry"),
        (["I can't do that"], "i cannot do that", "i cannot do that"),
        (["I can't do that"], "i can not do that", "i can not do that"),
        (["I cannot do that"], "I can’t do that", "I can’t do that"),
        (["that won't happen"], "That will not happen again", "That will not happen"),
        (["you're speaking with"], "You are speaking with Anna", "You are speaking with"),
        (["you are speaking with"], "you're speaking with Anna", "you're speaking with"),
        (["let's see"], "OK, let us see", "let us see"),
        (["what is your order number"], "What's your order number?", "What's your order number"),
        (["it is my pleasure"], "It's my pleasure!", "It's my pleasure"),
        (["we are sorry"], "We're sorry.", "We're sorry"),
        (["I will check"], "I'll check", "I'll check"),
        (["here is the link"], "Here's the link", "Here's the link"),
        (["that is not my problem"], "thats not my problem", "thats not my problem"),
        (["do not worry"], "Don't worry", "Don't worry"),
        # a phrase word inside a contraction maps to the whole written word
        (["am sorry"], "I'm sorry", "I'm sorry"),
        # full width
        (["hello"], "ＨＥＬＬＯ！", "ＨＥＬＬＯ"),
        (["thank you"], "ｔｈａｎｋ，ｙｏｕ。", "ｔｈａｎｋ，ｙｏｕ"),
        (["ＨＥＬＬＯ"], "hello", "hello"),
        # CJK at character level, whitespace/punctuation between CJK characters ignored
        (["您好"], "您好，这里是客服中心", "您好"),
        (["您好"], "喂，您好！", "您好"),
        (["请稍等"], "请 稍 等", "请 稍 等"),
        (["请稍等"], "好的请稍等一下", "请稍等"),
        (["很抱歉"], "真的很抱歉给您带来不便", "很抱歉"),
        (["还有什么可以帮您"], "请问还有什么可以帮您的吗？", "还有什么可以帮您"),
        (["还有什么可以帮您"], "还有什么，可以帮您", "还有什么，可以帮您"),
        (["您好"], "Hi您好there", "您好"),
        (["ok"], "好的ok好的", "ok"),
        (["请稍等"], "请稍等５分钟", "请稍等"),
        # word boundaries for Latin words
        (["hi"], "Hi, how are you?", "Hi"),
        (["hi"], "oh hi", "hi"),
        # combining marks and ligatures map back to the original characters
        (["café"], "the cafe\u0301 is open", "cafe\u0301"),
        (["fine"], "that's ﬁne", "ﬁne"),
    ],
)
def test_find_exact(phrases: list[str], text: str, matched_text: str) -> None:
    m = PhraseMatcher(phrases).find(text)
    assert m is not None
    assert m.method == "exact"
    assert m.similarity == 1.0
    assert m.phrase == phrases[0]
    assert m.matched_text == matched_text
    assert text[m.start : m.end] == matched_text


def test_span_offsets() -> None:
    m = PhraseMatcher(["hello there"]).find("Well... Hello, there! How are you?")
    assert m == PhraseMatch("hello there", "Hello, there", 8, 20, "exact", 1.0)


# --------------------------------------------------------------------------------------------------
# find: negative cases


@pytest.mark.parametrize(
    ("phrases", "text"),
    [
        (["hi"], "this is it"),
        (["hi"], "chips and fish"),
        (["hi"], "hit the button"),
        (["hello"], "yellow"),
        (["hello"], "hellothere"),
        (["sorry"], "sorrow"),
        (["hello there"], "hello, where are you"),
        (["I am sorry"], "I am not sorry"),
        (["I can't"], "I can"),
        (["我是"], "你好"),
        (["请稍等"], "请稍候"),
        (["您好"], "您 的 好"),
        (["hello"], ""),
        (["hello"], "   "),
        (["hello"], "!!! ???"),
        (["hello"], "您好"),
        (["您好"], "hello"),
    ],
)
def test_find_no_match(phrases: list[str], text: str) -> None:
    assert PhraseMatcher(phrases).find(text) is None


# --------------------------------------------------------------------------------------------------
# fuzzy


@pytest.mark.parametrize(
    ("phrase", "text", "matched_text"),
    [
        (
            "is there anything else i can help you with",
            "Is there anything else that I can help you with today?",
            "Is there anything else that I can help you with",
        ),
        (
            "anything else i could help with",
            "Anything else I can help with?",
            "Anything else I can help with",
        ),
        ("can i put you on hold", "Can I put you on a hold?", "Can I put you on a hold"),
        ("thank you for calling", "Thank you for calling in!", "Thank you for calling"),
        ("还有什么可以帮您", "还有什么可以帮你吗", "还有什么可以帮"),
    ],
)
def test_find_fuzzy(phrase: str, text: str, matched_text: str) -> None:
    m = PhraseMatcher([phrase]).find(text)
    assert m is not None
    assert m.phrase == phrase
    assert m.matched_text == matched_text
    assert text[m.start : m.end] == matched_text
    if m.method == "fuzzy":
        assert 0.88 <= m.similarity < 1.0
    else:  # "thank you for calling" is also present exactly
        assert m.method == "exact"


@pytest.mark.parametrize(
    ("phrase", "text"),
    [
        ("hello", "yellow"),  # one word: exact only
        ("hello", "helo"),
        ("thank you", "thank yuo"),  # two words: exact only
        ("I'm sorry", "I'm sory"),  # two words as written, even though they expand to three
        ("请稍等", "请稍候"),  # < 4 CJK characters: exact only
        ("anything else i can help you with", "is there something i can do"),
        ("my name is", "what is your name"),
    ],
)
def test_fuzzy_not_applied(phrase: str, text: str) -> None:
    assert PhraseMatcher([phrase]).find(text) is None


def test_fuzzy_threshold_boundary() -> None:
    phrase, text = "anything else i could help with", "anything else i can help with"
    assert fuzz.ratio(normalize(phrase), normalize(text)) == pytest.approx(90.0)
    at = PhraseMatcher([phrase], fuzzy_threshold=0.90).find(text)
    assert at is not None
    assert at.method == "fuzzy"
    assert at.similarity == pytest.approx(0.90)
    assert PhraseMatcher([phrase], fuzzy_threshold=0.91).find(text) is None
    # the default threshold accepts it
    assert PhraseMatcher([phrase]).find(text) is not None


def test_fuzzy_picks_best_window() -> None:
    m = PhraseMatcher(["anything else i can help you with"]).find(
        "anything at all? anything else I could help you with?"
    )
    assert m is not None
    assert m.method == "fuzzy"
    assert m.matched_text == "anything else I could help you with"


# --------------------------------------------------------------------------------------------------
# patterns


@pytest.mark.parametrize(
    ("pattern", "text", "matched_text"),
    [
        (r"\bi am [a-z]+ from\b", "Hi, I'm Anna from Acme.", "I'm Anna from"),
        (
            r"\bthis is [a-z]+( [a-z]+)? (speaking|from)\b",
            "This is Bob Smith, speaking",
            "This is Bob Smith, speaking",
        ),
        (r"^(hi|hey)\b", "Hey! How can I help?", "Hey"),
        (r"^(hi|hey)\b", "... hey there", "hey"),
        (r"HELLO", "hello", "hello"),  # re.IGNORECASE
        (r"hi there", "Hi, there", "Hi, there"),  # patterns see the normalized text
        (r"工号 \d+", "我的工号，1234", "工号，1234"),  # one space between CJK and other words
        (r"工号 \d+", "我的工号1234", "工号1234"),
        (r"ord", "my order", "ord"),  # partial words keep char-exact spans
    ],
)
def test_find_pattern(pattern: str, text: str, matched_text: str) -> None:
    m = PhraseMatcher([], [pattern]).find(text)
    assert m is not None
    assert (m.phrase, m.method, m.similarity, m.matched_text) == (pattern, "pattern", 1.0, matched_text)
    assert text[m.start : m.end] == matched_text


@pytest.mark.parametrize(("pattern", "text"), [(r"^(hi|hey)\b", "oh hi"), (r"x*", "abc"), (r"\s+", "a   b")])
def test_pattern_no_match(pattern: str, text: str) -> None:
    assert PhraseMatcher([], [pattern]).find(text) is None


def test_bad_regex_raises_value_error_naming_it() -> None:
    with pytest.raises(ValueError, match=r"\(unclosed"):
        PhraseMatcher(["hello"], ["fine", "(unclosed"])


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"phrases": ["!!!"]}, ValueError),
        ({"phrases": [""]}, ValueError),
        ({"phrases": ["ok"], "fuzzy_threshold": 0}, ValueError),
        ({"phrases": ["ok"], "fuzzy_threshold": 1.5}, ValueError),
        ({"phrases": "hello"}, TypeError),
        ({"phrases": ["ok"], "patterns": "hello"}, TypeError),
    ],
)
def test_invalid_arguments(kwargs: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        PhraseMatcher(**kwargs)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------
# precedence


def test_exact_beats_earlier_pattern() -> None:
    m = PhraseMatcher(["good morning"], [r"\bhello\b"]).find("hello and good morning")
    assert m is not None
    assert (m.method, m.matched_text) == ("exact", "good morning")


def test_pattern_beats_fuzzy() -> None:
    m = PhraseMatcher(["anything else i could help with"], [r"\bhelp\b"]).find("anything else I can help with")
    assert m is not None
    assert (m.method, m.matched_text) == ("pattern", "help")


def test_earliest_then_longest_exact() -> None:
    m = PhraseMatcher(["thank you", "thank you for calling"]).find("Thank you for calling!")
    assert m is not None
    assert m.phrase == "thank you for calling"
    m = PhraseMatcher(["for calling", "thank you"]).find("Thank you for calling!")
    assert m is not None
    assert m.phrase == "thank you"


def test_earliest_pattern() -> None:
    m = PhraseMatcher([], [r"\bcalling\b", r"\bthank\b"]).find("Thank you for calling")
    assert m is not None
    assert m.phrase == r"\bthank\b"


def test_duplicate_phrases_report_the_first() -> None:
    m = PhraseMatcher(["I'm sorry", "i am sorry"]).find("I am sorry")
    assert m is not None
    assert m.phrase == "I'm sorry"


def test_no_phrases_no_patterns() -> None:
    assert PhraseMatcher([]).find("hello") is None


def test_long_text() -> None:
    filler = "the package never arrived and I would like a refund please " * 170
    text = filler + "Is there anything else that I can help you with?"
    m = PhraseMatcher(["is there anything else i can help you with", "请稍等"]).find(text)
    assert m is not None
    assert m.method == "fuzzy"
    assert m.start > len(filler) - 5
    assert text[m.start : m.end] == m.matched_text


# --------------------------------------------------------------------------------------------------
# properties

_PHRASES = [
    "hello there",
    "hi",
    "I'm sorry",
    "您好",
    "请稍等",
    "还有什么可以帮您",
    "is there anything else i can help you with",
]
_PATTERNS = [r"^(hi|hey)\b", r"\bi am [a-z]+", r"a+", r"x*"]
_ALPHABET = [
    *"abehilnorsty '’`´,.!?_-\t\n\u3000，。您好请稍等還还有什么可以帮ＨＥＬｌｏﬁßİ😀",
    "\u0301",
    "\ufe0f",
]
_texts = st.one_of(st.text(max_size=200), st.text(alphabet=_ALPHABET, max_size=200))


def _readable(phrase: str) -> bool:
    """Brackets, braces, `|`, `*`, `^`, `$` and `...` are phrase syntax: a random string may not read."""
    try:
        compile_phrase(phrase)
    except PhraseSyntaxError:
        return False
    return True


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(text=_texts, extra=st.lists(st.text(min_size=1, max_size=15), max_size=3))
def test_find_never_raises_and_spans_are_exact(text: str, extra: list[str]) -> None:
    phrases = [*_PHRASES, *(p for p in extra if _readable(p))]
    m = PhraseMatcher(phrases, _PATTERNS).find(text)
    if m is not None:
        assert 0 <= m.start < m.end <= len(text)
        assert text[m.start : m.end] == m.matched_text
        assert m.method in {"exact", "pattern", "fuzzy"}
        assert 0.0 < m.similarity <= 1.0


@settings(max_examples=300)
@given(text=st.text(alphabet=_ALPHABET, max_size=80))
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@settings(max_examples=300)
@given(phrase=st.text(alphabet=_ALPHABET, min_size=1, max_size=20), before=st.text(max_size=20))
def test_phrase_is_found_when_embedded(phrase: str, before: str) -> None:
    if not normalize(phrase):
        return
    text = f"{before} {phrase} and more"
    m = PhraseMatcher([phrase]).find(text)
    assert m is not None
    assert text[m.start : m.end] == m.matched_text

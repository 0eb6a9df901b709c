"""The per-text caches (text.memo) are bounded by characters as well as entries, whatever texts come in, and never
change an answer: matching and sentiment give the same results with no cache at all."""

from collections.abc import Iterator

import pytest

from service.config import DEFAULT_STANDARDS_FILE
from service.scoring import script_compliance, sentiment
from service.scoring.script_compliance import matcher_for
from service.scoring.text_match import PhraseMatcher
from service.standards.loader import load_standard
from service.text.memo import DEFAULT_TEXT_CACHE_CHARS, MISSING, TextMemo, set_text_cache_chars, text_cache_chars
from service.text.normalize import normalized


@pytest.fixture
def budget() -> Iterator[None]:
    yield
    set_text_cache_chars(DEFAULT_TEXT_CACHE_CHARS)


def test_a_memo_is_emptied_before_it_holds_more_characters_or_entries_than_allowed(budget: None) -> None:
    set_text_cache_chars(100)
    memo: TextMemo[str, int] = TextMemo(max_entries=4)
    for i in range(50):
        text = f"{i:02d}" * 10  # 20 characters
        memo.put(text, i, len(text))
        assert memo.chars <= 100 and len(memo) <= 4
        assert memo.get(text) == i
    memo.put("x" * 101, 1, 101)  # a text over the whole budget is not kept
    assert memo.get("x" * 101) is MISSING


def test_a_zero_budget_keeps_nothing(budget: None) -> None:
    set_text_cache_chars(0)
    memo: TextMemo[str, int] = TextMemo(max_entries=10)
    memo.put("hello", 1, 5)
    assert len(memo) == 0 and memo.get("hello") is MISSING
    with pytest.raises(ValueError, match="negative"):
        set_text_cache_chars(-1)


def test_long_unique_texts_cannot_grow_the_normal_form_cache_past_its_budget(budget: None) -> None:
    set_text_cache_chars(50_000)
    normalized.cache_clear()
    for i in range(40):
        normalized(f"call {i} " + "the customer would like a refund for the order " * 200)  # ~9,600 chars each
        assert normalized.memo.chars <= text_cache_chars()
    assert len(normalized.memo) <= 5


def test_answers_are_the_same_without_any_cache(budget: None) -> None:
    texts = ["Thank you for calling Acme, my name is Ann", "this is ridiculous, I want a refund", "ok", "谢谢您的耐心"]
    std = load_standard(DEFAULT_STANDARDS_FILE).standard.sentiment

    def answers() -> list[object]:
        matcher = PhraseMatcher(["thank you for calling", "my name is", "谢谢"])
        return [(matcher.find(t), sentiment.utterance_sentiment(t, std)) for t in texts * 2]

    cached = answers()
    set_text_cache_chars(0)
    normalized.cache_clear()
    sentiment.polarity.cache_clear()
    assert answers() == cached


def test_compiled_matchers_are_kept_for_the_most_recent_rule_contents_only() -> None:
    """Every candidate standard an admin tries compiles its rules' matchers: the table must not only grow."""
    std = load_standard(DEFAULT_STANDARDS_FILE).standard
    rule = std.script_rules[0]
    for i in range(300):
        candidate = rule.model_copy(update={"phrases": {"en": (f"thank you for calling branch {i}",)}})
        assert matcher_for(candidate, std).find(f"thank you for calling branch {i}") is not None
    assert script_compliance._matcher.cache_info().currsize <= 128

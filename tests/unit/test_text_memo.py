"""The per-text caches (text.memo) share one budget for the whole process, whatever texts come in and however many
memos exist; texts asked for again stay, others leave; and no cache ever changes an answer."""

import csv
import gc
import random
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.config import DEFAULT_STANDARDS_FILE
from service.scoring import script_compliance, sentiment, sentiment_zh
from service.scoring.script_compliance import matcher_for
from service.scoring.text_match import PhraseMatcher, TurnPosition
from service.standards.loader import load_standard
from service.text import memo as memo_module
from service.text.memo import (
    DEFAULT_TEXT_CACHE_MB,
    MISSING,
    EntryCost,
    TextMemo,
    set_text_cache_bytes,
    text_cache_bytes,
    text_cache_usage,
)
from service.text.normalize import normalized

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
COST = EntryCost(entry=100, per_char=1, per_wide_char=4)


@pytest.fixture
def budget() -> Iterator[None]:
    yield
    set_text_cache_bytes(DEFAULT_TEXT_CACHE_MB * 2**20)


def test_an_entry_costs_its_fixed_part_and_its_characters_wide_ones_more() -> None:
    assert COST.of("hello") == 105
    assert COST.of("谢谢") == 108
    assert COST.of("") == 100


def test_memos_together_never_hold_more_than_the_budget(budget: None) -> None:
    set_text_cache_bytes(3_000)
    memos: list[TextMemo[str, int]] = [TextMemo(COST) for _ in range(5)]
    for i in range(400):
        text = f"text {i:04d} " * 3  # 30 characters: 130 bytes
        memos[i % 5].put(text, i)
        assert sum(m.charged() for m in memos) <= 3_000
        assert memos[i % 5].get(text) == i
    assert text_cache_usage()[0] <= 1_500


def test_a_text_asked_for_again_stays_and_one_nobody_asks_for_leaves(budget: None) -> None:
    set_text_cache_bytes(2_000)  # a generation: 1,000 bytes, 9 entries of 105
    hot: TextMemo[str, str] = TextMemo(COST)
    cold: TextMemo[str, str] = TextMemo(COST)
    cold.put("cold!", "C")
    for i in range(100):
        hot.put(f"n{i:04d}", "new")  # 105 bytes each: a rotation every 9
        assert hot.get("live1") in (MISSING, "L")
        if hot.get("live1") is MISSING:
            hot.put("live1", "L")
    assert hot.get("live1") == "L"  # asked for on every "rescore": moved back to the young generation each time
    assert cold.get("cold!") is MISSING  # two rotations later it is gone, from its own memo too
    assert text_cache_usage()[1] >= 2


def test_a_text_over_half_the_budget_is_not_kept_and_zero_keeps_nothing(budget: None) -> None:
    set_text_cache_bytes(1_000)
    m: TextMemo[str, int] = TextMemo(COST)
    m.put("x" * 401, 1)  # 501 bytes: more than a generation
    assert m.get("x" * 401) is MISSING
    set_text_cache_bytes(0)
    m.put("hi", 1)
    assert len(m) == 0 and m.get("hi") is MISSING
    with pytest.raises(ValueError, match="negative"):
        set_text_cache_bytes(-1)


def test_a_memo_that_is_dropped_leaves_the_budget() -> None:
    before = len(memo_module._BUDGET.memos)
    m: TextMemo[str, int] = TextMemo(COST)
    assert len(memo_module._BUDGET.memos) == before + 1
    del m
    gc.collect()
    assert len(memo_module._BUDGET.memos) == before


def test_keys_may_be_a_text_with_its_context(budget: None) -> None:
    m: TextMemo[tuple[str, bool], int] = TextMemo(COST)
    m.put(("hello", True), 1)
    assert m.get(("hello", True)) == 1 and m.get(("hello", False)) is MISSING


def test_long_unique_texts_cannot_grow_the_normal_form_cache_past_the_budget(budget: None) -> None:
    set_text_cache_bytes(2_000_000)
    normalized.cache_clear()
    for i in range(40):
        normalized(f"call {i} " + "the customer would like a refund for the order " * 200)  # ~9,600 chars each
        assert normalized.memo.charged() <= text_cache_bytes()
    assert len(normalized.memo) <= 8


def test_however_many_matchers_exist_they_share_the_one_budget(budget: None) -> None:
    """Every candidate standard tried compiles its rules' matchers, each with a memo: the total stays bounded."""
    set_text_cache_bytes(200_000)
    std = load_standard(DEFAULT_STANDARDS_FILE).standard
    rule = std.script_rules[0]
    matchers = []
    for i in range(100):
        candidate = rule.model_copy(update={"phrases": {"en": (f"thank you for calling branch {i}",)}})
        matchers.append(matcher_for(candidate, std))
    for n in range(50):
        for m in matchers:
            m.find(f"customer turn {n}: thank you for calling branch {n}", TurnPosition(True, False, "agent"))
    found = [m._found for m in matchers]
    assert sum(f.charged() for f in found) <= text_cache_bytes()
    assert script_compliance._matcher.cache_info().currsize <= 128


def _texts(rng: random.Random) -> list[str]:
    en = [line.split("\t")[2] for line in (DATA / "vader" / "tweets_GroundTruth.txt").read_text().splitlines()[:3000]]
    with (DATA / "zh_sentiment" / "online_shopping_10_cats.csv").open(encoding="utf-8") as f:
        zh = [row[2] for row in list(csv.reader(f))[1:3000] if len(row) >= 3 and row[2]]
    # long and short, English and Chinese; created here, so that the memos' keys are the only references kept
    return [" ".join(rng.sample(pool, k)) + f" {i}" for i in range(60) for pool in (en, zh) for k in (1, 6)]


@pytest.mark.skipif(not DATA.exists(), reason="the shared data set is not on this machine")
def test_the_estimates_cover_what_the_memos_really_hold(budget: None) -> None:
    """What tracemalloc sees the memos allocate is at most what they were charged, so the budget is a true bound
    on the memory they hold (normal forms of Chinese text cost ~5x English per character)."""
    std = load_standard(DEFAULT_STANDARDS_FILE).standard
    matchers = [matcher_for(rule, std) for rule in std.script_rules[:2]]  # every matcher's memo is alike
    sentiment_zh.shipped()  # the model is loaded once, not charged to any memo
    set_text_cache_bytes(2**40)  # no rotation: every entry stays, charged once
    rng = random.Random(7)
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        charged0 = text_cache_usage()[0]
        for text in _texts(rng):
            sentiment.utterance_sentiment(text, std.sentiment)
            sentiment.polarity(text)
            sentiment_zh.score(text)
            for m in matchers:
                m.find(text, TurnPosition(False, False, "agent"))
            del text
        gc.collect()
        used = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    charged = text_cache_usage()[0] - charged0
    assert used <= charged, f"the memos hold {used:,} bytes but were charged {charged:,}"
    assert charged <= 4 * used, f"estimates far too high: charged {charged:,} for {used:,} bytes"


def test_answers_are_the_same_without_any_cache(budget: None) -> None:
    texts = ["Thank you for calling Acme, my name is Ann", "this is ridiculous, I want a refund", "ok", "谢谢您的耐心"]
    std = load_standard(DEFAULT_STANDARDS_FILE).standard.sentiment

    def answers() -> list[object]:
        matcher = PhraseMatcher(["thank you for calling", "my name is", "谢谢"])
        return [(matcher.find(t), sentiment.utterance_sentiment(t, std)) for t in texts * 2]

    cached = answers()
    set_text_cache_bytes(300)  # rotations all the time
    assert answers() == cached
    set_text_cache_bytes(0)
    assert answers() == cached


def test_compiled_matchers_are_kept_for_the_most_recent_rule_contents_only() -> None:
    """Every candidate standard an admin tries compiles its rules' matchers: the table must not only grow."""
    std = load_standard(DEFAULT_STANDARDS_FILE).standard
    rule = std.script_rules[0]
    for i in range(300):
        candidate = rule.model_copy(update={"phrases": {"en": (f"thank you for calling branch {i}",)}})
        assert matcher_for(candidate, std).find(f"thank you for calling branch {i}") is not None
    assert script_compliance._matcher.cache_info().currsize <= 128

"""Results derived from texts (normal forms, sentiment, phrase matches), kept so that a live call's turns are
not worked out again on every rescore, within ONE memory budget for the whole process, however many memos
exist (one per script rule's phrase matcher, per standard tried, per analyser).

Each entry is charged an estimate of the bytes it keeps alive: its text (the memo keeps the key string) and what
was derived from it, per character, plus a fixed part per entry (dict slot, result object). Each memo states its
estimate (`EntryCost`), measured on English and Chinese texts (tests/unit/test_text_memo.py checks that the
estimates cover what tracemalloc sees). Non-ASCII text costs more per character: in a normal form each CJK
character is a unit of its own, with its offsets.

The budget (CALLQA_TEXT_CACHE_MB, set at the start of every serve or consume process by service/runtime.py) is
split into two generations. New entries go to the young one; when the young generation of all memos together
reaches half the budget, every memo's old generation is dropped and its young one becomes old. A lookup that
finds its entry in the old generation moves it back to the young one (charged again), so the texts of live
calls, asked for on every rescore, stay, and texts nobody asks for again leave within two generations. What all
memos hold together is thus at most the budget (entries charged in the last two generations), and a lookup is
one dict read when the entry is young. Pure module (stdlib only).
"""

import functools
import threading
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

DEFAULT_TEXT_CACHE_MB = 64
MISSING: object = object()


@dataclass(frozen=True, slots=True)
class EntryCost:
    """Estimated bytes one entry keeps alive: `entry` + `per_char` (ASCII text) or `per_wide_char` (any other
    text) per character of the text behind its key."""

    entry: int
    per_char: int
    per_wide_char: int

    def of(self, text: str) -> int:
        return self.entry + len(text) * (self.per_char if text.isascii() else self.per_wide_char)


class _Budget:
    """The process's budget, shared by every TextMemo; the memos are held weakly (a matcher that is dropped
    takes its memo with it)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.young_bytes = 0  # charged since the last rotation
        self.rotations = 0
        self.memos: weakref.WeakSet[TextMemo[object, object]] = weakref.WeakSet()
        self.lock = threading.Lock()

    def charge(self, memo: "TextMemo[K, V]", key: K, value: V, cost: int) -> None:
        """Keep `value` in `memo`'s young generation, rotating every memo first if the young ones are full."""
        if cost > self.max_bytes // 2:
            return
        with self.lock:
            if self.young_bytes + cost > self.max_bytes // 2:
                for m in list(self.memos):
                    m.rotate()
                self.young_bytes = 0
                self.rotations += 1
            memo.young[key] = value
            self.young_bytes += cost


_BUDGET = _Budget(DEFAULT_TEXT_CACHE_MB * 2**20)


def set_text_cache_bytes(max_bytes: int) -> None:
    """What all text memos of the process hold at most, in (estimated) bytes; 0: nothing is kept."""
    if max_bytes < 0:
        raise ValueError(f"a text cache budget cannot be negative, got {max_bytes}")
    with _BUDGET.lock:
        _BUDGET.max_bytes = max_bytes
        for memo in list(_BUDGET.memos):
            memo.clear()
        _BUDGET.young_bytes = 0


def text_cache_bytes() -> int:
    return _BUDGET.max_bytes


def text_cache_usage() -> tuple[int, int]:
    """(bytes charged to the young generation, rotations so far): for metrics, benchmarks and tests."""
    return _BUDGET.young_bytes, _BUDGET.rotations


def _text_of(key: object) -> str:
    return key if isinstance(key, str) else key[0]  # type: ignore[index,no-any-return]


class TextMemo(Generic[K, V]):
    """A dict from a text (or a tuple whose first item is the text) to what was derived from it, within the
    process's budget (see the module docstring)."""

    __slots__ = ("__weakref__", "cost", "old", "young")

    def __init__(self, cost: EntryCost) -> None:
        self.cost = cost
        self.young: dict[K, V] = {}
        self.old: dict[K, V] = {}
        with _BUDGET.lock:
            _BUDGET.memos.add(self)  # type: ignore[arg-type]

    def __len__(self) -> int:
        return len(self.young.keys() | self.old.keys())

    def get(self, key: K, default: object = MISSING) -> V | object:
        found = self.young.get(key, MISSING)
        if found is MISSING:
            found = self.old.get(key, MISSING)
            if found is MISSING:
                return default
            self.put(key, found)  # type: ignore[arg-type]
        return found

    def put(self, key: K, value: V) -> None:
        _BUDGET.charge(self, key, value, self.cost.of(_text_of(key)))

    def charged(self) -> int:
        """Bytes charged for what this memo holds now (an entry in both generations counts twice)."""
        return sum(self.cost.of(_text_of(k)) for gen in (self.young, self.old) for k in gen)

    def rotate(self) -> None:
        self.old, self.young = self.young, {}

    def clear(self) -> None:
        self.young, self.old = {}, {}


class MemoizedByText(Generic[V]):
    """`fn(text)` memoized in a TextMemo; `cache_clear()` as functools.lru_cache has it."""

    def __init__(self, fn: Callable[[str], V], cost: EntryCost) -> None:
        functools.update_wrapper(self, fn)
        self._fn = fn
        self.memo: TextMemo[str, V] = TextMemo(cost)

    def __call__(self, text: str) -> V:
        found = self.memo.get(text)
        if found is MISSING:
            found = self._fn(text)
            self.memo.put(text, found)
        return found  # type: ignore[return-value]

    def uncached(self, text: str) -> V:
        """`fn(text)` past the memo: for a caller that keeps what it derives from the result in a memo of its own
        (the same text kept twice would cost twice the lookups and the memory)."""
        return self._fn(text)

    def cache_clear(self) -> None:
        self.memo.clear()


def memoized_by_text(cost: EntryCost) -> Callable[[Callable[[str], V]], MemoizedByText[V]]:
    """Decorator: a function of one text, memoized within the process's text cache budget."""
    return lambda fn: MemoizedByText(fn, cost)

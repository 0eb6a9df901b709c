"""Results derived from texts (normal forms, sentiment, phrase matches), kept so that a live call's turns are
not worked out again on every rescore, and bounded by the characters of the texts they hold as well as by their
number: a count alone lets a sender of long unique texts (up to CALLQA_MAX_TEXT_CHARS each) grow a process by
gigabytes, since a normal form costs ~12-32 bytes per character.

A full memo is emptied at once (the texts of live calls come back through it soon enough); that is cheaper per
lookup than keeping an LRU order, and lookups are on the hot path. Pure module (stdlib only).

The character budget is per memo and process-wide: `set_text_cache_chars` (from CALLQA_TEXT_CACHE_CHARS, at the
start of every serve or consume process; service/runtime.py).
"""

import functools
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

DEFAULT_TEXT_CACHE_CHARS = 4_000_000
_budget = [DEFAULT_TEXT_CACHE_CHARS]  # a list: set once at start-up, read by every memo on insert
MISSING: object = object()


def set_text_cache_chars(chars: int) -> None:
    """Characters of text each memo holds at most (0: nothing is kept)."""
    if chars < 0:
        raise ValueError(f"a text cache budget cannot be negative, got {chars}")
    _budget[0] = chars


def text_cache_chars() -> int:
    return _budget[0]


class TextMemo(Generic[K, V]):
    """A dict bounded by entries and by the characters of the texts behind its keys; emptied when full."""

    __slots__ = ("_chars", "_entries", "_max_entries")

    def __init__(self, max_entries: int) -> None:
        self._entries: dict[K, V] = {}
        self._chars = 0
        self._max_entries = max_entries

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def chars(self) -> int:
        return self._chars

    def get(self, key: K, default: object = MISSING) -> V | object:
        return self._entries.get(key, default)

    def put(self, key: K, value: V, chars: int) -> None:
        """Keep `value` for `key`, whose texts have `chars` characters (a text over the budget is not kept)."""
        budget = _budget[0]
        if chars > budget:
            return
        if len(self._entries) >= self._max_entries or self._chars + chars > budget:
            self.clear()
        self._entries[key] = value
        self._chars += chars

    def clear(self) -> None:
        self._entries = {}
        self._chars = 0


class MemoizedByText(Generic[V]):
    """`fn(text)` memoized in a TextMemo; `cache_clear()` as functools.lru_cache has it."""

    def __init__(self, fn: Callable[[str], V], max_entries: int) -> None:
        functools.update_wrapper(self, fn)
        self._fn = fn
        self.memo: TextMemo[str, V] = TextMemo(max_entries)

    def __call__(self, text: str) -> V:
        found = self.memo.get(text)
        if found is MISSING:
            found = self._fn(text)
            self.memo.put(text, found, len(text))
        return found  # type: ignore[return-value]

    def cache_clear(self) -> None:
        self.memo.clear()


def memoized_by_text(max_entries: int) -> Callable[[Callable[[str], V]], MemoizedByText[V]]:
    """Decorator: a function of one text, memoized within the process's text cache budget."""
    return lambda fn: MemoizedByText(fn, max_entries)

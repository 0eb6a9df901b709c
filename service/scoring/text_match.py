"""Tolerant phrase matching for call-center transcripts.

Pure module (stdlib + rapidfuzz): no I/O, no framework imports. The text is normalized first
(service.text.normalize: casefold, NFKC, contractions, CJK units); phrases use the phrase syntax
(service.text.phrase_syntax: optional words, alternatives, word classes, wildcards, anchors, spelling
tolerance). A phrase may carry conditions: the turn it counts in (the speaker's first or last), and a negative
context (words right before or after the match that make it mean something else).

Glued words of chat and fast speech-to-text ("thankyou", "okbye", "higood morning") are split, and one typo
in a long word ("mornig", "monring") repaired, before matching, only into words of the matcher's own phrases:
the repair never invents words the standard does not use.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein

from service.text.memo import MISSING, EntryCost, TextMemo
from service.text.normalize import Normalized, is_cjk, normalize, normalized
from service.text.phrase_syntax import CompiledPhrase, compile_any, compile_context, compile_phrase, has_syntax

__all__ = ["PhraseMatch", "PhraseMatcher", "PhraseWithConditions", "TurnPosition", "normalize"]


@dataclass(frozen=True, slots=True)
class PhraseMatch:
    phrase: str  # the phrase (or regex pattern source) from the standard that matched
    matched_text: str  # the exact span of the ORIGINAL utterance text that matched
    start: int  # char offsets of that span in the original text
    end: int
    method: str  # "exact" | "variant" (a chat / speech-to-text spelling of it) | "pattern" | "fuzzy"
    similarity: float  # 1.0 for exact and pattern; rapidfuzz ratio/100 for fuzzy and variant


@dataclass(frozen=True, slots=True)
class TurnPosition:
    """Where a turn is among its speaker's turns (`last` only once the interaction has ended), and whose it is."""

    first: bool
    last: bool
    speaker: str | None = None


class PhraseWithConditions(Protocol):
    """A phrase of a pack with its conditions (the standard's PhraseSpec)."""

    @property
    def say(self) -> str: ...
    @property
    def turn(self) -> str | None: ...  # "first" | "last" | None
    @property
    def unless_followed_by(self) -> Sequence[str]: ...
    @property
    def unless_preceded_by(self) -> Sequence[str]: ...
    @property
    def unless_turn_also(self) -> Iterable[tuple[str, Sequence[str]]]: ...  # (speaker, phrases) pairs


@dataclass(frozen=True, slots=True)
class _Entry:
    order: int
    compiled: CompiledPhrase
    turn: str | None
    followed: re.Pattern[str] | None
    preceded: re.Pattern[str] | None
    turn_also: Mapping[str, re.Pattern[str]]  # speaker -> another act that, anywhere else in the turn, vetoes

    def counts_at(self, position: TurnPosition | None) -> bool:
        if self.turn is None:
            return True
        return position is not None and (position.first if self.turn == "first" else position.last)

    def vetoed(self, spaced: str, start: int, end: int, position: TurnPosition | None) -> bool:
        if self.followed is not None and self.followed.match(spaced, end):
            return True
        if self.preceded is not None and self.preceded.search(spaced, 0, start) is not None:
            return True
        other = self.turn_also.get(position.speaker or "") if position is not None else None
        return other is not None and any(m.end() <= start or m.start() >= end for m in other.finditer(spaced))


class _Spaced:
    """A normalized text as the phrase syntax sees it: every unit followed by one space, glued words split and
    one-typo spellings of the phrases' long words repaired.

    Piece k (a unit, or half of a glued one) starts at `starts[k]` in `text` and spans
    [`norm_starts[k]`, `norm_ends[k]`) of the normalized text; `unit_at[i]` is the (start, end) in `text` of
    normalized unit i. Matches start and end on pieces."""

    __slots__ = ("norm_ends", "norm_starts", "repaired", "starts", "text", "unit_at")

    def __init__(self, norm: Normalized, vocabulary: frozenset[str]) -> None:
        parts: list[str] = []
        self.starts: list[int] = []
        self.norm_starts: list[int] = []
        self.norm_ends: list[int] = []
        self.repaired: list[bool] = []
        self.unit_at: list[tuple[int, int]] = []
        pos = 0
        for i, unit in enumerate(norm.unit_texts()):
            begin = pos
            plain = norm.u_verbatim[i] and not is_cjk(unit) and unit not in vocabulary
            pieces = _repaired(unit, vocabulary) if plain else None
            offset = 0
            for piece, length in pieces or ((unit, len(unit)),):
                self.starts.append(pos)
                self.norm_starts.append(norm.u_start[i] + offset)
                self.norm_ends.append(norm.u_start[i] + offset + length)
                self.repaired.append(pieces is not None)
                parts.append(piece + " ")
                pos += len(piece) + 1
                offset += length
            self.unit_at.append((begin, pos))
        self.text = "".join(parts)

    def _pieces(self, start: int, end: int) -> tuple[int, int]:
        return bisect_right(self.starts, start) - 1, bisect_right(self.starts, end - 2) - 1

    def normalized_span(self, start: int, end: int) -> tuple[int, int]:
        """The normalized span of the spaced span [start, end), from a piece's start to the space after one."""
        i, j = self._pieces(start, end)
        return self.norm_starts[i], self.norm_ends[j]

    def was_repaired(self, start: int, end: int) -> bool:
        i, j = self._pieces(start, end)
        return any(self.repaired[i : j + 1])


_TYPO_MIN_LETTERS = 6  # shorter words are too close to other words to repair


def _unglue(word: str, vocabulary: frozenset[str]) -> tuple[tuple[str, int], ...] | None:
    """Split a word that is two words of the phrases written together ("okbye" -> "ok", "bye")."""
    if len(word) < 4:
        return None
    for k in range(len(word) - 2, 1, -1):
        if word[:k] in vocabulary and word[k:] in vocabulary:
            return (word[:k], k), (word[k:], len(word) - k)
    return None


def _retype(word: str, vocabulary: frozenset[str]) -> tuple[tuple[str, int], ...] | None:
    """The phrases' word a long word is one typo of, its first letter kept ("mornig", "monring" -> "morning")."""
    if len(word) < _TYPO_MIN_LETTERS or not word.isalpha():
        return None
    for known in vocabulary:
        close = len(known) >= _TYPO_MIN_LETTERS and known[0] == word[0] and abs(len(known) - len(word)) <= 1
        if close and DamerauLevenshtein.distance(word, known, score_cutoff=1) <= 1:
            return ((known, len(word)),)
    return None


# The same words come in text after text, and every matcher (one per script rule) spells out every new text: what
# each word of them is repaired to is kept (at most 16,384 words, a few MB; the least recently used leave).
@lru_cache(maxsize=16_384)
def _repaired(word: str, vocabulary: frozenset[str]) -> tuple[tuple[str, int], ...] | None:
    return _unglue(word, vocabulary) or _retype(word, vocabulary)


# What a matcher's memo keeps per turn searched (the turn's position and the match, its text shared with the other
# memos): turns are searched on every rescore of a live call. Measured in tests/unit/test_text_memo.py.
_FOUND_COST = EntryCost(600, 1, 4)


class PhraseMatcher:
    """Finds the first / best occurrence of any of a standard's phrases or patterns in an utterance.

    Precedence: a phrase match (earliest, then longest, then phrase order), then a pattern match (earliest,
    then pattern order), then the best fuzzy window (highest similarity, then earliest).
    """

    __slots__ = ("_entries", "_found", "_fuzzy", "_fuzzy_cutoff", "_patterns", "_vocabulary")

    def __init__(
        self,
        phrases: Sequence[str | PhraseWithConditions],
        patterns: Sequence[str] = (),
        fuzzy_threshold: float = 0.88,
        classes: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        if isinstance(phrases, str) or isinstance(patterns, str):
            raise TypeError("phrases and patterns must be sequences of strings, not a string")
        if not 0 < fuzzy_threshold <= 1:
            raise ValueError(f"fuzzy_threshold must be in (0, 1], got {fuzzy_threshold!r}")
        classes = classes or {}
        self._fuzzy_cutoff = fuzzy_threshold * 100 - 1e-9
        self._found: TextMemo[tuple[str, bool | None, bool | None, str | None], PhraseMatch | None] = TextMemo(
            _FOUND_COST
        )
        self._entries: list[_Entry] = []
        self._fuzzy: list[tuple[_Entry, str, int]] = []  # (entry, normalized wording, units)
        seen: set[tuple[object, ...]] = set()
        for order, item in enumerate(phrases):
            say = item if isinstance(item, str) else item.say
            turn = None if isinstance(item, str) else item.turn
            after = () if isinstance(item, str) else tuple(item.unless_followed_by)
            before = () if isinstance(item, str) else tuple(item.unless_preceded_by)
            also = () if isinstance(item, str) else tuple((who, tuple(ps)) for who, ps in item.unless_turn_also if ps)
            compiled = compile_phrase(say, classes)
            key = (compiled.regex.pattern, turn, after, before, also)
            if key in seen:
                continue
            seen.add(key)
            entry = _Entry(
                order,
                compiled,
                turn,
                compile_context(after, classes, after=True) if after else None,
                compile_context(before, classes, after=False) if before else None,
                {who: compile_any(ps, classes) for who, ps in also},
            )
            self._entries.append(entry)
            if not has_syntax(say):
                norm = normalized(say)
                if norm.word_tokens >= 3 or norm.cjk_units >= 4:
                    self._fuzzy.append((entry, norm.value, norm.units))
                continue
            for wording in compiled.wordings:  # a family's short wordings are too close to other short words
                norm = normalized(wording)
                if (norm.word_tokens >= 5 and len(wording) >= 16) or norm.cjk_units >= 5:
                    self._fuzzy.append((entry, wording, norm.units))
        self._vocabulary = frozenset().union(*(e.compiled.words for e in self._entries))
        self._patterns: list[tuple[str, re.Pattern[str]]] = []
        for pattern in patterns:
            try:
                self._patterns.append((pattern, re.compile(pattern, re.IGNORECASE)))
            except re.error as exc:
                raise ValueError(f"pattern {pattern!r} is not a valid regular expression: {exc}") from exc

    def find(self, text: str, position: TurnPosition | None = None) -> PhraseMatch | None:
        """The first phrase match, else the first pattern match, else the best fuzzy match; None if none.

        Phrases bound to a turn ("last") count only when `position` says the turn is that one."""
        # plain values hash faster than the dataclass; the speaker counts (`unless_turn_also` is per speaker)
        key = (text, position.first, position.last, position.speaker) if position else (text, None, None, None)
        found = self._found.get(key)
        if found is MISSING:
            found = self._search(text, position)
            self._found.put(key, found)
        return found  # type: ignore[return-value]

    def _search(self, text: str, position: TurnPosition | None) -> PhraseMatch | None:
        if not text:
            return None
        norm = normalized(text)
        if not norm.units:
            return None
        spaced = _Spaced(norm, self._vocabulary)
        return (
            self._find_phrase(norm, spaced, position)
            or self._find_pattern(norm)
            or self._find_fuzzy(norm, spaced, position)
        )

    @staticmethod
    def _result(norm: Normalized, phrase: str, span: tuple[int, int], method: str, sim: float) -> PhraseMatch:
        start, end = span
        return PhraseMatch(phrase, norm.text[start:end], start, end, method, sim)

    def _find_phrase(self, norm: Normalized, spaced: _Spaced, position: TurnPosition | None) -> PhraseMatch | None:
        best: tuple[tuple[int, int, int], _Entry, re.Match[str]] | None = None
        for entry in self._entries:
            if not entry.counts_at(position):
                continue
            for m in entry.compiled.regex.finditer(spaced.text):
                if m.end() > m.start() and not entry.vetoed(spaced.text, m.start(), m.end(), position):
                    rank = (m.start(), m.start() - m.end(), entry.order)
                    if best is None or rank < best[0]:
                        best = (rank, entry, m)
                    break
        if best is None:
            return None
        _, entry, m = best
        span = norm.original_span(*spaced.normalized_span(m.start(), m.end()))
        if entry.compiled.strict.fullmatch(m.group()) and not spaced.was_repaired(m.start(), m.end()):
            return self._result(norm, entry.compiled.source, span, "exact", 1.0)
        said = m.group().strip()
        wordings = entry.compiled.wordings
        similarity = process.extractOne(said, wordings, scorer=fuzz.ratio)[1] / 100 if wordings else 1.0
        return self._result(norm, entry.compiled.source, span, "variant", min(1.0, similarity))

    def _find_pattern(self, norm: Normalized) -> PhraseMatch | None:
        best: tuple[int, int, str] | None = None  # (start, end, pattern) in the normalized text
        value = norm.value
        for pattern, compiled in self._patterns:
            for m in compiled.finditer(value):
                ns, ne = m.span()
                while ns < ne and value[ns] == " ":
                    ns += 1
                while ne > ns and value[ne - 1] == " ":
                    ne -= 1
                if ns < ne:
                    if best is None or ns < best[0]:
                        best = (ns, ne, pattern)
                    break
        if best is None:
            return None
        return self._result(norm, best[2], norm.original_span(best[0], best[1]), "pattern", 1.0)

    def _find_fuzzy(self, norm: Normalized, spaced: _Spaced, position: TurnPosition | None) -> PhraseMatch | None:
        if not self._fuzzy:
            return None
        windows: dict[int, list[str]] = {}
        value, u_start, u_end, units = norm.value, norm.u_start, norm.u_end, norm.units
        best: tuple[float, int, int, _Entry] | None = None  # (score, first unit, last unit, entry)
        for entry, target, size in self._fuzzy:
            if not entry.counts_at(position):
                continue
            for length in range(max(1, size - 1), min(size + 1, units) + 1):
                choices = windows.get(length)
                if choices is None:
                    choices = windows[length] = [
                        value[u_start[i] : u_end[i + length - 1]] for i in range(units - length + 1)
                    ]
                cutoff = self._fuzzy_cutoff if best is None else max(self._fuzzy_cutoff, best[0])
                found = process.extractOne(target, choices, scorer=fuzz.ratio, score_cutoff=cutoff)
                if found is None:
                    continue
                score, first = float(found[1]), int(found[2])
                last = first + length - 1
                if entry.vetoed(spaced.text, spaced.unit_at[first][0], spaced.unit_at[last][1], position):
                    continue
                if best is None or score > best[0] or (score == best[0] and first < best[1]):
                    best = (score, first, last, entry)
        if best is None:
            return None
        similarity = min(1.0, best[0] / 100)
        return self._result(norm, best[3].compiled.source, norm.unit_span(best[1], best[2]), "fuzzy", similarity)

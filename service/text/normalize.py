"""The normalized form of call-center text that phrase matching sees.

Pure module (stdlib only): no I/O, no framework imports.

Matching works on a *normalized* form of the text (see :func:`normalize`):

* NFKC (full-width ``ＨＥＬＬＯ`` -> ``hello``, ``，`` -> ``,``) then casefold (then NFKC again if needed);
* every character that is not a letter, digit or combining mark (punctuation, symbols, whitespace,
  control characters, ``_``) is a separator; runs of separators become one space;
* CJK characters (Han, kana, Hangul, bopomofo) are one unit each and are joined without spaces, so
  ``请 稍 等`` and ``请稍等`` normalize alike; Latin (and any other spaced script) words are units
  matched at word boundaries; a CJK character and an adjacent non-CJK word are separated by one space
  (``工号1234`` -> ``工号 1234``);
* apostrophes (``'`` ``’`` ``‘`` ``ʼ`` `````` ``´`` ``＇``) inside a word are resolved: contractions are
  expanded (``I'm`` -> ``i am``, ``can't``/``cannot`` -> ``can not``, ``won't`` -> ``will not``,
  ``it's`` -> ``it is`` ...), unambiguous apostrophe-less speech-to-text spellings too (``dont``,
  ``im``, ``youre`` ...), and any other apostrophe is dropped (``customer's`` -> ``customers``).

Every normalized character keeps a link to the span of the original text it came from, so a match
reports the exact words the agent said.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from functools import lru_cache

from service.text.memo import EntryCost, memoized_by_text

__all__ = ["Normalized", "is_cjk", "normalize", "normalized"]


# --------------------------------------------------------------------------------------------------
# character classes

_CJK_RANGES: tuple[tuple[int, int], ...] = (
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x2E80, 0x2FDF),  # CJK radicals supplement, Kangxi radicals
    (0x3005, 0x3007),  # 々 〆 〇
    (0x3021, 0x3029),  # Hangzhou numerals
    (0x3031, 0x3035),  # kana repeat marks
    (0x303B, 0x303C),  # 〻 〼
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3100, 0x312F),  # Bopomofo
    (0x3130, 0x318F),  # Hangul compatibility Jamo
    (0x31A0, 0x31BF),  # Bopomofo extended
    (0x31F0, 0x31FF),  # Katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK unified ideographs extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xA960, 0xA97F),  # Hangul Jamo extended-A
    (0xAC00, 0xD7FF),  # Hangul syllables, Hangul Jamo extended-B
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFF9F),  # half-width Katakana (NFKC widens them anyway)
    (0x1B000, 0x1B16F),  # Kana supplement / extended-A / small kana
    (0x20000, 0x3FFFF),  # CJK unified ideographs extensions B..
)

_VARIATION_SELECTORS = ((0xFE00, 0xFE0F), (0xE0100, 0xE01EF))


def _class_body(ranges: Sequence[tuple[int, int]]) -> str:
    return "".join(
        re.escape(chr(lo)) if lo == hi else f"{re.escape(chr(lo))}-{re.escape(chr(hi))}" for lo, hi in ranges
    )


def _mark_ranges() -> list[tuple[int, int]]:
    """Code point ranges of combining marks (Mn, Mc, Me), variation selectors excluded (they separate)."""
    ranges: list[tuple[int, int]] = []
    candidates = (range(0x0300, 0x20000), range(0xE0000, 0xE1000))
    for block in candidates:
        for cp in block:
            if unicodedata.category(chr(cp))[0] != "M":
                continue
            if any(lo <= cp <= hi for lo, hi in _VARIATION_SELECTORS):
                continue
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1] = (ranges[-1][0], cp)
            else:
                ranges.append((cp, cp))
    return ranges


_MARK = f"[{_class_body(_mark_ranges())}]"
_CJK = _class_body(_CJK_RANGES)
_WORD_START = r"[^\W_]"
_WORD_CHAR = rf"(?:[^\W_]|{_MARK})"
_APOSTROPHES = "'’‘ʼ`´＇"  # the look-alikes are the point
_APOS = f"[{re.escape(_APOSTROPHES)}]"

# a word: letters/digits (and their combining marks) possibly joined by apostrophes ("can't", "o'clock")
_TOKEN_RE = re.compile(rf"{_WORD_START}{_WORD_CHAR}*(?:{_APOS}{_WORD_START}{_WORD_CHAR}*)*")
# inside a token: one CJK character (with its marks) per unit, everything else is a word
_CJK_SPLIT_RE = re.compile(rf"([{_CJK}]{_MARK}*)|[^{_CJK}]+")
_CJK_CHAR_RE = re.compile(f"[{_CJK}]")
_APOS_TRANSLATION = str.maketrans(dict.fromkeys(_APOSTROPHES, "'"))

# --------------------------------------------------------------------------------------------------
# contractions (canonical form: the expanded words)


def _expansions(table: dict[str, str]) -> dict[str, tuple[str, ...]]:
    """A contraction table as the words each spelling stands for."""
    return {k: tuple(v.split()) for k, v in table.items()}


_WHOLE_WORD: dict[str, tuple[str, ...]] = _expansions(
    {
        "can't": "can not",
        "won't": "will not",
        "shan't": "shall not",
        "ain't": "is not",
        "let's": "let us",
        "y'all": "you all",
    }
)

# spellings without an apostrophe that speech-to-text produces and that are not ordinary words
_BARE: dict[str, tuple[str, ...]] = _expansions(
    {
        "cannot": "can not",
        "cant": "can not",
        "wont": "will not",
        "im": "i am",
        "ive": "i have",
        "dont": "do not",
        "doesnt": "does not",
        "didnt": "did not",
        "isnt": "is not",
        "arent": "are not",
        "wasnt": "was not",
        "werent": "were not",
        "havent": "have not",
        "hasnt": "has not",
        "hadnt": "had not",
        "couldnt": "could not",
        "shouldnt": "should not",
        "wouldnt": "would not",
        "mustnt": "must not",
        "thats": "that is",
        "whats": "what is",
        "theres": "there is",
        "heres": "here is",
        "youre": "you are",
        "theyre": "they are",
        "youve": "you have",
        "weve": "we have",
        "theyve": "they have",
        "youll": "you will",
        "theyll": "they will",
        "itll": "it will",
        "youd": "you would",
        "theyd": "they would",
    }
)

_SUFFIXES: dict[str, str] = {"m": "am", "re": "are", "ve": "have", "ll": "will", "d": "would"}

# words whose "'s" means "is" (elsewhere "'s" is a possessive and the apostrophe is just dropped)
_S_IS = frozenset(
    (
        *("it", "that", "what", "here", "there", "he", "she", "who", "where", "how", "when", "why"),
        *("everything", "nothing", "something", "someone", "everyone"),
    )
)


@lru_cache(maxsize=16384)
def _expand_word(word: str) -> tuple[str, ...]:
    """The canonical words for one casefolded word, contractions expanded."""
    w = word.translate(_APOS_TRANSLATION).strip("'")
    if "'" not in w:
        return _BARE.get(w, (w,)) if w else ()
    whole = _WHOLE_WORD.get(w)
    if whole is not None:
        return whole
    stem, _, suffix = w.rpartition("'")
    if suffix == "t" and stem.endswith("n") and len(stem) > 1:  # don't, isn't, shouldn't've
        return (*_expand_word(stem[:-1]), "not")
    if suffix in _SUFFIXES:
        return (*_expand_word(stem), _SUFFIXES[suffix])
    if suffix == "s" and stem in _S_IS:
        return (*_expand_word(stem), "is")
    return _expand_word(w.replace("'", ""))


# --------------------------------------------------------------------------------------------------
# normalization with an offset map


@lru_cache(maxsize=8192)
def _fold_cluster(cluster: str) -> str:
    if len(cluster) == 1 and cluster in _APOSTROPHES:
        return "'"  # before NFKC: "´" would otherwise become " ́"
    folded = unicodedata.normalize("NFKC", cluster).casefold()
    return folded if unicodedata.is_normalized("NFKC", folded) else unicodedata.normalize("NFKC", folded)


def _fold(text: str) -> tuple[str, list[int] | None, list[int] | None]:
    """NFKC + casefold, with the original span of every folded char (None: identity mapping)."""
    if unicodedata.is_normalized("NFKC", text):
        folded = text.casefold()
        if len(folded) == len(text) and unicodedata.is_normalized("NFKC", folded):
            return folded, None, None
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    n = len(text)
    i = 0
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        piece = _fold_cluster(text[i:j])
        parts.append(piece)
        starts.extend([i] * len(piece))
        ends.extend([j] * len(piece))
        i = j
    return "".join(parts), starts, ends


class Normalized:
    """A normalized text: the string matching sees, its units (words / CJK chars) and the offset map."""

    __slots__ = (
        "cjk_units",
        "folded_ends",
        "folded_starts",
        "text",
        "u_end",
        "u_fa",
        "u_fb",
        "u_start",
        "u_verbatim",
        "units",
        "value",
        "word_tokens",
    )

    def __init__(self, text: str) -> None:
        self.text = text
        folded, self.folded_starts, self.folded_ends = _fold(text)
        self.u_start: list[int] = []  # unit offsets in the normalized string
        self.u_end: list[int] = []
        self.u_fa: list[int] = []  # unit span in the folded string
        self.u_fb: list[int] = []
        self.u_verbatim: list[bool] = []  # unit text == folded[fa:fb] (char-exact mapping)
        self.cjk_units = 0
        self.word_tokens = 0  # non-CJK words as written (before contraction expansion)
        parts: list[str] = []
        pos = 0
        prev_cjk = False

        def add(unit: str, fa: int, fb: int, verbatim: bool, cjk: bool) -> None:
            nonlocal pos, prev_cjk
            if parts and not (cjk and prev_cjk):
                parts.append(" ")
                pos += 1
            parts.append(unit)
            self.u_start.append(pos)
            pos += len(unit)
            self.u_end.append(pos)
            self.u_fa.append(fa)
            self.u_fb.append(fb)
            self.u_verbatim.append(verbatim)
            prev_cjk = cjk

        def add_word(word: str, fa: int, fb: int) -> None:
            expanded = _expand_word(word)
            if not expanded:
                return
            self.word_tokens += 1
            if len(expanded) == 1 and expanded[0] == word:
                add(word, fa, fb, True, False)
            else:
                for w in expanded:
                    add(w, fa, fb, False, False)

        for m in _TOKEN_RE.finditer(folded):
            token = m.group()
            start = m.start()
            if token.isascii():
                add_word(token, start, m.end())
                continue
            for piece in _CJK_SPLIT_RE.finditer(token):
                a, b = start + piece.start(), start + piece.end()
                if piece.group(1) is not None:
                    self.cjk_units += 1
                    add(piece.group(), a, b, True, True)
                else:
                    add_word(piece.group(), a, b)
        self.value = "".join(parts)
        self.units = len(self.u_start)

    def original_span(self, ns: int, ne: int) -> tuple[int, int]:
        """Original span of the normalized span [ns, ne), which must start and end inside units."""
        i = bisect_right(self.u_start, ns) - 1
        j = bisect_right(self.u_start, ne - 1) - 1
        fa = self.u_fa[i] + (ns - self.u_start[i]) if self.u_verbatim[i] else self.u_fa[i]
        fb = self.u_fa[j] + (ne - self.u_start[j]) if self.u_verbatim[j] else self.u_fb[j]
        if self.folded_starts is None or self.folded_ends is None:
            return fa, fb
        return self.folded_starts[fa], self.folded_ends[fb - 1]

    def unit_span(self, first: int, last: int) -> tuple[int, int]:
        return self.original_span(self.u_start[first], self.u_end[last])

    def unit_texts(self) -> list[str]:
        return [self.value[a:b] for a, b in zip(self.u_start, self.u_end, strict=True)]


@memoized_by_text(EntryCost(1200, 30, 140))  # offsets per unit: a CJK char is a unit
def normalized(text: str) -> Normalized:
    """Normalization is the costly part of matching, and a live call is rescored on every new event: each
    turn is normalized once (the result is never mutated)."""
    return Normalized(text)


def normalize(text: str) -> str:
    """The form of ``text`` that matching sees (casefolded, NFKC, contractions expanded, CJK unspaced)."""
    return normalized(text).value


def is_cjk(unit: str) -> bool:
    """A CJK unit (one character, possibly with marks): matched without word boundaries or spelling tolerance."""
    return _CJK_CHAR_RE.match(unit) is not None

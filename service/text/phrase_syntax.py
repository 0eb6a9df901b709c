"""The phrase syntax of a standard: one line of a phrase pack stands for a family of wordings.

    thank you [very much]                         optional words
    have a {positive_adjective} (day|evening)     alternatives, and word classes defined once in the standard
    is there anything else ... help               up to four words of anything in between
    * speaking                                    exactly one word of anything
    ^ [ok] thank you [very much] $                anchored: the phrase is the whole turn
    还有(什么|其他|别的)(问题|需要)吗               the same for Chinese, where each character is a unit

A phrase without any of ``()[]{}|*^$`` or ``...`` is a literal phrase, as before. Words are normalized like the
text (casefolded, full-width folded, contractions expanded), so ``you're`` and ``you are`` are one wording.

A phrase compiles to a regular expression over the *spaced* form of a turn: every unit (a word, or one CJK
character) followed by exactly one space, so a match always starts and ends on whole units (real word
boundaries) without regex word-boundary subtleties. Spelling tolerance for chat and fast speech-to-text is part
of each Latin word's expression: the last letter may repeat ("hiii", "byee"). One typo in a long word
("mornig", "monring", "welcom") and glued words ("thankyou", "okbye") are repaired by the matcher in the text,
against the words of the phrases (`CompiledPhrase.words`), which keeps the expressions small.

Pure module: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

from service.text.normalize import is_cjk, normalized

__all__ = ["CompiledPhrase", "PhraseSyntaxError", "compile_context", "compile_phrase", "has_syntax"]

GAP_WORDS = 4  # what `...` stands for: up to this many units of anything
_EXPANSIONS_MAX = 24  # a phrase with more wordings than this is not also matched fuzzily
_SPECIAL = "()[]{}|*^$"
_CLASS_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
T = TypeVar("T")


class PhraseSyntaxError(ValueError):
    """A phrase the syntax cannot read. `loc` is filled in by the standard's validation (where it is written)."""

    def __init__(self, message: str, loc: tuple[int | str, ...] = ()) -> None:
        super().__init__(message)
        self.loc = loc


def has_syntax(phrase: str) -> bool:
    return any(c in _SPECIAL for c in phrase) or "..." in phrase or "…" in phrase


# --------------------------------------------------------------------------------------------------
# parse: tokens -> tree


@dataclass(frozen=True, slots=True)
class _Unit:
    text: str


@dataclass(frozen=True, slots=True)
class _Seq:
    items: tuple[_Node, ...]


@dataclass(frozen=True, slots=True)
class _Alt:
    options: tuple[_Seq, ...]


@dataclass(frozen=True, slots=True)
class _Opt:
    alt: _Alt


@dataclass(frozen=True, slots=True)
class _Class:
    name: str


@dataclass(frozen=True, slots=True)
class _Wild:
    gap: bool  # False: exactly one unit (`*`); True: 0..GAP_WORDS units (`...`)


_Node = _Unit | _Seq | _Alt | _Opt | _Class | _Wild


def _tokens(phrase: str) -> Iterator[str | _Node]:
    i, n = 0, len(phrase)
    literal: list[str] = []

    def flush() -> Iterator[_Node]:
        if literal:
            for unit in normalized("".join(literal)).unit_texts():
                yield _Unit(unit)
            literal.clear()

    while i < n:
        c = phrase[i]
        if phrase.startswith("...", i) or c == "…":
            yield from flush()
            yield _Wild(gap=True)
            while i < n and phrase[i] in ".…":
                i += 1
            continue
        if c == "{":
            yield from flush()
            close = phrase.find("}", i)
            if close < 0:
                raise PhraseSyntaxError(f"phrase {phrase!r}: '{{' without '}}'")
            name = phrase[i + 1 : close].strip()
            if not _CLASS_NAME.fullmatch(name):
                raise PhraseSyntaxError(f"phrase {phrase!r}: {{{name}}} is not a word class name (a-z, 0-9, _)")
            yield _Class(name)
            i = close + 1
            continue
        if c == "}":
            raise PhraseSyntaxError(f"phrase {phrase!r}: '}}' without '{{'")
        if c in _SPECIAL:
            yield from flush()
            yield _Wild(gap=False) if c == "*" else c
        else:
            literal.append(c)
        i += 1
    yield from flush()


class _Parser:
    def __init__(self, phrase: str) -> None:
        self.phrase = phrase
        self.tokens = list(_tokens(phrase))
        self.pos = 0
        self.anchor_start = self._take_anchor(0, "^")
        self.anchor_end = self._take_anchor(len(self.tokens) - 1, "$")
        for t in self.tokens:
            if t in ("^", "$"):
                raise PhraseSyntaxError(f"phrase {phrase!r}: '{t}' only at the very start ('^') or end ('$')")

    def _take_anchor(self, index: int, anchor: str) -> bool:
        if self.tokens and self.tokens[index] == anchor:
            del self.tokens[index]
            return True
        return False

    def fail(self, why: str) -> PhraseSyntaxError:
        return PhraseSyntaxError(f"phrase {self.phrase!r}: {why}")

    def peek(self) -> str | _Node | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def alternatives(self) -> _Alt:
        options = [self.sequence()]
        while self.peek() == "|":
            self.pos += 1
            options.append(self.sequence())
        if any(not o.items for o in options) and len(options) > 1:
            raise self.fail("an empty alternative (write the optional part in [brackets] instead)")
        return _Alt(tuple(options))

    def sequence(self) -> _Seq:
        items: list[_Node] = []
        while (t := self.peek()) is not None and t not in ("|", ")", "]"):
            self.pos += 1
            if t in ("(", "["):
                inner = self.alternatives()
                close = ")" if t == "(" else "]"
                if self.peek() != close:
                    raise self.fail(f"'{t}' without '{close}'")
                self.pos += 1
                if not any(o.items for o in inner.options):
                    raise self.fail(f"an empty '{t}{close}'")
                items.append(inner if t == "(" else _Opt(inner))
            else:
                assert not isinstance(t, str)
                items.append(t)
        return _Seq(tuple(items))

    def parse(self) -> _Alt:
        tree = self.alternatives()
        if (t := self.peek()) is not None:
            raise self.fail(f"'{t}' without its opening bracket")
        return tree


@lru_cache(maxsize=4096)
def _parse(phrase: str) -> tuple[_Alt, bool, bool]:
    p = _Parser(phrase)
    return p.parse(), p.anchor_start, p.anchor_end


# --------------------------------------------------------------------------------------------------
# compile: tree -> regular expression over the spaced text


def _unit_regex(unit: str, tolerant: bool) -> str:
    if not tolerant or is_cjk(unit) or not unit.isalpha() or len(unit) < 2:
        return re.escape(unit) + " "
    return re.escape(unit) + "+ "  # the last letter repeated: "hiii", "byeee"


class _Compiler:
    def __init__(self, classes: Mapping[str, Sequence[str]]) -> None:
        self.classes = classes
        self.stack: list[str] = []

    def class_tree(self, name: str) -> _Alt:
        if name not in self.classes:
            known = ", ".join(sorted(self.classes)) or "none defined"
            raise PhraseSyntaxError(f"unknown word class {{{name}}} (word_classes: {known})")
        if name in self.stack:
            raise PhraseSyntaxError(f"word class {{{name}}} refers to itself: {' -> '.join([*self.stack, name])}")
        options: list[_Seq] = []
        for member in self.classes[name]:
            tree, start, end = _parse(member)
            if start or end:
                raise PhraseSyntaxError(f"word class {{{name}}}: {member!r}: anchors belong in phrases, not classes")
            options.extend(tree.options)
        if not options:
            raise PhraseSyntaxError(f"word class {{{name}}} is empty")
        return _Alt(tuple(options))

    def inside(self, name: str, visit: Callable[[_Alt], T]) -> T:
        """`visit` the class's tree with the class on the stack (a class that contains itself is an error)."""
        tree = self.class_tree(name)
        self.stack.append(name)
        try:
            return visit(tree)
        finally:
            self.stack.pop()

    def regex(self, node: _Node, tolerant: bool) -> str:
        match node:
            case _Unit(text=text):
                return _unit_regex(text, tolerant)
            case _Seq(items=items):
                return "".join(self.regex(i, tolerant) for i in items)
            case _Alt(options=options):
                return "(?:" + "|".join(self.regex(o, tolerant) for o in options) + ")"
            case _Opt(alt=alt):
                return self.regex(alt, tolerant) + "?"
            case _Class(name=name):
                return self.inside(name, lambda tree: self.regex(tree, tolerant))
            case _Wild(gap=gap):
                return f"(?:[^ ]+ ){{0,{GAP_WORDS}}}" if gap else "[^ ]+ "
        raise AssertionError(node)

    def min_words(self, node: _Node) -> int:
        """The fewest literal units any wording of `node` has (wildcards count for nothing)."""
        match node:
            case _Unit():
                return 1
            case _Seq(items=items):
                return sum(self.min_words(i) for i in items)
            case _Alt(options=options):
                return min(self.min_words(o) for o in options)
            case _Class(name=name):
                return self.inside(name, self.min_words)
        return 0

    def expand(self, node: _Node) -> list[tuple[str, ...]] | None:
        """Every wording as its units, or None when there are wildcards or too many wordings."""
        match node:
            case _Unit(text=text):
                return [(text,)]
            case _Seq(items=items):
                out: list[tuple[str, ...]] = [()]
                for i in items:
                    part = self.expand(i)
                    if part is None or len(out) * len(part) > _EXPANSIONS_MAX:
                        return None
                    out = [a + b for a in out for b in part]
                return out
            case _Alt(options=options):
                alts: list[tuple[str, ...]] = []
                for o in options:
                    part = self.expand(o)
                    if part is None:
                        return None
                    alts.extend(part)
                return alts if len(alts) <= _EXPANSIONS_MAX else None
            case _Opt(alt=alt):
                part = self.expand(alt)
                return None if part is None else [(), *part]
            case _Class(name=name):
                return self.inside(name, self.expand)
        return None

    def words(self, node: _Node) -> Iterator[str]:
        match node:
            case _Unit(text=text):
                if not is_cjk(text):
                    yield text
            case _Seq(items=items):
                for i in items:
                    yield from self.words(i)
            case _Alt(options=options):
                for o in options:
                    yield from self.words(o)
            case _Opt(alt=alt):
                yield from self.words(alt)
            case _Class(name=name):
                yield from self.inside(name, lambda tree: list(self.words(tree)))


@dataclass(frozen=True, slots=True)
class CompiledPhrase:
    source: str  # the phrase as the standard writes it: the evidence names it
    regex: re.Pattern[str]  # over the spaced text, spelling-tolerant
    strict: re.Pattern[str]  # the same without tolerance: tells an exact wording from a variant spelling
    wordings: tuple[str, ...]  # every wording as normalized text, when few enough for fuzzy matching
    words: frozenset[str]  # its Latin words: the vocabulary that glued words are split into


_START = r"(?<![^ ])"  # a match starts on a unit


@lru_cache(maxsize=4096)
def _compile(phrase: str, classes: tuple[tuple[str, tuple[str, ...]], ...]) -> CompiledPhrase:
    tree, anchor_start, anchor_end = _parse(phrase)
    c = _Compiler(dict(classes))
    if c.min_words(tree) == 0:
        raise PhraseSyntaxError(f"phrase {phrase!r} can match without any of its words: too broad")
    head = r"\A" if anchor_start else _START
    tail = r"\Z" if anchor_end else ""
    regex = re.compile(head + c.regex(tree, True) + tail)
    strict = re.compile(c.regex(tree, False))
    expanded = None if anchor_start or anchor_end else c.expand(tree)
    wordings = tuple(dict.fromkeys(_join(u) for u in expanded or () if u))
    return CompiledPhrase(phrase, regex, strict, wordings, frozenset(w for w in c.words(tree) if len(w) > 1))


def _join(units: tuple[str, ...]) -> str:
    """Units as normalized text: CJK characters unspaced, everything else separated by one space."""
    out = ""
    for u in units:
        if out and not (is_cjk(u) and is_cjk(out[-1])):
            out += " "
        out += u
    return out


def compile_phrase(phrase: str, classes: Mapping[str, Sequence[str]] = {}) -> CompiledPhrase:
    """Compile one phrase; PhraseSyntaxError names what is wrong."""
    if not normalized(re.sub(r"[()\[\]{}|*^$.…]", " ", phrase)).units and "{" not in phrase:
        raise PhraseSyntaxError(f"phrase {phrase!r} has nothing to match once normalized")
    return _compile(phrase, tuple((k, tuple(v)) for k, v in sorted(classes.items())))


def compile_context(phrases: Sequence[str], classes: Mapping[str, Sequence[str]], *, after: bool) -> re.Pattern[str]:
    """One regex for a negative context list: matched right at the end of a match (`after`), or ending right
    at its start (before)."""
    parts = [compile_phrase(p, classes).regex.pattern.removeprefix(_START) for p in phrases]
    body = "(?:" + "|".join(parts) + ")"
    return re.compile(body if after else _START + body + r"\Z")


def compile_any(phrases: Sequence[str], classes: Mapping[str, Sequence[str]]) -> re.Pattern[str]:
    """One regex that finds any of `phrases` anywhere in a turn, each with its own anchors."""
    return re.compile("|".join(f"(?:{compile_phrase(p, classes).regex.pattern})" for p in phrases))

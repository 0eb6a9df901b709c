"""Personal data out of free text before it is stored or sent: card numbers, CVV and expiry, national ids, phone
numbers, e-mail addresses and the standard's own patterns, each replaced by a placeholder such as ``[card]``.

Pure: text and the standard's `redaction` section in, redacted text and the kinds found out. No I/O.

Numbers are found on a *digit view* of the text: digits said in words ("four five three two", "double five"),
Chinese digit characters (一二三 ... 零〇幺), full-width digits and punctuation are read as ASCII, and every view
character keeps the span of the original it came from, so a number said in words is replaced where it was said.

False positives cost as much as misses (an order number shown as ``[phone]`` is evidence lost), so a number is
personal data only by a check that random numbers rarely pass: Luhn and a network's leading digit for cards,
ISO 7064 MOD 11-2 and a real birth date for Chinese resident ids, the SSA's rules for SSNs, numbering-plan
shapes for phones. Short numbers (CVV, expiry, the last four of an SSN) are taken only right after a card or a
keyword that names them; everything else short (times, amounts, "ac no 9874") is left alone.
"""

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import pairwise

from service.standards.schema import RedactionStandard

PLACEHOLDERS = {
    "card": "[card]",
    "cvv": "[cvv]",
    "expiry": "[expiry]",
    "national_id": "[national_id]",
    "phone": "[phone]",
    "email": "[email]",
}


# Any placeholder, built in or the standard's own (schema.RedactionPattern.placeholder has this form)
PLACEHOLDER_RE = re.compile(r"\[[a-z][a-z0-9_]{0,31}\]")


@dataclass(frozen=True, slots=True)
class Redacted:
    text: str
    kinds: tuple[str, ...]  # one entry per replacement, in text order (custom patterns by their name)


# --------------------------------------------------------------------------------------------------
# the digit view

_EN_DIGITS = {
    "zero": "0",
    "oh": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
_SPOKEN_RE = re.compile(rf"\b(?:(double|triple)\s+)?({'|'.join(_EN_DIGITS)})\b|\bslash\b", re.IGNORECASE)


def _holding(*words: str) -> re.Pattern[str]:
    """A search for any of `words` in a lower-case text: one regex call instead of a Python loop over the words."""
    return re.compile("|".join(re.escape(w) for w in words))


_SPOKEN_WORDS = _holding(*_EN_DIGITS, "slash")  # what _SPOKEN_RE cannot match without
_REPEAT = {"double": 2, "triple": 3, "": 1}
# 幺 is how 1 is read out in phone and card numbers; 两 is left out: it counts things ("两个") rather than spells digits
_ZH_DIGITS = dict(zip("零〇一幺二三四五六七八九", "001123456789", strict=True))
_PUNCT = {"、": ",", "。": ".", "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "−": "-"}


def _plain_table() -> dict[int, str]:
    """One character for one: every decimal digit of any script as ASCII, Chinese digits, full-width ASCII and the
    ideographic space as ASCII, dashes and Chinese commas as theirs."""
    planes = (range(0x10000), range(0x1D7CE, 0x1D800))  # the BMP's scripts and the mathematical digits
    table = {cp: str(unicodedata.decimal(chr(cp))) for r in planes for cp in r if chr(cp).isdecimal()}
    table.update({ord(k): v for k, v in _ZH_DIGITS.items()})
    table.update({cp: unicodedata.normalize("NFKC", chr(cp)) for cp in range(0xFF01, 0xFF5F)})
    table[0x3000] = " "
    table.update({ord(k): v for k, v in _PUNCT.items()})
    return table


_PLAIN = _plain_table()


@dataclass(frozen=True, slots=True)
class _View:
    text: str
    starts: tuple[int, ...]  # original span of each view character
    ends: tuple[int, ...]
    spoken: tuple[bool, ...]  # the character is a digit said as an English word

    def span(self, a: int, b: int) -> tuple[int, int]:
        """The original span of view characters [a, b)."""
        return self.starts[a], self.ends[b - 1]


def _view(text: str) -> _View:
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    spoken: list[bool] = []

    def plain(a: int, b: int) -> None:  # one view character per original character
        chars.append(text[a:b].translate(_PLAIN))
        starts.extend(range(a, b))
        ends.extend(range(a + 1, b + 1))
        spoken.extend([False] * (b - a))

    pos = 0
    for m in _SPOKEN_RE.finditer(text):
        plain(pos, m.start())
        piece = (
            "/" if m.group(2) is None else _EN_DIGITS[m.group(2).lower()] * _REPEAT.get((m.group(1) or "").lower(), 1)
        )
        chars.append(piece)
        starts.extend([m.start()] * len(piece))
        ends.extend([m.end()] * len(piece))
        spoken.extend([m.group(2) is not None] * len(piece))
        pos = m.end()
    plain(pos, len(text))
    return _View("".join(chars), tuple(starts), tuple(ends), tuple(spoken))


# --------------------------------------------------------------------------------------------------
# checks that random numbers rarely pass


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card_ok(digits: str) -> bool:
    # Leading 2-6: Mastercard 2/5, Amex, Diners and JCB 3, Visa 4, Discover, UnionPay and Maestro 6.
    return 13 <= len(digits) <= 19 and digits[0] in "23456" and len(set(digits)) > 1 and luhn_ok(digits)


_CN_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def cn_resident_id_ok(chars: str) -> bool:
    """18 characters: region, birth date, sequence, ISO 7064 MOD 11-2 check character (0-9 or X)."""
    if len(chars) != 18 or not chars[:17].isdigit() or chars[0] not in "12345678":
        return False
    try:
        born = date(int(chars[6:10]), int(chars[10:12]), int(chars[12:14]))
    except ValueError:
        return False
    if not 1900 <= born.year <= 2099:
        return False
    check = "10X98765432"[sum(int(c) * w for c, w in zip(chars, _CN_ID_WEIGHTS, strict=False)) % 11]
    return chars[17].upper() == check


def _ssn_ok(digits: str) -> bool:
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def _nanp_ok(digits: str) -> bool:
    """North American numbering plan: area code and exchange both start 2-9."""
    return len(digits) == 10 and digits[0] in "23456789" and digits[3] in "23456789"


def _cn_mobile_ok(digits: str) -> bool:
    return len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789"


def _phone_ok(sizes: tuple[int, ...], digits: str, plus: bool) -> bool:
    if len(set(digits)) == 1:  # 3333333333: a tally or a placeholder, no one's number
        return False
    if plus:  # E.164: country code and number, at most 15 digits
        return 8 <= len(digits) <= 15
    us_shape = sizes in ((3, 3, 4), (10,)) or (sizes in ((1, 3, 3, 4), (11,)) and digits[0] == "1")
    if us_shape and _nanp_ok(digits[-10:]):
        return True
    national = digits
    for prefix in ("0086", "86"):
        if len(digits) == len(prefix) + 11 and digits.startswith(prefix):
            national = digits[len(prefix) :]
    if _cn_mobile_ok(national) and (len(sizes) == 1 or sizes[-1] == 11 or sizes[-3:] == (3, 4, 4)):
        return True
    # Chinese landline written with its area code apart: 010-12345678, 0755 1234 5678 (010, 02x, or 0[3-9]xx)
    area = sizes[0]
    if area == 3:
        area_ok = digits[:3] == "010" or digits[:2] == "02"
    else:
        area_ok = area == 4 and digits[0] == "0" and digits[1] in "3456789"
    rest = digits[area:]
    return area_ok and len(sizes) in (2, 3) and len(rest) in (7, 8) and rest[0] in "23456789"


# --------------------------------------------------------------------------------------------------
# numbers in the view

# digits joined by up to 3 separators; '/' and ':' end a number (dates, times, expiry)
_RUN_RE = re.compile(r"\d(?:[ \t\-.,()]{1,3}\d|\d)*")
_EXPIRY_SLASH_RE = re.compile(r"(?<![\d/])(\d(?: ?\d)?) ?/ ?(\d ?\d(?: ?\d ?\d)?)(?![\d/])")
# (Latin words, matched as whole words; Chinese words, matched anywhere)
_KEYWORDS = {
    "cvv": (r"cvv2?|cvc2?|csc|security code|card verification(?: code| value)?", "安全码|校验码|卡背面"),
    "expiry": (r"exp|expiry|expiration|expires|expiring|valid (?:thru|through|until)|good thru", "有效期|到期"),
    "national_id": (r"ssn|social security", "身份证"),
    # a number written as one bare run of digits after these is the reference they name, not a phone
    "reference": (
        r"account|a/?c|acct|policy|order|confirmation|booking|reference|ref|invoice|tracking|claim|ticket",
        "订单|单号|账号|账户|保单|工单",
    ),
}
_KEYWORD_RE = re.compile(
    "|".join(rf"(?P<{k}>(?<![^\W\d_])(?:{latin})(?![^\W\d_])|{zh})" for k, (latin, zh) in _KEYWORDS.items()),
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class _Group:
    digits: str
    start: int  # view indices
    end: int


@dataclass(frozen=True, slots=True)
class _Item:
    """A number in the view: classified (card, phone, ...) or short and waiting for a claim (kind None)."""

    start: int
    end: int
    digits: str
    sizes: tuple[int, ...]
    slash: bool = False
    kind: str | None = None


def _groups(view: _View, a: int, b: int) -> list[_Group]:
    """Split a run into the groups it was written or said in. Digits said as words one after another form one
    group ("four five three two"); a comma, a dash, or a space between written digits starts a new group."""
    out: list[_Group] = []
    digits = [i for i in range(a, b) if view.text[i].isdigit()]
    start = digits[0]
    for p, q in pairwise(digits):
        between = view.text[p + 1 : q]
        if between and not (view.spoken[p] and view.spoken[q] and between.isspace()):
            out.append(_Group(view.text[start : p + 1].replace(" ", ""), start, p + 1))
            start = q
    out.append(_Group(view.text[start:b].replace(" ", ""), start, b))
    return out


# How cards are printed (and read out): 4-4-4-4, Amex 4-6-5, Diners 4-6-4, 19 digits 4-4-4-4-3
_CARD_LAYOUTS = frozenset({(4, 4, 4, 4), (4, 6, 5), (4, 6, 4), (4, 4, 4, 4, 3)})


def _card_then_code(sizes: tuple[int, ...], next_size: int) -> bool:
    """A card followed, in the same run of digits, by its CVV or expiry: only in a card's printed layout and with
    a 3-4 digit group next, so a long reference number is not cut at whichever prefix happens to pass Luhn."""
    return (len(sizes) == 1 or sizes in _CARD_LAYOUTS) and next_size in (3, 4)


def _classify(
    groups: list[_Group], seps: list[str | None], first: int, view: _View, plus: bool
) -> tuple[str, int] | None:
    """The kind of the longest segment starting at `groups[first]` that is a card, national id or phone, and its
    number of groups. `seps[k]` is what is written between groups k-1 and k (None before the first).

    Part of a run is a number of its own only where it is set apart: by a comma, or by a separator it does not use
    inside ("555-234-5678 555-234-6789"), or as a card in its printed layout followed by its CVV or expiry
    (`_card_then_code`). Else a long reference number written in equal groups would be cut at whichever part
    happens to look like a card or a phone."""
    sizes_all: list[int] = []
    for g in groups[first : first + 20]:  # no kind is longer than 19 digits: a long run is never joined whole
        if sum(sizes_all) + len(g.digits) > 19:
            break
        sizes_all.append(len(g.digits))
    insides: list[frozenset[str]] = [frozenset()]  # separators used inside the segment of n groups, at [n - 1]
    for k in range(first + 1, first + len(sizes_all)):
        insides.append(insides[-1] | {seps[k] or ""})  # only the first group has no separator before it
    joined = "".join(g.digits for g in groups[first : first + len(sizes_all)])
    before = seps[first]
    for n in range(len(sizes_all), 0, -1):
        inside = insides[n - 1]
        if before is not None and "," not in before and before in inside:
            continue  # not set apart from what precedes it
        sizes = tuple(sizes_all[:n])
        digits = joined[: sum(sizes)]
        if len(digits) < 8:  # the shortest kind here, E.164 with its '+', has 8
            break
        last = first + n - 1
        after = seps[last + 1] if last + 1 < len(groups) else None
        ends_apart = after is None or "," in after or after not in inside
        if _card_ok(digits) and (ends_apart or _card_then_code(sizes, len(groups[last + 1].digits))):
            return "card", n
        if not ends_apart:
            continue
        following = view.text[groups[last].end : groups[last].end + 2]
        check_x = following[:1] in ("X", "x") and not following[1:2].isalnum()
        if len(digits) == 17 and check_x and cn_resident_id_ok(digits + "X"):
            return "national_id+x", n
        if len(digits) == 18 and cn_resident_id_ok(digits):
            return "national_id", n
        if sizes == (3, 2, 4) and _ssn_ok(digits):
            return "national_id", n
        if _phone_ok(sizes, digits, plus):
            return "phone", n
    return None


def _items(view: _View) -> list[_Item]:
    scan = list(view.text)
    items: list[_Item] = []
    for m in _EXPIRY_SLASH_RE.finditer(view.text):
        month, year = m.group(1).replace(" ", ""), m.group(2).replace(" ", "")
        if 1 <= int(month) <= 12 and (len(year) == 2 or year.startswith("20")):
            items.append(_Item(m.start(), m.end(), month + year, (len(month), len(year)), slash=True))
            scan[m.start() : m.end()] = "\0" * (m.end() - m.start())
    for m in _RUN_RE.finditer("".join(scan)):
        groups = _groups(view, m.start(), m.end())
        plus = m.start() > 0 and view.text[m.start() - 1] == "+"
        seps = [None] + [view.text[a.end : b.start] for a, b in pairwise(groups)]
        i = 0
        while i < len(groups):
            found = _classify(groups, seps, i, view, plus and i == 0)
            if found is None:
                items.append(_Item(groups[i].start, groups[i].end, groups[i].digits, (len(groups[i].digits),)))
                i += 1
                continue
            kind, n = found
            start, end = groups[i].start, groups[i + n - 1].end
            if kind == "national_id+x":
                kind, end = "national_id", end + 1
            if kind == "phone" and i == 0:
                start -= plus  # the leading '+' of an E.164 number goes too
                if start > 0 and view.text[start - 1] == "(":
                    start -= 1
            digits = "".join(g.digits for g in groups[i : i + n])
            items.append(_Item(start, end, digits, tuple(len(g.digits) for g in groups[i : i + n]), kind=kind))
            i += n
    items.sort(key=lambda it: it.start)
    return _merge_pairs(items)


def _merge_pairs(items: list[_Item]) -> list[_Item]:
    """Two short unclaimed numbers of 2 digits in a row ("04 27") are one item: an expiry said in two parts."""
    out: list[_Item] = []
    for it in items:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.kind is None
            and it.kind is None
            and not (prev.slash or it.slash)
            and prev.sizes == (2,)
            and it.sizes == (2,)
            and it.start - prev.end <= 3
        ):
            out[-1] = _Item(prev.start, it.end, prev.digits + it.digits, (2, 2))
        else:
            out.append(it)
    return out


def _claimable(item: _Item) -> bool:
    """Whether the item is personal data or may become so in _claim: a number of a kind, or one _short_kind may
    give a kind to (after a keyword or a card). Each has 3 digits or more (a slash expiry's month and year)."""
    return item.kind is not None or item.slash or len(item.digits) in (3, 4, 9)


def _short_kind(item: _Item, claimed_by: str) -> str | None:
    """What a short number is when `claimed_by` (a keyword kind, or "card" for a number just after a card)."""
    n = len(item.digits)
    valid_month = n == 4 and 1 <= int(item.digits[:2]) <= 12
    if claimed_by == "expiry":
        return "expiry" if item.slash or valid_month else None
    if item.slash:
        return "expiry" if claimed_by == "card" else None
    if claimed_by == "cvv":
        return "cvv" if n in (3, 4) else None
    if claimed_by == "national_id":
        return "national_id" if n in (4, 9) else None
    # just after a card: 3 digits are its CVV; 4 digits that read as MMYY its expiry, else an Amex CID
    if n == 3 or (n == 4 and not valid_month):
        return "cvv"
    return "expiry" if valid_month else None


def _claim(view: _View, items: list[_Item], context: int) -> list[_Item]:
    """Short numbers become cvv, expiry or national_id only as the first number after a keyword that names them,
    or one of the two numbers right after a card, each within `context` characters of what precedes it. A number
    written as one bare run of digits after a reference keyword ("account number 5479815454", "order
    8613812345678") is that reference, whatever its length: a phone read out or typed as such is grouped."""
    out = list(items)

    def distance(a_end: int, b_start: int) -> int:
        return view.starts[b_start] - view.ends[a_end - 1]

    starts = [it.start for it in out]
    for kw in _KEYWORD_RE.finditer(view.text):
        nxt = bisect_left(starts, kw.end())
        if nxt == len(out) or distance(kw.end(), out[nxt].start) > context:
            continue
        it = out[nxt]
        if kw.lastgroup == "reference":
            if it.kind == "phone" and len(it.sizes) == 1:
                out[nxt] = _Item(it.start, it.end, it.digits, it.sizes)
            continue
        if it.kind is not None:
            continue
        kind = _short_kind(out[nxt], kw.lastgroup or "")
        if kind:
            out[nxt] = _Item(out[nxt].start, out[nxt].end, out[nxt].digits, out[nxt].sizes, out[nxt].slash, kind)
    for k, card in enumerate(out):
        if card.kind != "card":
            continue
        prev_end = card.end
        for follower in range(k + 1, min(k + 3, len(out))):
            it = out[follower]
            if distance(prev_end, it.start) > context or it.kind not in (None, "cvv", "expiry"):
                break
            kind = it.kind or _short_kind(it, "card")
            if kind is None:
                break
            out[follower] = _Item(it.start, it.end, it.digits, it.sizes, it.slash, kind)
            prev_end = it.end
    return out


# --------------------------------------------------------------------------------------------------
# e-mail, written, spoken ("john dot smith at gmail dot com") or with its punctuation lost ("nilagmailcom")

_TLD = r"(?:com|net|org|edu|gov|info|biz|io|co|me|us|uk|cn|de|in)"
# spoken only: "john at example.com" is as often a web site ("register at www.example.com") as an address
_DOT = " dot "
_PROVIDER_NAMES = ("gmail", "googlemail", "hotmail", "yahoo", "outlook", "icloud", "protonmail")
_PROVIDERS = f"(?:{'|'.join(_PROVIDER_NAMES)})"
# Each pattern with the lower-case texts it cannot match without one of: most turns hold none, and are not searched.
_EMAIL_RES = (
    (
        re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+[@＠][A-Za-z0-9-]+(?:[.．][A-Za-z0-9-]+)+"),
        _holding("@", "＠"),
    ),
    (
        re.compile(rf"\b(?:\w+ (?:dot|underscore|dash) )*\w+ at \w+(?:{_DOT}\w+)*{_DOT}{_TLD}\b", re.IGNORECASE),
        _holding(" at "),
    ),
    (
        re.compile(rf"(?<![a-z0-9._-])[a-z0-9._-]+(?: \d+)? ?{_PROVIDERS}(?:com|net|co(?:in|uk)?|in)\b", re.IGNORECASE),
        _holding(*_PROVIDER_NAMES),
    ),
)


# --------------------------------------------------------------------------------------------------
# the redactor


@dataclass(frozen=True, slots=True)
class _Span:
    start: int
    end: int
    kind: str
    placeholder: str


class Redactor:
    def __init__(self, standard: RedactionStandard) -> None:
        self.enabled = standard.enabled
        self.context = standard.context_chars
        self.custom = tuple((p.name, re.compile(p.pattern), p.placeholder) for p in standard.patterns)

    def redact(self, text: str) -> Redacted:
        # Earlier groups win where spans overlap: the centre's own patterns, then e-mail, then numbers.
        spans: list[_Span] = []
        for name, regex, placeholder in self.custom:
            _take(spans, (_Span(m.start(), m.end(), name, placeholder) for m in regex.finditer(text)))
        # A pattern is searched only in a text that holds a word it cannot match without (a non-ASCII text is
        # always searched: IGNORECASE folds some letters that lower() does not)
        lowered = text.lower() if text.isascii() else None
        if "email" in self.enabled:
            for regex, needles in _EMAIL_RES:
                if lowered is None or needles.search(lowered):
                    _take(spans, (_Span(m.start(), m.end(), "email", "[email]") for m in regex.finditer(text)))
        spoken = lowered is None or _SPOKEN_WORDS.search(lowered) is not None
        if _has_digit(text) or (spoken and _SPOKEN_RE.search(text)):
            _take(spans, self._numbers(text))
        if not spans:
            return Redacted(text, ())
        parts: list[str] = []
        pos = 0
        for s in spans:
            parts.append(text[pos : s.start])
            parts.append(s.placeholder)
            pos = s.end
        parts.append(text[pos:])
        return Redacted("".join(parts), tuple(s.kind for s in spans))

    def _numbers(self, text: str) -> list[_Span]:
        if text.isascii() and _ascii_digits(text) < 3:
            return []  # "2 days", "no one": too few digits for any item _claimable takes, so none is looked for
        view = _view(text)
        items = _items(view)
        if not any(_claimable(it) for it in items):
            return []  # what most digits in a turn are ("2 days", "no one"): the keywords need not be searched
        out = []
        for it in _claim(view, items, self.context):
            if it.kind in self.enabled:
                start, end = view.span(it.start, it.end)
                out.append(_Span(start, end, it.kind, PLACEHOLDERS[it.kind]))
        return out


_ASCII_DIGIT_RE = re.compile(r"[0-9]")


def _ascii_digits(text: str) -> int:
    """The digits of an ASCII text's digit view: those written, and those said ("double five" is two)."""
    said = sum(_REPEAT.get((m.group(1) or "").lower(), 1) for m in _SPOKEN_RE.finditer(text) if m.group(2))
    return len(_ASCII_DIGIT_RE.findall(text)) + said


def _has_digit(text: str) -> bool:
    """A digit of any script, or a Chinese one (an ASCII text, most of them, is searched by a regex, not per
    character in Python)."""
    if text.isascii():
        return _ASCII_DIGIT_RE.search(text) is not None
    return any(ch.isdigit() or ch in _ZH_DIGITS for ch in text)


def _take(accepted: list[_Span], candidates: Iterable[_Span]) -> None:
    """Add the candidates that overlap nothing accepted; `accepted` stays sorted and without overlaps."""
    for c in candidates:
        at = bisect_left(accepted, c.start, key=lambda s: s.start)
        clear_before = at == 0 or accepted[at - 1].end <= c.start
        clear_after = at == len(accepted) or c.end <= accepted[at].start
        if c.end > c.start and clear_before and clear_after:
            accepted.insert(at, c)


@lru_cache(maxsize=16)
def redactor_for(standard: RedactionStandard) -> Redactor:
    """One compiled redactor per standard (the standard is frozen, so it can be the key)."""
    return Redactor(standard)

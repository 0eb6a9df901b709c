"""Personal-data redaction: each kind in English and Chinese, written and spoken, and what must stay untouched."""

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from service.privacy import redact as redact_module
from service.privacy.events import redact_event
from service.privacy.redact import Redactor, cn_resident_id_ok, luhn_ok
from service.scoring import sentiment_zh
from service.scoring.quality import score_interaction
from service.scoring.script_compliance import matcher_for
from service.scoring.sentiment import compound
from service.scoring.text_match import PhraseMatcher
from service.standards.loader import StandardsError, parse_standard
from service.standards.schema import RedactionStandard
from tests.factories import at, call, default_standard, standard, ticket

REDACTOR = Redactor(RedactionStandard())


def redact(text: str) -> str:
    return REDACTOR.redact(text).text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # cards: Luhn-valid, with spaces, dashes, none, full-width, in English words and Chinese digits
        ("my card is 4532 0151 1283 0366", "my card is [card]"),
        ("card 4532-0151-1283-0366.", "card [card]."),
        ("Amex 378282246310005 please", "Amex [card] please"),
        ("four five three two, zero one five one, one two eight three, zero three six six", "[card]"),
        ("it's four five three two zero one five one one two eight three zero three six six ok", "it's [card] ok"),
        (
            "four five three two double zero ... no: four five three two, zero one five one, one two eight three, "
            "zero three six six",
            "four five three two double zero ... no: [card]",
        ),
        ("卡号是四五三二零一五一一二八三零三六六", "卡号是[card]"),
        ("卡号是四五三二 〇一五一 幺二八三 〇三六六。", "卡号是[card]。"),
        ("卡号４５３２　０１５１　１２８３　０３６６", "卡号[card]"),
        # CVV and expiry: after a card, or after their keyword
        ("4532 0151 1283 0366 exp 04/27 cvv 123", "[card] exp [expiry] cvv [cvv]"),
        ("4532015112830366 0427 123", "[card] [expiry] [cvv]"),
        ("the security code is one two three", "the security code is [cvv]"),
        ("expiry oh four slash two seven", "expiry [expiry]"),
        ("expires 04 27", "expires [expiry]"),
        ("有效期零四二七，安全码幺二三", "有效期[expiry]，安全码[cvv]"),
        ("有效期04/27 安全码 123", "有效期[expiry] 安全码 [cvv]"),
        # national ids
        ("SSN 123-45-6789 thanks", "SSN [national_id] thanks"),
        ("my social security number is 123456789", "my social security number is [national_id]"),
        ("the last four digits of ssn is 3745", "the last four digits of ssn is [national_id]"),
        ("身份证号11010519491231002X", "身份证号[national_id]"),
        ("身份证号码是 440301199003071230 对吗", "身份证号码是 [national_id] 对吗"),
        ("身份证幺幺零幺零五幺九四九幺二三幺零零二X", "身份证[national_id]"),
        # phones: E.164, US, Chinese mobile and landline
        ("call me at (555) 234-5678 tomorrow", "call me at [phone] tomorrow"),
        ("It is 408-971-8523.", "It is [phone]."),
        ("555.234.5678 or +1 555 234 5678", "[phone] or [phone]"),
        ("ring +44 20 7946 0958", "ring [phone]"),
        ("my phone number is 8745968574", "my phone number is [phone]"),
        ("account 5479815454, phone 555-234-5678", "account 5479815454, phone [phone]"),
        ("five five five, two three four, five six seven eight", "[phone]"),
        ("我的手机是13812345678", "我的手机是[phone]"),
        ("手机 138 1234 5678，座机010-62345678", "手机 [phone]，座机[phone]"),
        ("电话+86 138-1234-5678", "电话[phone]"),
        ("手机幺三八幺二三四五六七八", "手机[phone]"),
        # e-mail: written, full-width at sign, spoken, punctuation lost in a chat
        ("mail john.smith+qa@example.co.uk now", "mail [email] now"),
        ("邮箱是zhang.san＠example．cn", "邮箱是[email]"),
        ("it's john dot smith at gmail dot com", "it's [email]"),
        ("here is my email nilagmailcom", "here is my email [email]"),
    ],
)
def test_each_kind_is_replaced_by_its_placeholder(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "ac no 9874",
        "ssn 2598 ac no 5073",  # the SSN goes, the account number stays (tested below); here: the second number
        "order 123456789012 costs $1,234.56 at 10:30 on 2026-11-24",
        "your order 4532015112830367 ships today",  # 16 digits, not Luhn-valid
        "tracking 1Z999AA10123456784, ticket #48213, room 1203",
        "I'll be there 10/12 around 3, between 9 and 5",
        "version 1.2.3 from 192.168.1.1 on port 8080",
        "the card was charged 150 dollars on 04/27",  # no card number, no cvv/expiry keyword
        "one two three, it's as easy as that",
        "I have two cards, one expires soon",
        "订单号 20261124000123，金额 1234.50 元，一共三件",
        "一百二十三元，两个，十一月二十四日",
        "timestamp 1764000000 and 1764000000000",
        "000-00-0000 and 666-12-3456",  # never issued as SSNs
        "id 110105194912310028",  # wrong check digit
        "account number 5479815454, policy 8778656767, 订单号 13812345678",  # bare digits after a reference word
        "7890 6785 6543",  # 4-4-4 without a 0 area code: no landline
    ],
)
def test_what_is_not_personal_data_is_untouched(text: str) -> None:
    if text.startswith("ssn 2598"):
        assert redact(text) == "ssn [national_id] ac no 5073"
    else:
        assert redact(text) == text


def test_checks() -> None:
    assert luhn_ok("4532015112830366") and not luhn_ok("4532015112830367")
    assert cn_resident_id_ok("11010519491231002X") and cn_resident_id_ok("11010519491231002x")
    assert not cn_resident_id_ok("11010519491331002X"), "month 13 is no birth date"


def _luhn_complete(body: str) -> str:
    for d in "0123456789":
        if luhn_ok(body + d):
            return body + d
    raise AssertionError("unreachable")


def _grouped(digits: str, sizes: list[int], sep: str) -> str:
    parts, i = [], 0
    for n in sizes:
        if i < len(digits):
            parts.append(digits[i : i + n])
            i += n
    if i < len(digits):
        parts.append(digits[i:])
    return sep.join(parts)


_SEPARATOR = st.sampled_from(["", " ", "-", " - "])
_FILLER = st.sampled_from(["order", "ref", "reference", "item", "number", "invoice", "订单号", "编号", "ticket"])


@settings(max_examples=400, deadline=None)
@given(
    digits=st.text("0123456789", min_size=13, max_size=19),
    sep=_SEPARATOR,
    group=st.sampled_from([4, 5, 6]),
    filler=_FILLER,
)
def test_digit_strings_with_no_luhn_valid_prefix_are_untouched(digits: str, sep: str, group: int, filler: str) -> None:
    if any(luhn_ok(digits[:n]) for n in range(13, len(digits) + 1)) or cn_resident_id_ok(digits):
        return  # a card (maybe followed by its CVV), or a resident id
    text = f"{filler} {_grouped(digits, [group] * 5, sep)} is on its way"
    assert redact(text) == text


@settings(max_examples=300, deadline=None)
@given(digits=st.text("0123456789", min_size=1, max_size=9), filler=_FILLER, tail=st.sampled_from(["", " am", "%"]))
def test_short_numbers_without_a_keyword_are_untouched(digits: str, filler: str, tail: str) -> None:
    text = f"{filler} {digits}{tail} please"
    assert redact(text) == text


@settings(max_examples=300, deadline=None)
@given(
    body=st.text("0123456789", min_size=14, max_size=15).map(lambda s: "4" + s),
    sep=_SEPARATOR,
    words=st.booleans(),
)
def test_luhn_valid_card_numbers_are_replaced_whole(body: str, sep: str, words: bool) -> None:
    digits = _luhn_complete(body)
    number = _grouped(digits, [4, 4, 4, 4], sep)
    if words:
        names = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
        number = ", ".join(" ".join(names[int(d)] for d in chunk) for chunk in re.findall(".{1,4}", digits))
    out = redact(f"my card number is {number} thanks")
    assert out == "my card number is [card] thanks"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_text_redacts_without_error_and_twice_is_once(text: str) -> None:
    once = redact(text)
    assert redact(once) == once


_NUMBER_PIECES = st.sampled_from(
    ["1", "23", "456", "0427", "123456789", "4532 0151 1283 0366", "12/27", "3/2029", "/", "-", " ", ", ",
     "one ", "double five ", "Triple two ", "cvv ", "exp ", "ssn ", "order ", "card ", "安全码", "身份证", "x"]
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(_NUMBER_PIECES, min_size=1, max_size=14).map("".join))
# each at the bound of a skip: 3 digits written, said with a repeat, in a slash expiry, 9 after a keyword
@example("cvv 456")
@example("cvv Triple two ")
@example("cvv one double five ")
@example("exp 3/2029")
@example("ssn 123456789")
def test_numbers_too_few_or_without_a_claimable_item_skip_the_claims_and_find_the_same(text: str) -> None:
    view = redact_module._view(text)
    claimed = redact_module._claim(view, redact_module._items(view), REDACTOR.context)
    expected = [view.span(it.start, it.end) for it in claimed if it.kind in REDACTOR.enabled]
    assert [(s.start, s.end) for s in REDACTOR._numbers(text)] == expected


def test_the_standard_chooses_kinds_and_adds_its_own_patterns() -> None:
    std = standard(
        redaction={
            "enabled": ["card"],
            "patterns": [{"name": "member_id", "pattern": r"\bMB-\d{6}\b", "placeholder": "[member_id]"}],
        }
    )
    r = Redactor(std.redaction).redact("member MB-123456, card 4532 0151 1283 0366, call 555-234-5678")
    assert r.text == "member [member_id], card [card], call 555-234-5678"
    assert r.kinds == ("member_id", "card")


@pytest.mark.parametrize(
    ("redaction", "message"),
    [
        ({"enabled": ["passport"]}, "redaction.enabled"),
        ({"patterns": [{"name": "x", "pattern": "(", "placeholder": "[x]"}]}, "not a valid regular expression"),
        ({"patterns": [{"name": "x", "pattern": "a*", "placeholder": "[x]"}]}, "matches the empty string"),
        ({"patterns": [{"name": "x", "pattern": "a", "placeholder": "XXX"}]}, "placeholder"),
        ({"patterns": [{"name": "x", "pattern": "a", "placeholder": "[x]"}] * 2}, "unique"),
    ],
)
def test_a_bad_redaction_section_is_refused_at_load_with_its_line(redaction: dict[str, object], message: str) -> None:
    import yaml

    text = yaml.safe_dump({"version": "t1", "redaction": redaction})
    with pytest.raises(StandardsError, match=re.escape(message)) as exc:
        parse_standard(text, "s.yaml")
    assert str(exc.value).startswith("s.yaml:")


def test_placeholders_are_neutral_to_sentiment_and_phrase_rules() -> None:
    placeholders = ["[card]", "[cvv]", "[expiry]", "[national_id]", "[phone]", "[email]"]
    said = "I am not happy with 4532 0151 1283 0366 at all"
    assert compound(redact(said)) == compound(said)
    std = default_standard()
    for p in placeholders:
        assert compound(p) == 0.0 and compound(f"this is great {p}") == compound("this is great")
        for rule in std.script_rules:
            assert matcher_for(rule, std).find(p) is None, (rule.id, p)
    for zh in ("服务太差了，卡号4532015112830366", "我的手机13812345678，谢谢你们"):
        # the Chinese model reads a placeholder as the number it replaced, and not as Latin text
        assert sentiment_zh.score(redact(zh)) == sentiment_zh.score(zh)
        assert sentiment_zh.cjk_share(redact(zh)) == sentiment_zh.cjk_share(zh)
    greeting = PhraseMatcher(["thank you for calling"])
    assert greeting.find(redact("Thank you for calling, is 555-234-5678 your number?")) is not None


def test_a_scored_call_shows_placeholders_and_evidence_points_at_the_redacted_text() -> None:
    std = default_standard()
    events = call(
        answered=0,
        utterances=[
            ("agent", "Hello, my name is Ann.", 1000),
            ("customer", "My card is 4532 0151 1283 0366, cvv 123, call me at 555-234-5678", 5000),
            ("agent", "Calm down, card 4532 0151 1283 0366 is not my problem", 9000),
        ],
        ended=60,
    )
    redactor = Redactor(std.redaction)
    redacted = [redact_event(e, redactor)[0] for e in events]
    assert redacted[3].payload["text"] == "My card is [card], cvv [cvv], call me at [phone]"
    score = score_interaction(redacted, std, at(120))
    forbidden = next(i for i in score.items if i.id == "no_forbidden_phrases")
    evidence = forbidden.evidence[0]
    assert evidence.text == "Calm down, card [card] is not my problem"
    assert evidence.matched_text is not None and evidence.matched_text in evidence.text
    assert "4532" not in repr(score)
    # scored once from redacted text, rescored from the same stored text: the same result
    assert score_interaction(redacted, std, at(120)) == score


def test_tickets_redact_subject_and_replies_and_leave_ids() -> None:
    events = ticket(
        "ticket-555-234-5678",
        created=0,
        replies=[("customer", "refund to card 4532015112830366 please, mail me at a@b.com", 60)],
    )
    out = [redact_event(e, REDACTOR) for e in events]
    reply = next(e for e, _ in out if e.type.value == "ticket.replied")
    assert reply.payload["text"] == "refund to card [card] please, mail me at [email]"
    assert reply.interaction_id == "ticket-555-234-5678", "ids are keys: never rewritten"
    assert next(kinds for e, kinds in out if e is reply) == ("card", "email")


@pytest.mark.parametrize(
    "text",
    ["order 8613812345678 is on its way", "account 5551234 please", "订单号 8613812345678 已发货"],
)
def test_a_bare_run_of_digits_after_a_reference_word_is_that_reference_whatever_its_length(text: str) -> None:
    # hypothesis found "order 8613…" (13 digits: 86 and a mobile) taken for a phone, while 11 digits were not
    assert redact(text) == text

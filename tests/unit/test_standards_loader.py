"""Loading standards files: the shipped default, and bad files failing with file:line and the reason."""

import hashlib
import re
from pathlib import Path

import pytest

from service.scoring.script_compliance import matcher_for
from service.standards.loader import StandardsError, load_standard, parse_standard
from tests.factories import DEFAULT_STANDARD_FILE


def test_the_default_standard_loads() -> None:
    loaded = load_standard(DEFAULT_STANDARD_FILE)
    std = loaded.standard
    assert std.version == "2026.12.2-default"
    assert std.languages == {"en", "zh"}
    # the figures the issue asks for
    assert std.responsiveness.call.answer_within_seconds == 20
    assert std.responsiveness.call.service_level_target == 0.8
    assert std.responsiveness.ticket.first_reply_within_seconds == 30 * 60
    assert std.responsiveness.ticket.complaint_first_reply_within_seconds[1] == 2 * 3600
    assert std.quality.pass_mark == 80
    rules = {r.id: r for r in std.script_rules}
    assert list(rules) == [
        "greeting",
        "self_identification",
        "ticket_signature",
        "empathy_when_upset",
        "ask_before_hold",
        "offer_further_help",
        "closing",
        "no_forbidden_phrases",
    ]
    # an English and a Chinese phrase pack
    for rule_id, said in [
        ("greeting", "您好"),
        ("ask_before_hold", "请稍等"),
        ("empathy_when_upset", "很抱歉"),
        ("offer_further_help", "还有什么可以帮您"),
    ]:
        assert matcher_for(rules[rule_id], std).find(said) is not None, said
    assert all(r.phrases.get("en") for r in std.script_rules)
    assert rules["no_forbidden_phrases"].critical and rules["no_forbidden_phrases"].requirement == "forbidden"
    assert loaded.source == DEFAULT_STANDARD_FILE.read_text(encoding="utf-8")
    assert loaded.sha256 == hashlib.sha256(loaded.source.encode()).hexdigest()


RULE = """\
  - id: {id}
    description: A rule.
    requirement: required
    window: {window}
    applies_to: {applies_to}
    phrases: {{en: [hello]}}
    patterns: {patterns}
"""


def _file(*rules: dict[str, str], head: str = 'version: "1"\n') -> str:
    defaults = {"id": "greet", "window": "{kind: anywhere}", "applies_to": "[call, ticket]", "patterns": "[]"}
    body = "".join(RULE.format(**(defaults | r)) for r in rules)
    return head + ("script_rules:\n" + body if rules else "")


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("version: x\nname: [unclosed\n", 3, "not valid YAML"),
        ("version: x\n\tname: y\n", 2, "not valid YAML"),
        ("", 1, "a standards file is a YAML mapping with at least a 'version'"),
        ("- version: x\n", 1, "a standards file is a YAML mapping"),
        ("name: no version\n", 1, "version: Field required"),
        ("version: 'has space'\n", 1, "version: String should match pattern"),
        ("version: x\nquality:\n  pass_mark: 120\n", 3, "quality.pass_mark: Input should be less than or equal to 100"),
        ("version: x\nquality:\n  pass_marc: 80\n", 3, "quality.pass_marc: Extra inputs are not permitted"),
        ("version: x\nlanguages: [en, fr]\n", 2, "languages.1: Input should be 'en' or 'zh'"),
        ("version: x\ntime_zone: UTC+8\n", 2, "time_zone: 'UTC+8' is not an IANA time zone"),
        ("version: x\ntime_zone: Asia/Beijing\n", 2, "time_zone: 'Asia/Beijing' is not an IANA"),
        (
            "version: x\nresponsiveness:\n  call:\n    answer_within_seconds: -5\n",
            4,
            "responsiveness.call.answer_within_seconds: Input should be greater than 0",
        ),
        ("version: x\nquality:\n  critical_items: [answer_wait]\n", 3, "quality.critical_items.0: Input should be"),
        (
            "version: x\nalerts:\n  severities:\n    forbidden_phrase: loud\n",
            4,
            "alerts.severities.forbidden_phrase: Input should be 'info', 'warning' or 'critical'",
        ),
        (_file({"id": "Greet"}), 3, "script_rules.0.id: String should match pattern"),
        (_file({}, {"id": "greet"}), None, "rule id 'greet' is used twice"),  # line 1: a whole-file check
        (_file({"patterns": "['(unclosed']"}), 9, "is not a valid regular expression"),
        (_file({"window": "{kind: before_hold}"}), 3, "rule 'greet': window before_hold applies to calls only"),
        (_file({"window": "{kind: within_seconds_of_answer, seconds: 15}"}), 3, "applies to calls only"),
        (_file({"window": "{kind: first_turns, turns: 0}"}), 6, "Input should be greater than or equal to 1"),
        (_file({"window": "{kind: sometime}"}), 6, "does not match any of the expected tags"),
        (_file({"applies_to": "[email]"}), 7, "Input should be 'call' or 'ticket'"),
    ],
)
def test_a_bad_file_fails_with_line_and_reason(text: str, line: int | None, reason: str) -> None:
    with pytest.raises(StandardsError) as caught:
        parse_standard(text, "bad.yaml")
    message = str(caught.value)
    assert re.match(rf"bad\.yaml:{line or '[0-9]+'}: ", message), message
    assert reason in message


def test_the_centres_time_zone() -> None:
    assert parse_standard('version: "1"\n').standard.time_zone == "UTC"
    assert parse_standard('version: "1"\ntime_zone: Asia/Shanghai\n').standard.time_zone == "Asia/Shanghai"


def test_call_only_windows_are_fine_on_calls() -> None:
    text = _file({"window": "{kind: before_hold}", "applies_to": "[call]"})
    assert parse_standard(text).standard.script_rules[0].window.kind == "before_hold"


def test_a_rule_needs_phrases_or_patterns() -> None:
    text = "version: x\nscript_rules:\n  - {id: r, description: d, requirement: required, window: {kind: anywhere}}\n"
    with pytest.raises(StandardsError, match="rule 'r' has no phrases and no patterns"):
        parse_standard(text, "bad.yaml")


def test_every_error_is_reported() -> None:
    with pytest.raises(StandardsError) as caught:
        parse_standard("version: x\nquality:\n  pass_mark: 120\n  compliance_target: 2\n", "bad.yaml")
    assert str(caught.value).splitlines() == [
        "bad.yaml:3: quality.pass_mark: Input should be less than or equal to 100",
        "bad.yaml:4: quality.compliance_target: Input should be less than or equal to 1",
    ]


def test_files(tmp_path: Path) -> None:
    good = tmp_path / "mine.yaml"
    good.write_text('version: "2027.1"\n', encoding="utf-8")
    assert load_standard(good).standard.version == "2027.1"
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: x\nquality: {pass_mark: -1}\n", encoding="utf-8")
    with pytest.raises(StandardsError, match=rf"^{bad}:2: quality.pass_mark"):
        load_standard(bad)
    with pytest.raises(StandardsError, match=rf"^{tmp_path / 'missing.yaml'}: cannot read"):
        load_standard(tmp_path / "missing.yaml")


def test_an_edited_copy_of_the_default_loads() -> None:
    text = DEFAULT_STANDARD_FILE.read_text(encoding="utf-8")
    text = text.replace('"2026.12.2-default"', '"2026.12-site"').replace("pass_mark: 80", "pass_mark: 85")
    std = parse_standard(text).standard
    assert (std.version, std.quality.pass_mark) == ("2026.12-site", 85)

"""Pure rules of the review loop: case workflow, the reviewed score, sampling, action verdicts, calibration."""

from datetime import UTC, datetime, timedelta

import pytest

from service.alerts.aggregates import Measure
from service.calibration.report import Scored, calibration_report
from service.evaluations.sampling import Candidate, select_sample
from service.reviews.verdict import judge, target_of
from service.reviews.workflow import IllegalChange, check_transition
from service.scoring.reviewed import reviewed_score
from service.standards.schema import ReviewStandard, SamplingRules, Standard

ITEMS = [
    {"id": "greeting", "status": "fail", "weight": 10, "critical": False},
    {"id": "no_rudeness", "status": "fail", "weight": 10, "critical": True},
    {"id": "answer_time", "status": "pass", "weight": 15},
    {"id": "customer_sentiment", "status": "not_applicable", "weight": 10},
]


def test_workflow_refuses_illegal_changes_with_what_is_allowed() -> None:
    with pytest.raises(IllegalChange, match="open cannot become verified; from open: investigating"):
        check_transition("open", "verified", root_cause="people", actions=1, unverified_actions=0)
    with pytest.raises(IllegalChange, match="root cause"):
        check_transition("investigating", "action_planned", root_cause=None, actions=1, unverified_actions=0)
    with pytest.raises(IllegalChange, match="corrective action"):
        check_transition("investigating", "action_planned", root_cause="process", actions=0, unverified_actions=0)
    with pytest.raises(IllegalChange, match="not verified"):
        check_transition("action_planned", "verified", root_cause="process", actions=2, unverified_actions=1)
    with pytest.raises(IllegalChange, match="closed"):
        check_transition("closed", "open", root_cause="process", actions=0, unverified_actions=0)
    check_transition("investigating", "closed", root_cause="outside_agent_control", actions=0, unverified_actions=0)


def test_reviewed_score_reads_but_never_changes_the_automated_items() -> None:
    before = [dict(i) for i in ITEMS]
    auto = reviewed_score(ITEMS, {}, {}, final=True, pass_mark=80)
    assert (auto.quality_score, auto.passed, auto.critical_failure) == (pytest.approx(42.86), False, True)
    reviewed = reviewed_score(ITEMS, {"no_rudeness": "pass"}, {"greeting": "pass"}, final=True, pass_mark=80)
    assert (reviewed.quality_score, reviewed.passed, reviewed.critical_failure) == (100.0, True, False)
    sources = {i.id: (i.automated, i.reviewed, i.source) for i in reviewed.items}
    assert sources["greeting"] == ("fail", "pass", "dispute")
    assert sources["no_rudeness"] == ("fail", "pass", "review")
    assert sources["answer_time"] == ("pass", "pass", "automated")
    assert [dict(i) for i in ITEMS] == before  # untouched
    # an overturned dispute has the last word over the review
    assert reviewed_score(ITEMS, {"greeting": "fail"}, {"greeting": "not_applicable"}, True, 80).items[0].reviewed == (
        "not_applicable"
    )


def _candidates() -> list[Candidate]:
    out = []
    for agent in ("a-1", "a-2"):
        for n in range(12):
            out.append(Candidate(f"{agent}-{n:02}", agent, critical_failure=n == 5, customer_sentiment=n / 10 - 0.6))
    return out


def test_sampling_is_reproducible_and_follows_every_rule() -> None:
    rules = SamplingRules(random_per_agent_per_week=3, all_critical_failures=True, lowest_sentiment=2)
    first = select_sample(_candidates(), rules, "seed-1", "2026-W49")
    assert first == select_sample(list(reversed(_candidates())), rules, "seed-1", "2026-W49")
    randoms = [p for p in first if "random_per_agent" in p.reasons]
    assert sorted(p.agent_id for p in randoms) == ["a-1"] * 3 + ["a-2"] * 3
    assert {p.interaction_id for p in first if "critical_failure" in p.reasons} == {"a-1-05", "a-2-05"}
    assert {p.interaction_id for p in first if "lowest_sentiment" in p.reasons} == {"a-1-00", "a-2-00"}
    others = [select_sample(_candidates(), rules, f"seed-{n}", "2026-W49") for n in range(2, 7)]
    assert any(o != first for o in others), "the seed chooses the random picks"


def test_action_verdicts() -> None:
    assert judge("compliance_rate", Measure(0.80, 20), Measure(0.95, 22), [], 0.9, 3, 3).worked is True
    assert judge("compliance_rate", Measure(0.80, 20), Measure(0.95, 22), [], 0.98, 3, 3).meets_target is False
    assert judge("abandonment_rate", Measure(0.10, 20), Measure(0.15, 20), [], None, 3, 3).worked is False
    assert judge("quality_score", Measure(None, 0), Measure(80, 5), [], 80, 3, 3).worked is None
    # with days enough for control limits, a move inside the limits is not counted as the action's effect
    noisy = judge("compliance_rate", Measure(0.80, 30), Measure(0.84, 30), [0.7, 0.9, 0.75, 0.85], None, 3, 3)
    assert noisy.worked is False and "control limits" in noisy.text
    steady = judge("compliance_rate", Measure(0.80, 30), Measure(0.95, 30), [0.80, 0.81, 0.79, 0.80], None, 3, 3)
    assert steady.worked is True
    assert target_of(Standard(version="t"), "compliance_rate") == 0.98


def test_review_standard_validates_the_taxonomy() -> None:
    with pytest.raises(ValueError, match="unique"):
        ReviewStandard(root_causes=("people", "people"))
    with pytest.raises(ValueError, match="pattern"):
        ReviewStandard(root_causes=("People",))
    custom = ReviewStandard(root_causes=("training", {"id": "tooling", "labels": {"zh": "工具"}}))
    assert custom.cause_ids == ("training", "tooling") and custom.root_causes[1].labels == {"zh": "工具"}
    assert ReviewStandard().root_causes[0].labels == {"en": "People", "zh": "人员"}


def test_calibration_report_two_reviewers() -> None:
    auto = {"greeting": "fail", "closing": "pass"}
    scored = {
        "i1": Scored(auto, 50.0, {"ann": ({"greeting": "pass", "closing": "pass"}, 100.0),
                                  "bob": ({"greeting": "fail", "closing": "pass"}, 50.0)}),
        "i2": Scored(auto, 50.0, {"ann": ({"greeting": "fail", "closing": "fail"}, 0.0),
                                  "bob": ({"greeting": "fail", "closing": "fail"}, 0.0)}),
    }  # fmt: skip
    report = calibration_report(["ann", "bob"], scored)
    assert report["overall"]["method"] == "cohen"
    assert report["overall"]["percent_agreement"] == 0.75
    greeting = next(i for i in report["items"] if i["item_id"] == "greeting")
    assert greeting["percent_agreement"] == 0.5
    ann = next(r for r in report["reviewers"] if r["reviewer"] == "ann")
    assert ann["deviation_from_panel"] == 0.25
    assert ann["deviation_from_automated"] == 0.5  # greeting in i1, closing in i2
    assert ann["mean_score_minus_panel"] == 25.0
    assert ann["mean_score_minus_automated"] == 0.0


def test_week_bounds() -> None:
    from service.evaluations.service import week_bounds

    start, end = week_bounds("2026-W49")
    assert start == datetime(2026, 11, 30, tzinfo=UTC) and end - start == timedelta(days=7)

"""promtool on the shipped Prometheus files, and the dashboard's structure and queries, without a server."""

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.metrics.support import (
    DASHBOARD,
    GRAFANA_BUILTINS,
    PROMETHEUS_DIR,
    ROOT,
    RULE_FILES,
    RULE_TESTS,
    Query,
    dashboard_queries,
    load_dashboard,
    promtool,
    rule_queries,
    substitute,
    variable_queries,
)

pytestmark = pytest.mark.prometheus

EVERY_VALUE = {"queue": ".*", "team": ".*", **GRAFANA_BUILTINS}


def _ok(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, f"{result.args}:\n{result.stdout}\n{result.stderr}"


def test_promtool_check_config_loads_the_rules() -> None:
    result = promtool("check", "config", PROMETHEUS_DIR / "prometheus.yml")
    _ok(result)
    assert f"{len(RULE_FILES)} rule files found" in result.stdout


def test_promtool_check_rules() -> None:
    assert RULE_FILES
    _ok(promtool("check", "rules", *RULE_FILES))


def test_promtool_test_rules() -> None:
    """Every alert fires on its situation and stays quiet on the near miss (deploy/prometheus/tests)."""
    assert RULE_TESTS
    _ok(promtool("test", "rules", *RULE_TESTS, cwd=PROMETHEUS_DIR))


def test_every_alert_has_a_unit_test() -> None:
    alerts = {q.where.removeprefix("alert ") for q in rule_queries() if q.where.startswith("alert ")}
    tested = {
        case["alertname"]
        for path in RULE_TESTS
        for test in yaml.safe_load(path.read_text())["tests"]
        for case in test.get("alert_rule_test", [])
        if case.get("exp_alerts")
    }
    assert alerts - tested == set(), "alerts with no firing case in deploy/prometheus/tests"


def test_dashboard_loads_with_its_variables_and_panels() -> None:
    dashboard = load_dashboard()
    assert dashboard["uid"] == "callqa-overview"
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert {"datasource", "queue", "team"} <= set(variables)
    assert variable_queries(dashboard) == {
        "queue": ("callqa_queue_service_level_ratio", "queue"),
        "team": ("callqa_compliance_results_total", "team"),
    }
    titles = " | ".join(q.where for q in dashboard_queries(dashboard)).lower()
    for topic in ("service level", "events received", "scored", "compliance", "quality score", "sentiment",
                  "alerts", "consumer lag", "review cases", "disputes", "corrective actions"):  # fmt: skip
        assert topic in titles, f"no panel about {topic}"
    for panel in dashboard["panels"]:  # imported dashboards pick their Prometheus by the variable
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == "${datasource}", panel["title"]


def test_every_dashboard_query_parses(tmp_path: Path) -> None:
    """promtool parses each query and annotation (variables substituted) as a recording rule: a typo fails here."""
    dashboard = load_dashboard()
    annotations = [a["expr"] for a in dashboard["annotations"]["list"] if "expr" in a]
    queries = [*dashboard_queries(dashboard), *(Query("annotation", expr) for expr in annotations)]
    rules = [{"record": f"dashboard:query_{i}", "expr": substitute(q.expr, EVERY_VALUE)} for i, q in enumerate(queries)]
    path = tmp_path / "dashboard-queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    _ok(promtool("check", "rules", path))


def test_a_query_that_does_not_parse_fails_the_check(tmp_path: Path) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(
        yaml.safe_dump({"groups": [{"name": "x", "rules": [{"record": "x:y", "expr": "sum(rate(x[5m])"}]}]})
    )
    assert promtool("check", "rules", path).returncode != 0


def test_grafana_provisioning_points_at_the_dashboard() -> None:
    grafana = ROOT / "deploy" / "grafana"
    datasource = yaml.safe_load((grafana / "provisioning" / "datasources" / "prometheus.yml").read_text())
    assert datasource["datasources"][0]["type"] == "prometheus"
    provider = yaml.safe_load((grafana / "provisioning" / "dashboards" / "callqa.yml").read_text())
    mounted = provider["providers"][0]["options"]["path"]
    compose = yaml.safe_load((ROOT / "deploy" / "docker-compose.yml").read_text())
    volumes = compose["services"]["grafana"]["volumes"]
    assert f"./grafana/dashboards:{mounted}:ro" in volumes
    assert DASHBOARD.parent.name == "dashboards"


def _panel(dashboard: dict[str, Any], title_start: str) -> dict[str, Any]:
    return next(p for p in dashboard["panels"] if p["title"].startswith(title_start))


def _target_from_standard(panel: dict[str, Any], kpi: str) -> None:
    exprs = [t["expr"] for t in panel["targets"]]
    assert f'max(callqa_standard_target{{kpi="{kpi}"}})' in exprs, panel["title"]


def test_times_outcomes_and_targets_have_panels() -> None:
    """Issue 14's Grafana items: speed of answer, handle, hold, first reply, overdue tickets, CSAT, NPS, FCR; the
    service-level gauge shows the service level; the standard's targets as lines; version changes annotated."""
    dashboard = load_dashboard()
    exprs = " ".join(q.expr for q in dashboard_queries(dashboard))
    for metric in ("callqa_answer_wait_seconds", "callqa_handle_seconds", "callqa_hold_seconds",
                   "callqa_ticket_first_reply_seconds", "callqa_queue_overdue_ticket_ratio",
                   "callqa_survey_answers_total", "callqa_contacts_total"):  # fmt: skip
        assert metric in exprs, f"no panel reads {metric}"
    gauge = _panel(dashboard, "Service level now")
    shown = gauge["targets"][0]["expr"]  # the service level itself, not its distance from the target
    assert shown == 'max by (queue) (callqa_queue_service_level_ratio{queue=~"$queue"})'
    assert gauge["fieldConfig"]["defaults"]["min"] == 0 and gauge["fieldConfig"]["defaults"]["max"] == 1
    (config,) = gauge["transformations"]  # the threshold is the standard's target, from the target query
    assert config["id"] == "configFromData" and config["options"]["configRefId"] == "B"
    assert gauge["targets"][1]["expr"] == "max(callqa_service_level_target_ratio)"
    _target_from_standard(_panel(dashboard, "Abandonment per queue"), "abandonment_rate")
    _target_from_standard(_panel(dashboard, "Compliance rate vs target"), "compliance_rate")
    _target_from_standard(_panel(dashboard, "Average speed of answer"), "average_speed_of_answer")
    _target_from_standard(_panel(dashboard, "Overdue-ticket ratio"), "overdue_ticket_ratio")
    for title, kpi in (("CSAT", "csat"), ("NPS", "nps"), ("First-contact resolution", "first_contact_resolution")):
        _target_from_standard(_panel(dashboard, title), kpi)
    (version,) = [a for a in dashboard["annotations"]["list"] if a["name"] == "Standard version"]
    assert "callqa_standard_info" in version["expr"] and "{{version}}" in version["titleFormat"]


def test_panels_over_allow_listed_labels_say_so_when_empty() -> None:
    """A queue outside CALLQA_METRICS_QUEUES has no series of its own on score metrics: the panel says so rather
    than showing nothing."""
    for panel in load_dashboard()["panels"]:
        if any('team=~"$team"' in t["expr"] for t in panel.get("targets", [])):
            assert "CALLQA_METRICS_QUEUES" in panel["fieldConfig"]["defaults"].get("noValue", ""), panel["title"]
            assert "other" in panel["description"], panel["title"]


def _outcome_series(survey: str, band: str, answer: int, per_minute: int) -> dict[str, str]:
    labels = f'survey="{survey}",answer="{answer}",band="{band}",queue="q1",team="t1"'
    return {"series": f"callqa_survey_answers_total{{{labels}}}", "values": f"0+{per_minute}x20"}


@pytest.mark.parametrize(
    ("detractors", "expected_nps"),
    [(2, 30.0), (0, 62.5)],  # without detractors, NPS is promoters' share alone (not "no data")
)
def test_the_outcome_panels_compute_csat_nps_and_fcr(tmp_path: Path, detractors: int, expected_nps: float) -> None:
    """The dashboard's own CSAT, NPS and FCR queries on known counters, through promtool's evaluator."""
    dashboard = load_dashboard()
    values = {**EVERY_VALUE, "__rate_interval": "5m"}

    def expr(title: str) -> str:
        panel = next(p for p in dashboard["panels"] if p["title"].startswith(title))
        return substitute(panel["targets"][0]["expr"], values)

    series = [
        _outcome_series("csat", "satisfied", 5, 3),
        _outcome_series("csat", "not_satisfied", 2, 1),  # CSAT 3 / 4
        _outcome_series("nps", "promoter", 10, 5),
        _outcome_series("nps", "passive", 8, 3),
        *([_outcome_series("nps", "detractor", 3, detractors)] if detractors else []),
        {"series": 'callqa_contacts_total{queue="q1",team="t1",repeat="false"}', "values": "0+3x20"},
        {"series": 'callqa_contacts_total{queue="q1",team="t1",repeat="true"}', "values": "0+1x20"},  # FCR 3 / 4
    ]
    cases = [("CSAT", 0.75), ("NPS", expected_nps), ("First-contact resolution", 0.75)]
    test = {
        "interval": "1m",
        "input_series": series,
        "promql_expr_test": [
            {"expr": expr(title), "eval_time": "15m", "exp_samples": [{"labels": "{}", "value": value}]}
            for title, value in cases
        ],
    }
    path = tmp_path / "outcomes.test.yml"
    path.write_text(yaml.safe_dump({"rule_files": [], "evaluation_interval": "1m", "tests": [test]}))
    _ok(promtool("test", "rules", path))

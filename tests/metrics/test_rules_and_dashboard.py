"""promtool on the shipped Prometheus files, and the dashboard's structure and queries, without a server."""

import subprocess
from pathlib import Path

import pytest
import yaml

from tests.metrics.support import (
    DASHBOARD,
    GRAFANA_BUILTINS,
    PROMETHEUS_DIR,
    ROOT,
    RULE_FILES,
    RULE_TESTS,
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
                  "alerts", "consumer lag"):  # fmt: skip
        assert topic in titles, f"no panel about {topic}"
    for panel in dashboard["panels"]:  # imported dashboards pick their Prometheus by the variable
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == "${datasource}", panel["title"]


def test_every_dashboard_query_parses(tmp_path: Path) -> None:
    """promtool parses each query (variables substituted) as a recording rule: a typo fails here."""
    queries = dashboard_queries(load_dashboard())
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

"""A real Prometheus scrapes a real callqa that has processed calls and tickets; every query of the dashboard and
of the rules returns data through Prometheus's HTTP API. Consumer lag needs a consumer: test_consumer_metrics."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from service.clock import utc_now
from tests.conftest import LiveServer
from tests.metrics.support import (
    GRAFANA_BUILTINS,
    PrometheusServer,
    Scenario,
    load_dashboard,
    needs_consumer,
    promtool,
    queries_that_must_return_data,
    rule_queries,
    values,
    variable_queries,
    without_data,
)

pytestmark = pytest.mark.prometheus


@pytest.fixture
def scraped(
    start_server: Callable[..., LiveServer], tmp_path: Path
) -> Iterator[tuple[LiveServer, PrometheusServer, Scenario]]:
    """callqa with the scenario's queues and teams allow-listed, scraped every second after each phase."""
    scenario = Scenario()
    server = start_server(
        clock=utc_now, metrics_queues=[scenario.north, scenario.south], metrics_teams=[scenario.red, scenario.blue]
    )
    prometheus = PrometheusServer(tmp_path, {"callqa-api": (server.url.removeprefix("http://"), "/metrics/")})
    try:
        assert prometheus.wait_for_data('callqa_build_info{job="callqa-api"}', timeout=30), "no first scrape"
        offered = f'callqa_queue_calls_offered{{queue="{scenario.north}"}}'
        for phase, expected in ((scenario.phase_one(), 1), (scenario.phase_two(), 2)):
            response = server.client.post("/v1/events", json={"events": phase})
            assert response.status_code in (202, 207), response.text
            prometheus.wait_for_values(offered, [expected])  # scraped after this phase
        yield server, prometheus, scenario
    finally:
        prometheus.stop()


def test_every_query_returns_data_and_the_numbers_are_the_events(
    scraped: tuple[LiveServer, PrometheusServer, Scenario],
) -> None:
    _, prometheus, scenario = scraped
    variables = {"queue": scenario.north, "team": scenario.red, **GRAFANA_BUILTINS}
    queries = [q for q in queries_that_must_return_data(variables) if not needs_consumer(q)]
    assert without_data(prometheus, queries, timeout=30) == []
    for query in rule_queries():  # alerts included: each evaluates without an error from Prometheus
        prometheus.query(query.expr)
    the_numbers_are_those_of_the_events(*scraped)


def the_numbers_are_those_of_the_events(server: LiveServer, prometheus: PrometheusServer, s: Scenario) -> None:
    """In the same test as the queries: Prometheus takes 5 s to pick up a new target (discovery throttle)."""

    def one(expr: str) -> float:
        result = prometheus.wait_for_data(expr, timeout=20)
        assert len(result) == 1, f"{expr}: {result}"
        return values(result)[0]

    # service level per queue over the live window: north answered in 8 s twice; south one abandoned, one late
    assert one(f'max by (queue) (callqa_queue_service_level_ratio{{queue="{s.north}"}})') == 1
    assert one(f'max by (queue) (callqa_queue_service_level_ratio{{queue="{s.south}"}})') == 0
    assert one(f'max by (queue) (callqa_queue_abandonment_ratio{{queue="{s.south}"}})') == 0.5
    assert one("max(callqa_service_level_target_ratio)") == 0.8
    # the rejected events by type (unknown when the type is not one of ours), the duplicate
    assert one('sum(callqa_events_received_total{source="http",outcome="rejected",type="unknown"})') >= 1
    assert one('sum(callqa_events_received_total{source="http",outcome="rejected",type="call.utterance"})') >= 1
    assert one('sum(callqa_events_received_total{source="http",outcome="duplicate",type="call.offered"})') >= 1
    # final scores in the allow-listed queue and team; the other queue's rude call failed its forbidden phrase
    assert one(f'sum(callqa_quality_score_count{{queue="{s.north}",team="{s.red}",kind="call"}})') == 2
    assert one(f'sum(callqa_quality_score_count{{queue="{s.north}",team="{s.red}",kind="ticket"}})') == 1
    assert one(f'sum(callqa_customer_sentiment_count{{queue="{s.north}",team="{s.red}"}})') == 2
    fails = f'sum(callqa_compliance_results_total{{queue="{s.south}",rule="no_forbidden_phrases",outcome="fail"}})'
    assert one(fails) == 1
    # grew between the two phases, so the dashboard's increase() sees it
    assert one(f'sum(increase(callqa_quality_score_count{{queue="{s.north}",kind="call"}}[1m]))') > 0
    assert one('sum(callqa_alerts_open{severity="critical",state="open"})') >= 1
    assert one('sum(callqa_alerts_raised_total{rule="forbidden_phrase",severity="critical"})') >= 1
    assert one('sum(callqa_alert_raised_delay_seconds_count{subject="interaction"})') >= 1
    assert one('sum(callqa_db_write_seconds_count{operation="commit"})') >= 2
    assert one('sum(callqa_pipeline_stage_seconds_count{stage="store"})') >= 2
    assert one("min(callqa_database_up)") == 1
    # the review loop's gauges are served with every label value, 0 included (no sweep opened a case here)
    assert one("max(callqa_review_cases_overdue)") == 0
    assert one('max(callqa_disputes{state="overturned"})') == 0
    assert one('max(callqa_corrective_actions{verdict="pending"})') == 0
    # times, tickets and customer outcomes of the allow-listed queue and team, targets from the standard
    red = f'queue="{s.north}",team="{s.red}"'
    assert one(f"sum(callqa_answer_wait_seconds_count{{{red}}})") == 2
    assert one(f"sum(callqa_answer_wait_seconds_sum{{{red}}})") == 16  # answered after 8 s, twice
    assert one(f"sum(callqa_handle_seconds_count{{{red}}})") == 2
    assert one(f"sum(callqa_ticket_first_reply_seconds_sum{{{red}}})") == 100
    assert one(f'max(callqa_queue_overdue_ticket_ratio{{queue="{s.north}"}})') == 0
    assert one(f'sum(callqa_survey_answers_total{{survey="csat",band="satisfied",{red}}})') == 2
    assert one(f'sum(callqa_survey_answers_total{{survey="csat",{red}}})') == 3
    assert one(f'sum(callqa_survey_answers_total{{survey="nps",band="detractor",{red}}})') == 1
    assert one(f'sum(callqa_contacts_total{{repeat="true",{red}}})') == 1
    assert one(f"sum(callqa_contacts_total{{{red}}})") == 3
    assert one('max(callqa_standard_target{kpi="abandonment_rate"})') == 0.1
    assert one('max(callqa_standard_target{kpi="compliance_rate"})') == 0.98
    assert one('max(callqa_standard_target{kpi="service_level"})') == 0.8
    # the annotation of the standard in force: it came in with this callqa's first scrape
    (annotation,) = [a for a in load_dashboard()["annotations"]["list"] if a["name"] == "Standard version"]
    assert prometheus.wait_for_data(annotation["expr"], timeout=10)[0]["metric"]["version"]
    # the dashboard's variables list the allow-listed queues and teams
    for name, (metric, label) in variable_queries(load_dashboard()).items():
        found = {r["metric"][label] for r in prometheus.query(f"count by ({label}) ({metric})")}
        expected = {"queue": {s.north, s.south}, "team": {s.red, s.blue}}[name]
        assert expected <= found, f"${name}: {found}"
    # the exposition follows Prometheus's naming and format rules
    lint = promtool("check", "metrics", input=server.client.get("/metrics/").text)
    assert lint.returncode == 0 and not lint.stdout.strip() and not lint.stderr.strip(), lint.stdout + lint.stderr

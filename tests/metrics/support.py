"""The dashboard's and the rules' queries, and a real Prometheus server (Debian's `prometheus`) to run them on."""

import json
import os
import re
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from service.clock import utc_now

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS_DIR = ROOT / "deploy" / "prometheus"
RULE_FILES = sorted((PROMETHEUS_DIR / "rules").glob("*.yml"))
RULE_TESTS = sorted((PROMETHEUS_DIR / "tests").glob("*.yml"))
DASHBOARD = ROOT / "deploy" / "grafana" / "dashboards" / "callqa.json"
REQUIRE_ENV = "CALLQA_TEST_REQUIRE_PROMETHEUS"

# What Grafana puts in for its built-in variables; the test's Prometheus scrapes every second, so a minute holds
# enough samples for rate() and increase().
GRAFANA_BUILTINS = {"__rate_interval": "1m", "__interval": "15s", "__range": "5m"}


def scraped_gauge(api: httpx.Client, name: str) -> dict[str, float]:
    """One gauge's samples from callqa's /metrics, by the value of its one label ('' for a gauge without one)."""
    (family,) = [f for f in text_string_to_metric_families(api.get("/metrics/").text) if f.name == name]
    return {next(iter(s.labels.values()), ""): s.value for s in family.samples}


def binaries() -> tuple[str, str]:
    """prometheus and promtool, or skip (fail when the test script says they must be there)."""
    prometheus, promtool = shutil.which("prometheus"), shutil.which("promtool")
    if prometheus and promtool:
        return prometheus, promtool
    message = "Prometheus is not installed (Debian package `prometheus`: /usr/bin/prometheus, /usr/bin/promtool)"
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{REQUIRE_ENV}=1 but {message}")
    pytest.skip(f"{message}; `make test` installs it")


def promtool(*args: str | Path, cwd: Path | None = None, input: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [binaries()[1], *map(str, args)], capture_output=True, text=True, cwd=cwd, input=input, timeout=120
    )


# ----------------------------------------------------------------------------------------------- queries --


@dataclass(frozen=True)
class Query:
    where: str  # "dashboard panel <title>", "recording rule <name>", "alert <name>"
    expr: str


def _panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        yield panel
        yield from _panels(panel.get("panels", []))  # panels inside collapsed rows


def load_dashboard() -> dict[str, Any]:
    return json.loads(DASHBOARD.read_text())


def dashboard_queries(dashboard: Mapping[str, Any]) -> list[Query]:
    return [
        Query(f"dashboard panel {panel['title']!r} ({target['refId']})", target["expr"])
        for panel in _panels(dashboard["panels"])
        for target in panel.get("targets", [])
    ]


def variable_queries(dashboard: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """Template variables of type query: name -> (metric, label) of their `label_values(metric, label)`."""
    out = {}
    for var in dashboard["templating"]["list"]:
        if var["type"] != "query":
            continue
        query = var["query"]["query"] if isinstance(var["query"], dict) else var["query"]
        match = re.fullmatch(r"label_values\((\w+),\s*(\w+)\)", query)
        assert match, f"variable {var['name']}: unsupported query {query!r}"
        out[var["name"]] = (match[1], match[2])
    return out


def substitute(expr: str, values: Mapping[str, str]) -> str:
    """Grafana's variables ($name, ${name}) replaced the way Grafana does before the query reaches Prometheus."""

    def one(match: re.Match[str]) -> str:
        name = match[1] or match[2]
        if name not in values:
            raise KeyError(f"no value for ${name} in {expr!r}")
        return values[name]

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", one, expr)


def rule_queries() -> list[Query]:
    out = []
    for path in RULE_FILES:
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                kind = "recording rule" if "record" in rule else "alert"
                out.append(Query(f"{kind} {rule.get('record') or rule.get('alert')}", rule["expr"].strip()))
    return out


_SELECTOR = re.compile(r"(?<![\w:])((?:callqa[_:]|up\b)[\w:]*)(\{[^}]*\})?")


def selectors(expr: str) -> list[str]:
    """The series selectors of a query (metric name with its matchers), e.g. to check an alert's inputs exist
    while its condition (rightly) does not hold."""
    return sorted({m[1] + (m[2] or "") for m in _SELECTOR.finditer(expr)})


# Consumer lag exists once a consumer has handled a batch: tests without Kafka leave these queries out.
CONSUMER_ONLY = ("callqa_consumer_lag_records", "callqa:consumer_lag_records")


def needs_consumer(query: Query) -> bool:
    return any(s.startswith(CONSUMER_ONLY) for s in selectors(query.expr))


def queries_that_must_return_data(variables: Mapping[str, str]) -> list[Query]:
    """Every dashboard query (variables substituted), every recording rule's expression and recorded series, and
    every series an alert reads (an alert's condition rightly does not hold on a healthy callqa)."""
    dashboard = [Query(q.where, substitute(q.expr, variables)) for q in dashboard_queries(load_dashboard())]
    rules = rule_queries()
    recording = [q for q in rules if q.where.startswith("recording rule ")]
    recorded = [Query(f"{q.where} (recorded series)", q.where.split()[-1]) for q in recording]
    alert_inputs = [
        Query(f"{q.where} input", s) for q in rules if q.where.startswith("alert ") for s in selectors(q.expr)
    ]
    return [*dashboard, *recording, *recorded, *alert_inputs]


# ------------------------------------------------------------------------------------------- Prometheus --


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrometheusServer:
    """A real Prometheus on 127.0.0.1 with a temporary storage dir; every query goes through its HTTP API."""

    def __init__(self, workdir: Path, scrape_targets: Mapping[str, tuple[str, str]]) -> None:
        """`scrape_targets`: job name -> (host:port, metrics path). Scrapes and rules run every second."""
        prometheus, _ = binaries()
        config = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text())
        config["global"] = {"scrape_interval": "1s", "evaluation_interval": "1s"}
        config["rule_files"] = [str(p) for p in RULE_FILES]
        config.pop("alerting", None)
        config["scrape_configs"] = [
            {"job_name": job, "metrics_path": path, "static_configs": [{"targets": [target]}]}
            for job, (target, path) in scrape_targets.items()
        ]
        self.config_file = workdir / "prometheus.yml"
        self.config_file.write_text(yaml.safe_dump(config))
        self.url = f"http://127.0.0.1:{free_port()}"
        self.log = workdir / "prometheus.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    prometheus,
                    f"--config.file={self.config_file}",
                    f"--storage.tsdb.path={workdir / 'data'}",
                    f"--web.listen-address={self.url.removeprefix('http://')}",
                    "--log.level=warn",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.client = httpx.Client(base_url=self.url, timeout=10)
        deadline = time.monotonic() + 30
        while True:
            try:
                if self.client.get("/-/ready").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"prometheus did not start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.1)

    def query(self, expr: str) -> list[dict[str, Any]]:
        """The instant vector (or scalar, as one sample) of `expr` now; a query Prometheus refuses fails."""
        response = self.client.get("/api/v1/query", params={"query": expr})
        body = response.json()
        assert body.get("status") == "success", f"Prometheus refused {expr!r}: {body.get('error', body)}"
        data = body["data"]
        if data["resultType"] in ("scalar", "string"):
            return [{"metric": {}, "value": data["result"]}]
        return list(data["result"])

    def wait_for_data(self, expr: str, timeout: float) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while True:
            result = self.query(expr)
            if result or time.monotonic() > deadline:
                return result
            time.sleep(0.25)

    def wait_for_values(self, expr: str, expected: list[float], timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while (got := values(self.query(expr))) != expected:
            assert time.monotonic() < deadline, f"{expr}: {got}, expected {expected}"
            time.sleep(0.2)

    def stop(self) -> None:
        self.client.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def values(result: list[dict[str, Any]]) -> list[float]:
    return [float(sample["value"][1]) for sample in result]


def without_data(prometheus: PrometheusServer, queries: list[Query], timeout: float) -> list[str]:
    """The queries that still return nothing after `timeout` (shared): recording rules need two scrapes of
    their inputs and an evaluation first."""
    deadline = time.monotonic() + timeout
    return [
        f"{q.where}: {q.expr}"
        for q in queries
        if not prometheus.wait_for_data(q.expr, timeout=max(deadline - time.monotonic(), 0))
    ]


# ------------------------------------------------------------------------------------------- events --


class Scenario:
    """Calls and a ticket in two queues and two teams (unique names), with the events a contact centre sends."""

    def __init__(self) -> None:
        tag = uuid.uuid4().hex[:8]
        self.tag = tag
        self.north, self.south = f"north-{tag}", f"south-{tag}"
        self.red, self.blue = f"red-{tag}", f"blue-{tag}"
        self.t0 = utc_now()

    def _event(self, iid: str, n: int, type_: str, ago: float, queue: str, team: str, **payload: Any) -> dict:
        at = self.t0 - timedelta(seconds=ago)
        return {
            "event_id": f"{iid}-{n}",
            "type": type_,
            "occurred_at": at.isoformat(),
            "interaction_id": iid,
            "agent_id": "agent-1",
            "team_id": team,
            "queue_id": queue,
            "payload": payload,
        }

    def polite_call(self, name: str) -> list[dict]:
        iid, q, t = f"{self.tag}-{name}", self.north, self.red
        say = [
            ("agent", "Hello, thank you for calling, my name is Ann.", 1000),
            ("customer", "I am really upset, this is terrible and nothing works!", 5000),
            ("agent", "I am so sorry, I understand how frustrating that is.", 9000),
            ("customer", "Thanks, that is great, it works now.", 14000),
            ("agent", "Is there anything else I can help you with?", 20000),
            ("agent", "Thank you for calling, goodbye.", 25000),
        ]
        return [
            self._event(iid, 0, "call.offered", 120, q, t),
            self._event(iid, 1, "call.answered", 112, q, t),
            *(
                self._event(iid, 2 + i, "call.utterance", 112 - ms / 1000, q, t, speaker=s, text=x, offset_ms=ms)
                for i, (s, x, ms) in enumerate(say)
            ),
            self._event(iid, 9, "call.ended", 80, q, t),
        ]

    def outcomes(self, name: str, customer: str, **survey: int) -> list[dict]:
        """A polite call's contact reason and, with answers, its survey (north and red, as the call)."""
        iid, q, t = f"{self.tag}-{name}", self.north, self.red
        reason = self._event(iid, 20, "contact.reason", 70, q, t, customer_id=f"{self.tag}-{customer}", reason="outage")
        return [reason, self._event(iid, 21, "survey.answered", 60, q, t, **survey)] if survey else [reason]

    def phase_one(self) -> list[dict]:
        abandoned = f"{self.tag}-abandoned"
        return [
            *self.polite_call("a1"),
            *self.outcomes("a1", "cust-1", csat=5, nps=10),
            self._event(abandoned, 0, "call.offered", 90, self.south, self.blue),
            self._event(abandoned, 1, "call.ended", 75, self.south, self.blue),
            # rejected: a known type with a bad payload, and a type nobody knows
            self._event(f"{self.tag}-bad", 0, "call.utterance", 5, self.north, self.red),
            self._event(f"{self.tag}-bad", 1, "call.teleported", 5, self.north, self.red),
        ]

    def phase_two(self) -> list[dict]:
        rude, ticket = f"{self.tag}-rude", f"{self.tag}-ticket"
        first = self.polite_call("a1")[0]
        return [
            *self.polite_call("a2"),  # the same queue, team and kind again: histogram series that already exist grow
            self._event(rude, 0, "call.offered", 100, self.south, self.blue),
            self._event(rude, 1, "call.answered", 60, self.south, self.blue),
            self._event(
                rude,
                2,
                "call.utterance",
                58,
                self.south,
                self.blue,
                speaker="customer",
                text="This is unacceptable, I am furious!",
                offset_ms=2000,
            ),
            self._event(
                rude,
                3,
                "call.utterance",
                55,
                self.south,
                self.blue,
                speaker="agent",
                text="Calm down, that is not my problem.",
                offset_ms=5000,
            ),
            self._event(rude, 4, "call.ended", 10, self.south, self.blue),
            self._event(ticket, 0, "ticket.created", 300, self.north, self.red, priority=2),
            self._event(
                ticket,
                1,
                "ticket.replied",
                200,
                self.north,
                self.red,
                author="agent",
                text="Hello, I am sorry for the trouble, it is fixed now. Kind regards, Ann",
            ),
            self._event(ticket, 2, "ticket.resolved", 100, self.north, self.red),
            *self.outcomes("a2", "cust-2", csat=5, nps=10),  # the same labels again: the counters grow
            *self.outcomes("ticket", "cust-1", csat=2, nps=3),  # cust-1 comes back about the outage: a repeat
            first,  # a duplicate
        ]

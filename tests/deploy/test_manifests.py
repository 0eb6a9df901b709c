"""The deployment files hang together: compose, Dockerfile, Prometheus config and kustomize manifests name the
same ports, paths and settings. No Docker engine or cluster here: files are parsed (and built with `kubectl
kustomize` when kubectl is installed); promtool checks the Prometheus files in tests/metrics."""

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from service.config import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
ROOT = DEPLOY.parent


def _compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def _settings_named(env: dict[str, Any]) -> set[str]:
    return {k for k in env if k.startswith("CALLQA_")}


def _known(names: set[str]) -> set[str]:
    return {n for n in names if n.removeprefix("CALLQA_").lower() not in Settings.model_fields}


def test_compose_runs_the_whole_stack() -> None:
    services = _compose()["services"]
    assert {"kafka", "postgres", "kafka-topics", "migrate", "api", "consumer", "prometheus", "alertmanager",
            "grafana"} <= set(services)  # fmt: skip
    for name in ("migrate", "api", "consumer"):
        assert services[name]["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
        assert _known(_settings_named(services[name]["environment"])) == set(), f"{name}: unknown settings"
    assert services["migrate"]["command"] == ["migrate"]
    for name in ("api", "consumer"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "container_name" not in services["consumer"], "a fixed name would stop --scale"


def test_compose_volumes_exist_and_prometheus_scrapes_the_ports_callqa_serves() -> None:
    services = _compose()["services"]
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (DEPLOY / source).exists(), volume
    prometheus = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in prometheus["scrape_configs"]}
    api_port = services["api"]["ports"][0].rsplit(":", 1)[1]
    assert jobs["callqa-api"]["dns_sd_configs"][0] == {"names": ["api"], "type": "A", "port": int(api_port),
                                                        "refresh_interval": "15s"}  # fmt: skip
    assert jobs["callqa-api"]["metrics_path"] == "/metrics/"
    metrics_port = services["consumer"]["environment"]["CALLQA_KAFKA_METRICS_PORT"]
    assert jobs["callqa-consumer"]["dns_sd_configs"][0]["port"] == int(metrics_port)


def test_dockerfile_copies_what_exists_and_runs_callqa() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    for source in re.findall(r"^COPY (\S+)", dockerfile, flags=re.M):
        assert (ROOT / source).exists(), source
    assert 'ENTRYPOINT ["callqa"]' in dockerfile
    kept = {line.removeprefix("!").rstrip("/") for line in (DEPLOY / "Dockerfile.dockerignore").read_text().split()}
    for source in re.findall(r"^COPY (\S+)", dockerfile, flags=re.M):
        assert source.removeprefix("./").rstrip("/") in kept, f"{source} is left out of the build context"


def _identity(doc: dict[str, Any]) -> tuple[str, str]:
    name = doc["metadata"]["name"]
    if doc["kind"] == "ConfigMap":  # generated: callqa-config-<content hash>
        name = name.rsplit("-", 1)[0]
    return doc["kind"], name


def test_kustomize_builds_api_consumers_migration_config_and_secret() -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed: `kubectl kustomize deploy/k8s` not run")
    built = subprocess.run([kubectl, "kustomize", str(DEPLOY / "k8s")], capture_output=True, text=True, timeout=60)
    assert built.returncode == 0, built.stderr
    docs = {_identity(d): d for d in yaml.safe_load_all(built.stdout)}
    assert {("Deployment", "callqa-api"), ("Deployment", "callqa-consumer"), ("Job", "callqa-migrate"),
            ("ConfigMap", "callqa-config"), ("Secret", "callqa-secrets"),
            ("HorizontalPodAutoscaler", "callqa-consumer")} <= set(docs)  # fmt: skip
    config = docs[("ConfigMap", "callqa-config")]["data"]
    secret = docs[("Secret", "callqa-secrets")]["stringData"]
    assert _known(_settings_named(config) | _settings_named(secret)) == set()
    consumer = docs[("Deployment", "callqa-consumer")]["spec"]["template"]
    assert consumer["spec"]["containers"][0]["args"] == ["consume"]
    assert consumer["metadata"]["annotations"]["prometheus.io/port"] == config["CALLQA_KAFKA_METRICS_PORT"]
    assert docs[("Job", "callqa-migrate")]["spec"]["template"]["spec"]["containers"][0]["args"] == ["migrate"]
    # consumers beyond the partition count would idle: the autoscaler stops at the partitions compose creates
    partitions = re.search(r"CALLQA_EVENTS_PARTITIONS:-(\d+)", (DEPLOY / "docker-compose.yml").read_text())
    assert partitions and docs[("HorizontalPodAutoscaler", "callqa-consumer")]["spec"]["maxReplicas"] == int(
        partitions[1]
    )

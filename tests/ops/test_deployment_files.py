"""The deployment files describe the platform the launcher runs, and are valid: the Kubernetes
manifests (infra/k8s/) checked by kubeconform against the Kubernetes JSON schemas, and
docker-compose.yml against the compose-spec JSON schema. No cluster or Docker needed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from infra.k8s.generate import OUTPUT, render
from kit.launcher import process_table

REPO = Path(__file__).resolve().parents[2]
K8S_VERSION = "1.31.0"
DEV_ONLY = {"mock-idp", "overview-stub"}  # make run's stand-ins, not production processes


@pytest.fixture(scope="module")
def manifests() -> list[dict]:
    return [d for d in yaml.safe_load_all(OUTPUT.read_text()) if d]


@pytest.fixture(scope="module")
def kubeconform() -> str:
    """infra/kubeconform.sh builds it from the Go module proxy once, then prints its path."""
    built = subprocess.run(
        [str(REPO / "infra/kubeconform.sh")], capture_output=True, text=True, timeout=600
    )
    if built.returncode != 0:
        if os.environ.get("SB_REQUIRE_REAL_INFRA") == "1":
            pytest.fail(f"kubeconform could not be built: {built.stderr[-2000:]}")
        pytest.skip("kubeconform not available (needs Go)")
    return built.stdout.strip()


@pytest.fixture(scope="module")
def k8s_schemas(tmp_path_factory, manifests) -> str:
    """kubeconform's schema location, from PyPI's kubernetes-validate (kubeconform's own
    default is fetched from GitHub at run time, which tests must not need). That package
    keeps the definitions in one file that the kind schemas reference by an absolute URL;
    kubeconform wants standalone files, so each kind used gets the definitions inlined."""
    packaged = (
        Path(kubernetes_validate.__file__).parent
        / "kubernetes-json-schema"
        / f"v{K8S_VERSION}-local-strict"
    )
    root = tmp_path_factory.mktemp("k8s-schemas")
    target = root / f"v{K8S_VERSION}-standalone-strict"
    target.mkdir()
    external = '"/api/_definitions.json#'
    definitions = json.loads((packaged / "_definitions.json").read_text().replace(external, '"#'))[
        "$defs"
    ]
    for doc in manifests:
        group, _, version = doc["apiVersion"].rpartition("/")
        name = f"{doc['kind'].lower()}{'-' + group if group else ''}-{version}.json"
        schema = json.loads((packaged / name).read_text().replace(external, '"#'))
        schema.pop("$id", None)
        schema["$defs"] = definitions
        (target / name).write_text(json.dumps(schema))
    return str(
        root
        / "{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}"
        / "{{ .ResourceKind }}{{ .KindSuffix }}.json"
    )


def run_kubeconform(kubeconform: str, schemas: str, path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            kubeconform,
            "-strict",
            "-summary",
            "-kubernetes-version",
            K8S_VERSION,
            "-schema-location",
            schemas,
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_manifests_are_generated_from_the_launchers_process_table():
    assert OUTPUT.read_text() == render(), "run: python -m infra.k8s.generate"


def test_every_web_and_worker_process_has_a_deployment_with_probes_and_resources(manifests):
    deployments = {d["metadata"]["name"]: d for d in manifests if d["kind"] == "Deployment"}
    services = {d["metadata"]["name"] for d in manifests if d["kind"] == "Service"}
    processes = {p.name for p in process_table()} - DEV_ONLY
    assert set(deployments) == processes
    for name, deployment in deployments.items():
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", name
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", name
        assert {"cpu", "memory"} <= set(container["resources"]["requests"]), name
        assert {
            e.get("configMapRef", e.get("secretRef"))["name"] for e in container["envFrom"]
        } == {
            "selvbetjening-settings",
            "selvbetjening-secrets",
        }
        if not name.endswith("-worker"):
            assert name in services, f"{name} has no Service"


def test_kubeconform_accepts_the_manifests_and_rejects_a_broken_one(
    kubeconform, k8s_schemas, tmp_path
):
    checked = run_kubeconform(kubeconform, k8s_schemas, OUTPUT)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Invalid: 0, Errors: 0, Skipped: 0" in checked.stdout

    broken = tmp_path / "broken.yaml"
    broken.write_text(
        OUTPUT.read_text()
        .replace("periodSeconds: 10", "periodSeconds: ten", 1)
        .replace("containerPort: 8001", "containerPort: 8001\n          protocl: TCP", 1)
    )
    refused = run_kubeconform(kubeconform, k8s_schemas, broken)
    assert refused.returncode != 0
    assert "Invalid: 2" in refused.stdout, refused.stdout


def check_compose(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.compose-spec",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_docker_compose_follows_the_compose_spec_and_runs_every_process(tmp_path):
    compose_file = REPO / "docker-compose.yml"
    checked = check_compose(compose_file)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    compose = yaml.safe_load(compose_file.read_text())
    assert {p.name for p in process_table()} <= set(compose["services"])
    for name, spec in compose["services"].items():
        if name.endswith(("-web", "-worker")):
            assert "healthcheck" in spec, f"{name} has no healthcheck"

    broken = tmp_path / "docker-compose.yml"
    broken.write_text(compose_file.read_text().replace("restart: unless-stopped", "restart: 7", 1))
    assert check_compose(broken).returncode != 0

"""Writes the Kubernetes manifests in infra/k8s/ from the launcher's process table.

    python -m infra.k8s.generate          # rewrite infra/k8s/platform.yaml

One Deployment per web and worker process that `make run` starts (kit.launcher), each with
liveness on /healthz, readiness on /readyz and resource requests; a Service per web process;
a ConfigMap for settings and a Secret for credentials (placeholders, to be replaced by the
municipality's own); a Job for the migrations. Kafka, PostgreSQL and the identity provider
are the municipality's (managed) services and are named in the ConfigMap, not deployed here;
nor are the development-only processes (mock identity provider, Mit Overblik stub).
tests/ops/test_deployment_files.py fails when this file and platform.yaml disagree, and
validates platform.yaml with kubeconform.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from kit.launcher import SERVICES

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "platform.yaml"
NAMESPACE = "selvbetjening"
IMAGE = "registry.kommune.dk/selvbetjening:1.0.0"
WEB_PORT, WORKER_PORT = 8000, 8001
LABELS = {"app.kubernetes.io/part-of": "selvbetjening"}

# gunicorn as the launcher runs it, bound to every interface of the pod.
GUNICORN_ARGS = (
    "--workers 1 --threads 8 --graceful-timeout 5 --error-logfile - "
    f"--bind 0.0.0.0:{WEB_PORT} --worker-tmp-dir /dev/shm"
)

SETTINGS = {
    "KAFKA_BOOTSTRAP": "kafka-0.kafka.data.svc:9092,kafka-1.kafka.data.svc:9092",
    "SB_IDP_ISSUER": "https://login.kommune.dk/realms/selvbetjening",
    "SB_IDP_CLIENT_ID": "selvbetjening-gateway",
    "SB_INTERNAL_ISSUER": "https://selvbetjening.kommune.dk",
    "SB_INTERNAL_JWKS_URL": f"http://gateway.{NAMESPACE}.svc:{WEB_PORT}/.well-known/jwks.json",
    "OVERVIEW_ENDPOINT": "https://sdi.kombit.example/sager",
    "LOG_LEVEL": "INFO",
    "SB_ENV": "production",
    **{f"SB_UPSTREAM_{s.upper()}": f"http://{s}-web.{NAMESPACE}.svc:{WEB_PORT}" for s in SERVICES},
}
SECRETS = {
    # "{service}" is literal: each process puts in its own service name (its own database).
    "DATABASE_URL": "postgresql://selvbetjening:CHANGE-ME@postgres.data.svc:5432/{service}",
    "SB_IDP_CLIENT_SECRET": "CHANGE-ME",
}

WEB_RESOURCES = {
    "requests": {"cpu": "100m", "memory": "192Mi"},
    "limits": {"memory": "512Mi"},
}
WORKER_RESOURCES = {
    "requests": {"cpu": "50m", "memory": "160Mi"},
    "limits": {"memory": "384Mi"},
}


def probe(path: str, port: int, period_s: int, failures: int) -> dict[str, Any]:
    return {
        "httpGet": {"path": path, "port": port},
        "periodSeconds": period_s,
        "timeoutSeconds": 3,
        "failureThreshold": failures,
    }


def deployment(
    name: str,
    command: list[str],
    port: int,
    resources: dict[str, Any],
    env: list[dict[str, Any]] | None = None,
    replicas: int = 2,
    grace_s: int = 30,
) -> dict[str, Any]:
    labels = {**LABELS, "app.kubernetes.io/name": name}
    container: dict[str, Any] = {
        "name": name,
        "image": IMAGE,
        "command": command,
        "ports": [{"name": "http", "containerPort": port}],
        "envFrom": [
            {"configMapRef": {"name": "selvbetjening-settings"}},
            {"secretRef": {"name": "selvbetjening-secrets"}},
        ],
        "startupProbe": probe("/healthz", port, 2, 30),
        "livenessProbe": probe("/healthz", port, 10, 3),
        "readinessProbe": probe("/readyz", port, 5, 2),
        "resources": resources,
        "securityContext": {
            "runAsNonRoot": True,
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": [
            {"name": "tmp", "mountPath": "/tmp"},  # noqa: S108 - a pod's own emptyDir
            {"name": "var", "mountPath": "/var/lib/selvbetjening"},
            {"name": "shm", "mountPath": "/dev/shm"},  # noqa: S108 - gunicorn heartbeat files
        ],
    }
    if env:
        container["env"] = env
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1},
            },
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "terminationGracePeriodSeconds": grace_s,
                    "containers": [container],
                    "volumes": [
                        {"name": "tmp", "emptyDir": {}},
                        {"name": "var", "emptyDir": {}},
                        {"name": "shm", "emptyDir": {"medium": "Memory"}},
                    ],
                },
            },
        },
    }


def service(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": LABELS},
        "spec": {
            "selector": {"app.kubernetes.io/name": name},
            "ports": [{"name": "http", "port": WEB_PORT, "targetPort": "http"}],
        },
    }


def gunicorn_env() -> list[dict[str, Any]]:
    return [{"name": "GUNICORN_CMD_ARGS", "value": GUNICORN_ARGS}]


def worker(name: str) -> dict[str, Any]:
    # kit.worker finishes the record in hand for up to 15 s on SIGTERM.
    return deployment(
        f"{name}-worker",
        [
            "python",
            "-m",
            "kit.worker",
            name,
            "--port",
            str(WORKER_PORT),
            "--host",
            "0.0.0.0",  # noqa: S104 - the pod's own interfaces
        ],
        WORKER_PORT,
        WORKER_RESOURCES,
        # Two side by side (tests/faults/test_replicas.py): the consumer groups split the
        # partitions between them, and one outbox relay publishes at a time (kit.outbox).
        replicas=2,
    )


def manifests() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": NAMESPACE, "labels": LABELS},
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "selvbetjening-settings", "namespace": NAMESPACE},
            "data": SETTINGS,
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "selvbetjening-secrets", "namespace": NAMESPACE},
            "type": "Opaque",
            "stringData": SECRETS,
        },
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "migrate", "namespace": NAMESPACE, "labels": LABELS},
            "spec": {
                "backoffLimit": 3,
                "template": {
                    "metadata": {"labels": LABELS},
                    "spec": {
                        "restartPolicy": "OnFailure",
                        "containers": [
                            {
                                "name": "migrate",
                                "image": IMAGE,
                                "command": [
                                    "sh",
                                    "-ec",
                                    "for s in "
                                    + " ".join((*SERVICES, "gateway"))
                                    + '; do python -m kit.migrate "$s"; done',
                                ],
                                "envFrom": [
                                    {"configMapRef": {"name": "selvbetjening-settings"}},
                                    {"secretRef": {"name": "selvbetjening-secrets"}},
                                ],
                                "resources": WORKER_RESOURCES,
                            }
                        ],
                    },
                },
            },
        },
    ]
    for name in SERVICES:
        docs.append(
            deployment(
                f"{name}-web",
                ["python", "-m", "gunicorn", f"services.{name}.app:create_app()"],
                WEB_PORT,
                WEB_RESOURCES,
                gunicorn_env(),
            )
        )
        docs.append(service(f"{name}-web"))
        docs.append(worker(name))
    gateway = deployment(
        "gateway",
        ["python", "-m", "gunicorn", "gateway.app:create_app()"],
        WEB_PORT,
        WEB_RESOURCES,
        gunicorn_env(),
        replicas=2,
    )
    # Every replica must sign internal tokens and encrypt session tokens with the same keys
    # (a session begun on one replica is used on the other; a service verifies tokens from
    # both against one JWKS). The gateway keeps them in var/gateway/; here they come from a
    # Secret: create it once from the files a first start wrote (README: Deployment).
    pod = gateway["spec"]["template"]["spec"]
    pod["volumes"].append(
        {"name": "gateway-keys", "secret": {"secretName": "selvbetjening-gateway-keys"}}
    )
    pod["containers"][0]["volumeMounts"].append(
        {"name": "gateway-keys", "mountPath": "/var/lib/selvbetjening/gateway", "readOnly": True}
    )
    docs.append(gateway)
    docs.append(service("gateway"))
    docs.append(worker("gateway"))
    return docs


def render() -> str:
    header = (
        "# Generated by `python -m infra.k8s.generate` from kit/launcher.py's process table;\n"
        "# edit infra/k8s/generate.py, not this file. Apply: kubectl apply -f platform.yaml\n"
        "# (after replacing the placeholders in the ConfigMap and Secret).\n"
    )
    body = yaml.safe_dump_all(manifests(), sort_keys=False, default_flow_style=False, width=100)
    return header + body


def main() -> None:
    OUTPUT.write_text(render())
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()

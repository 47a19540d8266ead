"""Every HTTP process: health, readiness, metrics and one error shape."""

from __future__ import annotations

import pytest

from kit.errors import Problem
from kit.web import create_base_app


class CaseClosed(Problem):
    status = 409
    code = "application.case_closed"
    title_da = "Sagen er lukket"
    title_en = "The case is closed"


@pytest.fixture
def client():
    broken = {"ok": True}

    def database():
        if not broken["ok"]:
            raise ConnectionError("down")

    app = create_base_app("demo", {"database": database})

    @app.get("/api/demo/closed")
    def closed():
        raise CaseClosed(
            "Du kan ikke ændre en lukket sag.", "You cannot change a closed case.", field="status"
        )

    app.config["broken"] = broken
    return app.test_client()


def test_health_and_readiness_answer(client):
    assert client.get("/healthz").json == {"status": "ok", "service": "demo"}
    assert client.get("/readyz").status_code == 200


def test_readiness_fails_with_a_problem_naming_the_failing_check(client):
    client.application.config["broken"]["ok"] = False
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.json["failing"] == {"database": "ConnectionError"}


def test_a_domain_error_is_problem_json_in_danish_by_default_and_english_on_request(client):
    danish = client.get("/api/demo/closed")
    assert danish.status_code == 409
    assert danish.mimetype == "application/problem+json"
    assert danish.json["code"] == "application.case_closed"
    assert danish.json["title"] == "Sagen er lukket"
    assert danish.json["detail"] == "Du kan ikke ændre en lukket sag."
    assert danish.json["field"] == "status"
    english = client.get("/api/demo/closed", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert english.json["title"] == "The case is closed"


def test_an_unknown_path_is_a_problem_with_a_stable_code(client):
    response = client.get("/api/demo/nothing-here")
    assert response.status_code == 404
    assert response.json["code"] == "request.not_found"


def test_the_correlation_id_is_kept_when_valid_and_replaced_when_not(client):
    kept = client.get("/healthz", headers={"X-Correlation-ID": "abc-123"})
    assert kept.headers["X-Correlation-ID"] == "abc-123"
    replaced = client.get("/healthz", headers={"X-Correlation-ID": "<script>"})
    assert replaced.headers["X-Correlation-ID"] not in ("", "<script>")


def test_metrics_count_requests(client):
    client.get("/healthz")
    body = client.get("/metrics").get_data(as_text=True)
    assert 'sb_http_requests_total{method="GET",service="demo",status="200"}' in body

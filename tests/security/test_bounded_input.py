"""Findings 3, 4 and 5: every service bounds what it reads, at the kit level. A JSON body is
small (413 beyond), only JSON (or the multipart an upload needs) is read (415 otherwise),
malformed or deeply nested JSON is the client's error (400, never 500), and NaN or Infinity
is refused (422) so nothing stored can break the portal's JSON."""

from __future__ import annotations

import json

from tests.security.conftest import JSON_ROUTES


def send(service, body: bytes, content_type: str | None = "application/json"):
    method, path, _ = JSON_ROUTES[service.name]
    headers = service.citizen_headers()
    if content_type:
        headers["Content-Type"] = content_type
    return service.app.test_client().open(path, method=method, data=body, headers=headers)


def test_a_20_mb_json_body_is_refused_with_413(any_service):
    _, _, valid = JSON_ROUTES[any_service.name]
    body = json.dumps({**valid, "padding": "x" * (20 * 1024 * 1024)}).encode()
    response = send(any_service, body)
    assert response.status_code == 413, response.get_data(as_text=True)[:300]
    assert response.json["code"] == "request.too_large"


def test_json_sent_as_text_plain_is_refused_with_415(any_service):
    _, _, valid = JSON_ROUTES[any_service.name]
    response = send(any_service, json.dumps(valid).encode(), "text/plain")
    assert response.status_code == 415
    assert response.json["code"] == "request.unsupported_media_type"
    assert send(any_service, json.dumps(valid).encode(), None).status_code == 415


def test_deeply_nested_json_is_a_400_not_a_500(any_service):
    for depth in (100_000, 200):
        response = send(any_service, b"[" * depth + b"]" * depth)
        assert response.status_code == 400, (depth, response.get_data(as_text=True)[:300])
        assert response.json["code"] == "request.malformed_json"
    response = send(any_service, b'{"type": "enkel')
    assert response.status_code == 400
    assert response.json["code"] == "request.malformed_json"


def test_nan_and_infinity_are_refused_with_422(any_service):
    _, _, valid = JSON_ROUTES[any_service.name]
    key = next(iter(valid))
    for constant in (b"NaN", b"Infinity", b"-Infinity", b"1e400"):
        body = b'{"%s": %s}' % (key.encode(), constant)
        response = send(any_service, body)
        assert response.status_code == 422, (constant, response.get_data(as_text=True)[:300])
        assert response.json["code"] == "request.non_finite_number"

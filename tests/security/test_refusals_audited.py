"""Finding 8: every refusal is audited. A refused attempt to read another citizen's data
leaves a row in that citizen's access log, because each service names the data subject
before it decides, not only when it says yes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kit.data_subjects import HEADER
from tests.consents.builders import proxy_body
from tests.consents.service import start_service as start_consents
from tests.harness.gateway_stack import ANNA, CARL, build_stack
from tests.notifications.builders import Case
from tests.notifications.service import start_service as start_notifications


@pytest.fixture
def stack(tmp_path, monkeypatch):
    from gateway.mock_idp import create_app as create_mock_idp

    monkeypatch.setenv("SB_VAR_DIR", str(tmp_path / "var"))
    yield from build_stack(tmp_path, lambda _url: create_mock_idp(), {})


def test_a_refused_read_of_another_citizens_application_is_in_their_access_log(stack):
    anna, carl = stack.browser(), stack.browser()
    stack.login(anna, ANNA)
    stack.login(carl, CARL)
    app_id = anna.post(
        f"{stack.gateway}/api/applications",
        json={"type": "enkeltudgifter"},
        headers=stack.csrf(anna),
    ).json()["id"]
    for path in ("", "/history", "/documents", "/checks"):
        refused = carl.get(f"{stack.gateway}/api/applications/{app_id}{path}")
        assert refused.status_code == 404, path
        assert HEADER not in refused.headers  # the gateway keeps the subjects to itself
    log = anna.get(f"{stack.gateway}/api/me/access-log").json()
    assert [(e["actor_id"], e["action"], e["status"]) for e in log] == [(CARL, "read", 404)] * 4
    # Carl's own log is not where Anna's data subject goes.
    assert carl.get(f"{stack.gateway}/api/me/access-log").json() == []


def test_a_refused_read_of_someone_elses_proxy_names_the_citizen(tmp_path):
    service = start_consents(f"sqlite:///{tmp_path / 'consents.db'}", tmp_path)
    citizen, son, stranger = service.citizen(), service.citizen(), service.citizen()
    until = service.clock.now + timedelta(days=30)
    proxy = citizen.post("/proxies", proxy_body(son.id, until)).json
    refused = stranger.get(f"/proxies/{proxy['id']}")
    assert refused.status_code == 404
    assert set(refused.headers[HEADER].split(",")) == {citizen.id, son.id}


def test_a_refused_read_of_another_citizens_message_names_the_citizen(tmp_path):
    service = start_notifications(f"sqlite:///{tmp_path / 'notifications.db'}", tmp_path)
    case, other = Case(), Case()
    service.deliver(case.submitted(), other.submitted())
    service.send()
    theirs = service.messages(other.citizen_id)[0]["id"]
    refused = service.citizen(case.citizen_id).get(f"/messages/{theirs}")
    assert refused.status_code == 404
    assert refused.headers[HEADER] == other.citizen_id

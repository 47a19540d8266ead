"""Powers of attorney and guardianship through the API: grant, act, revoke, expire, refuse."""

from __future__ import annotations

from datetime import timedelta

from tests.consents.builders import consent_body, proxy_body


def grant(service, citizen, agent, days: float = 30, **overrides):
    until = service.clock.now + timedelta(days=days)
    response = citizen.post("/proxies", proxy_body(agent.id, until, **overrides))
    assert response.status_code == 201, response.json
    return response.json


def test_a_citizen_grants_a_power_of_attorney_and_it_is_published(service):
    citizen, daughter = service.citizen(), service.citizen()
    proxy = grant(service, citizen, daughter)
    assert (proxy["kind"], proxy["status"]) == ("power_of_attorney", "active")
    [granted] = service.events(citizen.id)
    assert granted.type == "dk.selvbetjening.proxy.granted.v1"
    assert (granted.data["agent_id"], granted.data["scopes"]) == (
        daughter.id,
        ["consents.give", "consents.read"],
    )
    assert daughter.get("/proxies").json["held"][0]["id"] == proxy["id"]


def test_a_proxy_gives_and_withdraws_consent_for_the_citizen(service):
    citizen, daughter = service.citizen(), service.citizen()
    grant(service, citizen, daughter)
    given = daughter.post("/consents", consent_body(citizen_id=citizen.id))
    assert given.status_code == 201, given.json
    assert (given.json["citizen_id"], given.json["given_by"]) == (citizen.id, daughter.id)
    event = service.events(citizen.id)[-1]
    assert (event.actor.id, event.actor.on_behalf_of) == (daughter.id, citizen.id)
    withdrawn = daughter.post(f"/consents/{given.json['id']}/withdrawal")
    assert withdrawn.json["withdrawn_by"] == daughter.id
    assert daughter.get(f"/export?citizen_id={citizen.id}").json["citizen_id"] == citizen.id


def test_a_proxy_outside_its_scope_is_refused(service):
    citizen, neighbour = service.citizen(), service.citizen()
    grant(service, citizen, neighbour, scopes=["consents.read"])
    response = neighbour.post("/consents", consent_body(citizen_id=citizen.id))
    assert (response.status_code, response.json["code"]) == (403, "proxy.no_authority")
    assert neighbour.get(f"/consents?citizen_id={citizen.id}").status_code == 200


def test_a_proxy_whose_authority_has_expired_is_refused(service):
    citizen, son = service.citizen(), service.citizen()
    grant(service, citizen, son, days=1)
    service.clock.advance(days=1, seconds=1)  # before the scheduler has even run
    response = son.post("/consents", consent_body(citizen_id=citizen.id))
    assert (response.status_code, response.json["code"]) == (403, "proxy.authority_expired")
    assert son.get(f"/consents?citizen_id={citizen.id}").json["code"] == "proxy.authority_expired"


def test_a_revoked_proxy_is_refused_and_the_revocation_published(service):
    citizen, son = service.citizen(), service.citizen()
    proxy = grant(service, citizen, son)
    revoked = citizen.post(f"/proxies/{proxy['id']}/revocation")
    assert (revoked.json["status"], revoked.json["revoked_by"]) == ("revoked", citizen.id)
    response = son.post("/consents", consent_body(citizen_id=citizen.id))
    assert (response.status_code, response.json["code"]) == (403, "proxy.no_authority")
    assert service.event_types(citizen.id) == ["proxy.granted.v1", "proxy.revoked.v1"]
    again = citizen.post(f"/proxies/{proxy['id']}/revocation")
    assert (again.status_code, again.json["code"]) == (409, "proxy.not_active")


def test_an_agent_may_give_up_a_power_of_attorney_but_a_stranger_may_not_revoke_it(service):
    citizen, son, stranger = service.citizen(), service.citizen(), service.citizen()
    proxy = grant(service, citizen, son)
    refused = stranger.post(f"/proxies/{proxy['id']}/revocation")
    assert (refused.status_code, refused.json["code"]) == (403, "proxy.revoke_not_allowed")
    assert stranger.get(f"/proxies/{proxy['id']}").status_code == 404
    assert son.post(f"/proxies/{proxy['id']}/revocation").json["revoked_by"] == son.id


def test_a_power_of_attorney_must_be_valid_and_name_an_end(service):
    citizen = service.citizen()
    for body, code in (
        (proxy_body(citizen.id, service.clock.now + timedelta(days=1)), "proxy.self_grant"),
        ({"agent_id": service.citizen().id, "scopes": ["consents.give"]}, "proxy.end_required"),
        (
            proxy_body(service.citizen().id, service.clock.now - timedelta(days=1)),
            "proxy.invalid_period",
        ),
        (
            proxy_body(service.citizen().id, service.clock.now, scopes=["all"]),
            "request.invalid_body",
        ),
    ):
        response = citizen.post("/proxies", body)
        assert (response.status_code, response.json["code"]) == (422, code), body
    assert service.events() == []


def test_staff_register_a_guardianship_with_the_court_decision(service):
    ward, guardian = service.citizen(), service.citizen()
    registrar = service.staff("guardianship_registrar")
    body = {
        "citizen_id": ward.id,
        "agent_id": guardian.id,
        "scopes": ["consents.give", "applications.write"],
    }
    missing = registrar.post("/guardianships", body)
    assert (missing.status_code, missing.json["code"]) == (422, "proxy.court_reference_required")
    assert (
        service.staff("homecare")
        .post("/guardianships", {**body, "court_reference": "x"})
        .json["code"]
        == "auth.missing_role"
    )
    registered = registrar.post("/guardianships", {**body, "court_reference": "BS 12-345/2026"})
    assert registered.status_code == 201
    guardianship = registered.json
    assert (guardianship["kind"], guardianship["valid_until"]) == ("guardianship", None)
    [event] = service.events(ward.id)
    assert event.data["court_reference"] == "BS 12-345/2026"
    assert event.actor.on_behalf_of == ward.id
    assert guardian.post("/consents", consent_body(citizen_id=ward.id)).status_code == 201
    by_ward = ward.post(f"/proxies/{guardianship['id']}/revocation")
    assert (by_ward.status_code, by_ward.json["code"]) == (403, "proxy.revoke_not_allowed")
    assert registrar.post(f"/proxies/{guardianship['id']}/revocation").json["status"] == "revoked"
    assert registrar.get(f"/proxies?citizen_id={ward.id}").json["granted"][0]["status"] == "revoked"


def test_a_power_of_attorney_carries_the_names_each_side_sees_but_no_event_does(service):
    citizen, daughter = service.citizen(name="Anna Andersen"), service.citizen()
    until = service.clock.now + timedelta(days=30)
    body = {**proxy_body(daughter.id, until), "agent_name": "Bente Andersen"}
    proxy = citizen.post("/proxies", body).json
    assert (proxy["agent_name"], proxy["citizen_name"]) == ("Bente Andersen", "Anna Andersen")
    [held] = daughter.get("/proxies").json["held"]
    assert (held["agent_name"], held["citizen_name"]) == ("Bente Andersen", "Anna Andersen")
    [granted] = service.events(citizen.id)
    assert "Bente" not in str(granted.data) and "Anna" not in str(granted.data)

"""What the consents service's use cases share: who acts for whom, the channel, and the
consent record a request describes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine

from kit import break_glass, clock, policy, relations
from kit.auth import CITIZEN, STAFF, AssuranceTooLow, Principal
from kit.data_subjects import touched
from kit.errors import Problem
from kit.events import Actor
from services.consents import store, views
from services.consents.domain import (
    CITIZEN_CHANNELS,
    STAFF_CHANNELS,
    Consent,
    ConsentRequest,
    InvalidConsent,
    new_consent,
)
from services.consents.proxies import authority

Clock = Callable[[], datetime]
GIVE, READ = "consents.give", "consents.read"  # proxy scopes this service honours
REGISTRAR = "guardianship_registrar"
VISIT_WINDOW = relations.VisitWindow.from_env()


def utcnow() -> datetime:
    return clock.now()


def new_id() -> str:
    return str(uuid.uuid4())


class CitizenRequired(Problem):
    status = 422
    code = "consent.citizen_required"
    title_da = "Angiv hvilken borger det gælder"
    title_en = "Name the citizen this is about"


class ConsentIdConflict(Problem):
    status = 409
    code = "consent.id_conflict"
    title_da = "Et andet samtykke har allerede dette id"
    title_en = "Another consent already has this id"


@dataclass(frozen=True)
class Acting:
    """Who the caller acts for, and how the events will name them."""

    citizen_id: str
    actor: Actor
    by: str


def acting_for(
    conn: Connection, principal: Principal, citizen_id: str | None, scope: str, now: datetime
) -> Acting:
    """The citizen the caller acts for: themselves, or another by proxy, or (staff) anyone."""
    own = principal.kind == CITIZEN and citizen_id in (None, principal.subject)
    if own:
        touched(principal.subject)
        return Acting(
            principal.subject,
            Actor(principal.subject, CITIZEN, principal.channel),
            principal.subject,
        )
    if citizen_id is None:
        raise CitizenRequired(field="citizen_id")
    touched(citizen_id)  # audited even when refused: someone tried to act for them
    if principal.kind == CITIZEN:
        records = store.proxy_records(conn, citizen_id=citizen_id, agent_id=principal.subject)
        authority(records, principal.subject, citizen_id, scope, now)
    if principal.kind == STAFF:
        staff_relation(conn, principal, citizen_id, now, reading=scope == READ)
    actor = Actor(principal.subject, principal.kind, principal.channel, on_behalf_of=citizen_id)
    return Acting(citizen_id, actor, principal.subject)


class NoSuchCitizen(Problem):
    status = 404
    code = "consent.citizen_not_found"
    title_da = "Borgeren findes ikke"
    title_en = "No such citizen"


class ReadOnly(Problem):
    status = 403
    code = "consent.read_only"
    title_da = "Du kan se borgerens samtykker, men ikke bruge eller ændre dem"
    title_en = "You may see the citizen's consents but not use or change them"


def staff_relation(
    conn: Connection, principal: Principal, citizen_id: str, now: datetime, *, reading: bool
) -> None:
    """Staff reach a citizen's consents only through a relation (kit.policy): a visit within
    the visit window, or an open case of the citizen assigned to them; else 404. Break-glass
    (kit.break_glass) reads and nothing more: 403 on a change or a check."""
    found = policy.Relations(
        assigned=relations.is_assigned(conn, store.assignment_view, principal.subject, citizen_id),
        visit=relations.has_visit(
            conn, store.visit_view, principal.subject, citizen_id, now, VISIT_WINDOW
        ),
        break_glass_reason=break_glass.reason_for(
            conn, store.break_glass_grants, principal.subject, now, citizen_id=citizen_id
        ),
    )
    access = policy.check(principal, citizen_id, found)
    if access is None:
        raise NoSuchCitizen()
    if not (reading or access.may_act):
        raise ReadOnly()


def _require_assurance(principal: Principal) -> None:
    if principal.kind == CITIZEN and not principal.has_assurance("substantial"):
        raise AssuranceTooLow()


def _channel(principal: Principal, asked: str | None) -> str:
    allowed = STAFF_CHANNELS if principal.kind == STAFF else CITIZEN_CHANNELS
    channel = asked or allowed[0]
    if channel not in allowed:
        raise InvalidConsent(
            "Den måde at give samtykke på er ikke tilladt her.",
            "That way of giving consent is not allowed here.",
            code="consent.channel_not_allowed",
            field="channel",
            extra={"allowed_channels": list(allowed)},
        )
    return channel


def _consent(principal: Principal, acting: Acting, body: dict[str, Any], now: datetime) -> Consent:
    """The consent the caller asks to record; staff attest what the citizen gave."""
    request = ConsentRequest(
        **{
            **{k: v for k, v in body.items() if k not in ("consent_id", "citizen_id")},
            **{k: tuple(body[k]) for k in ("data_categories", "sources", "recipients")},
            "citizen_id": acting.citizen_id,
            "channel": _channel(principal, body.get("channel")),
        }
    )
    staff = principal.kind == STAFF
    return new_consent(
        request,
        consent_id=body.get("consent_id") or new_id(),
        given_by=acting.citizen_id if staff else acting.by,
        recorded_by=principal.subject,
        attested_by=principal.subject if staff else None,
        now=now,
    )


class RegisterBase:
    """The engine and the clock."""

    def __init__(self, engine: Engine, clock: Clock = utcnow) -> None:
        self.engine = engine
        self.clock = clock

    @staticmethod
    def _proxies_view(conn: Connection, citizen_id: str, now: datetime) -> dict:
        return {
            "granted": [
                views.proxy(r, now) for r in store.proxy_records(conn, citizen_id=citizen_id)
            ],
            "held": [views.proxy(r, now) for r in store.proxy_records(conn, agent_id=citizen_id)],
        }

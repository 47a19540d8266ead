"""Events become messages: the local views are kept, the rules pick the messages, and each
message is personalised for its reader."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from kit import proxies
from kit.events import Event
from schemas.events import applications as app_ev
from schemas.events import consents as consent_ev
from services.notifications import store
from services.notifications.domain import Rule, choose_channels, render
from services.notifications.rules import APPOINTMENT_EVENTS
from services.notifications.templates import (
    APPOINTMENT_KINDS,
    APPOINTMENT_PLACES,
    CONSENT_PURPOSES,
    OUTCOMES,
)
from services.notifications.usecases.base import (
    NotificationsBase,
    Trigger,
    _instant,
    _moment,
    log,
)


def appointment_values(data: Mapping[str, Any], role: str) -> dict[str, Any]:
    """What, when and where of an appointment event, for one reader (citizen or proxy).

    From the event only: the kind in words, the start (and a move's previous start) in
    Copenhagen time, and the place: "hos dig" for a home visit (the address is never in the
    events nor in the messages), the join link of a video visit, the office's place if the
    event names it (`location`), else a pointer to the portal. An unknown kind leaves the
    fields empty, so rendering refuses the event instead of sending a message with a gap.
    """
    kind = data.get("kind")
    values: dict[str, Any] = {
        "appointment_kind": APPOINTMENT_KINDS.get(str(kind)),
        "appointment_time": _moment(data.get("starts_at")),
    }
    if "previous_starts_at" in data:
        values["previous_time"] = _moment(data["previous_starts_at"])
    place: dict[str, str] | None = None
    if kind == "home_visit":
        place = APPOINTMENT_PLACES["home_visit.proxy" if role == "proxy" else "home_visit"]
    elif kind == "video_visit":
        link = str(data.get("video_url") or "").strip()
        place = (
            {k: v.format(link=link) for k, v in APPOINTMENT_PLACES["video_visit"].items()}
            if link
            else APPOINTMENT_PLACES["video_visit.no_link"]
        )
    elif kind == "office_meeting":
        where = str(data.get("location") or "").strip()
        place = (
            {k: v.format(place=where) for k, v in APPOINTMENT_PLACES["office_meeting"].items()}
            if where
            else APPOINTMENT_PLACES["office_meeting.no_place"]
        )
    values["appointment_place"] = place
    return values


class Intake(NotificationsBase):
    """Events in, messages out."""

    def take_event(self, conn: Connection, event: Event) -> None:
        """Keep the local views, then apply the rules (one transaction, under the inbox)."""
        data = event.data
        staff_id = None
        if event.type.startswith("dk.selvbetjening.application."):
            case = self._save_case(
                conn,
                data["application_id"],
                data["citizen_id"],
                title=data.get("title"),
                case_number=data.get("case_number"),
                caseworker_id=event.actor.id if event.actor.type == "staff" else None,
            )
            staff_id = case["caseworker_id"] if case is not None else None
        elif event.type == consent_ev.CONSENT_GIVEN:
            if data.get("supersedes"):
                store.end_consent(conn, data["supersedes"])
            store.save_consent(
                conn,
                data["consent_id"],
                data["citizen_id"],
                data["purpose"],
                _instant(data["expires_at"]) if data.get("expires_at") else None,
            )
        elif event.type in (consent_ev.CONSENT_WITHDRAWN, consent_ev.CONSENT_EXPIRED):
            store.end_consent(conn, data["consent_id"])
        elif event.type in proxies.PROXY_EVENTS:
            proxies.on_proxy_event(conn, event)
            self._proxies_changed(conn)
        if "citizen_id" in data:
            self.notify(
                conn, Trigger(event.id, event.type, data["citizen_id"], data, event, staff_id)
            )

    def notify(self, conn: Connection, trigger: Trigger) -> list[str]:
        """The messages the rules give for `trigger`; none twice (see store.add_message)."""
        created: list[str] = []
        now = self.clock()
        for rule in self.rules:
            if not rule.matches(trigger.type, trigger.data):
                continue
            values = self._personalisation(conn, trigger)
            version, texts = self._template(conn, rule.template)
            for recipient_id, role in self._recipients(conn, rule, trigger, now):
                contact = self._contact(conn, recipient_id)
                channels = choose_channels(rule, contact, role)
                if not channels:
                    if not rule.optional:
                        log.warning("rule %s: no channel reaches the %s", rule.id, role)
                    continue
                personal = values
                if trigger.type in APPOINTMENT_EVENTS:
                    personal = {**values, **appointment_values(trigger.data, role)}
                rendered = render(texts[contact.language], personal, contact.language)
                message = self._message(
                    trigger,
                    rule,
                    recipient_id,
                    role,
                    channels,
                    rule.template,
                    version,
                    contact.language,
                    rendered.subject,
                    rendered.body,
                    now,
                )
                if self._add(conn, message, now, trigger.cause):
                    created.append(message["id"])
        return created

    def _recipients(
        self, conn: Connection, rule: Rule, trigger: Trigger, now: datetime
    ) -> list[tuple[str, str]]:
        people: list[tuple[str, str]] = []
        if "citizen" in rule.recipients:
            people.append((trigger.citizen_id, "citizen"))
        if "proxies" in rule.recipients:
            people += [
                (agent, "proxy")
                for agent in self._agents_of(conn, trigger.citizen_id, now)
                if agent != trigger.citizen_id
            ]
        if "staff" in rule.recipients and trigger.staff_id:
            people.append((trigger.staff_id, "staff"))
        return people

    def _personalisation(self, conn: Connection, trigger: Trigger) -> dict[str, Any]:
        """The values the templates may use, from the event and the local views."""
        data = trigger.data
        values: dict[str, Any] = {k: v for k, v in data.items() if isinstance(v, str | int | dict)}
        if "application_id" in data:
            case = None
            if not (data.get("case_number") and data.get("title")):
                case = self._case(conn, data["application_id"])
            values["case_number"] = data.get("case_number") or (case and case["case_number"])
            values["application_title"] = data.get("title") or (case and case["title"])
        if trigger.type == app_ev.INFORMATION_REQUESTED:
            values["deadline"] = _instant(data["deadline"])
            values["information_message"] = data["message"]
        if "outcome" in data and data["outcome"] in OUTCOMES:
            values["outcome"] = OUTCOMES[data["outcome"]]
        if "consent_id" in data:
            consent = store.consent(conn, data["consent_id"])
            purpose = str(data.get("purpose") or (consent.purpose if consent else ""))
            values["consent_purpose"] = CONSENT_PURPOSES.get(purpose, purpose)
            expires = data.get("expires_at") or (consent and consent.expires_at)
            values["expires_on"] = _instant(expires) if expires else None
        return values

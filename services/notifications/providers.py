"""Channels behind one provider interface, the contact directory, and the simulated versions
used in development and tests.

Providers: Digital Post through Serviceplatformen's SF1601 (a MeMo message to the citizen's
official mailbox, or, for a citizen exempt from Digital Post, a physical letter through the
same print service), SMS and email. A provider answers each hand-over with an outcome:
delivered (confirmed at once), accepted (confirmation comes later by callback), or a temporary
or permanent failure. The message id is the idempotency key: handing over the same message
again (after a crash) never sends it twice.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import Connection

from kit import adapters
from services.notifications import store
from services.notifications.domain import Contact

log = logging.getLogger(__name__)

DELIVERED, ACCEPTED, TEMPORARY, PERMANENT = "delivered", "accepted", "temporary", "permanent"
PROVIDER_OF = {"digital_post": "sf1601", "letter": "sf1601", "sms": "sms", "email": "email"}
# SF1601's KanalKode: D = the Digital Post mailbox, P = printed and posted as a letter.
SF1601_CHANNEL_CODES = {"digital_post": "D", "letter": "P"}


@dataclass(frozen=True)
class Outgoing:
    """What a provider needs to send one message. `address`: email, phone, or the person's id
    (Digital Post finds the mailbox by the person; the print service by the CPR register)."""

    message_id: str
    channel: str
    address: str
    subject: str
    body: str
    language: str
    correlation_id: str | None = None  # of the request that caused the message
    traceparent: str | None = None  # the trace it arose in; a real provider may pass it on


@dataclass(frozen=True)
class SendResult:
    outcome: str  # delivered, accepted, temporary, permanent
    provider_ref: str | None = None
    reason: str | None = None  # a code, never personal data


class Provider(Protocol):
    """Sends a message; may also answer `status(message_id, provider_ref)` -> SendResult, or
    None when it never got the message (the settle sweep asks it; without `status` the sweep
    hands the message over again, which the message id makes idempotent)."""

    name: str

    def send(self, message: Outgoing) -> SendResult: ...


def _outage_declared() -> bool:
    """Fault tests make the simulated providers of a running worker unavailable for a while:
    they answer "temporary failure" while the file SB_SIMULATED_OUTAGE_FILE exists."""
    path = os.environ.get("SB_SIMULATED_OUTAGE_FILE")
    return path is not None and os.path.exists(path)


class ContactDirectory(Protocol):
    """Where recipients' contact details, preferences and the Digital Post exemption come
    from. In production an adapter (the municipality's contact register and Digital Post's
    exemption list); here a table the citizen and administrators update through the API."""

    def contact(self, conn: Connection, person_id: str) -> Contact: ...

    def contacts(self, conn: Connection, person_ids: Sequence[str]) -> dict[str, Contact]:
        """`contact` for many (the sender asks for a whole round at once)."""
        ...


class TableContactDirectory:
    """The simulated directory: this service's own `contacts` table."""

    def contact(self, conn: Connection, person_id: str) -> Contact:
        return store.contact(conn, person_id) or Contact(person_id=person_id)

    def contacts(self, conn: Connection, person_ids: Sequence[str]) -> dict[str, Contact]:
        found = store.contacts_of(conn, person_ids)
        return {i: found.get(i) or Contact(person_id=i) for i in person_ids}


@dataclass
class SimulatedProvider:
    """Records what was sent; can be told to fail, slow down, reject, or confirm later.

    `script` holds the outcomes of the next hand-overs ("temporary", "permanent", "accepted",
    "delivered"); when it is empty, messages are delivered.
    """

    name: str
    delay_s: float = 0.0
    script: list[str] = field(default_factory=list)
    sent: dict[str, Outgoing] = field(default_factory=dict)
    attempts: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def fail_next(self, times: int = 1, *, permanent: bool = False) -> None:
        self.script.extend([PERMANENT if permanent else TEMPORARY] * times)

    def confirm_later(self, times: int = 1) -> None:
        self.script.extend([ACCEPTED] * times)

    def send(self, message: Outgoing) -> SendResult:
        if _outage_declared():
            with self._lock:
                self.attempts += 1
            return SendResult(TEMPORARY, reason=f"{self.name}.unavailable")
        if self.delay_s:
            time.sleep(self.delay_s)
        with self._lock:
            self.attempts += 1
            outcome = self.script.pop(0) if self.script else DELIVERED
            if outcome in (TEMPORARY, PERMANENT):
                kind = "rejected" if outcome == PERMANENT else "unavailable"
                return SendResult(outcome, reason=f"{self.name}.{kind}")
            if message.message_id not in self.sent:
                self.sent[message.message_id] = message
        # The log names the message, never its contents or address.
        log.info("%s sent message %s on %s", self.name, message.message_id, message.channel)
        ref = uuid.uuid5(uuid.NAMESPACE_URL, message.message_id)
        return SendResult(outcome, provider_ref=f"{self.name}-{ref}")

    def status(self, message_id: str, provider_ref: str | None = None) -> SendResult | None:
        """What became of a message handed over earlier; None if it never arrived."""
        with self._lock:
            if message_id not in self.sent:
                return None
        ref = uuid.uuid5(uuid.NAMESPACE_URL, message_id)
        return SendResult(DELIVERED, provider_ref=f"{self.name}-{ref}")

    def sent_to(self, address: str) -> list[Outgoing]:
        return [m for m in self.sent.values() if m.address == address]


def simulated_providers(delay_s: float = 0.0) -> dict[str, SimulatedProvider]:
    return {
        name: SimulatedProvider(name, delay_s=delay_s) for name in sorted(set(PROVIDER_OF.values()))
    }


# Which setting chooses the adapter of each provider, and the adapters there are.
PROVIDER_SETTINGS = {
    "sf1601": adapters.DIGITAL_POST,
    "sms": adapters.SMS,
    "email": adapters.EMAIL,
}


def providers_from_env(delay_s: float = 0.0) -> dict[str, Provider]:
    """Each provider as its setting (SB_DIGITAL_POST_PROVIDER, SB_SMS_PROVIDER,
    SB_EMAIL_PROVIDER) selects it; today only the simulated ones exist."""
    chosen: dict[str, Provider] = {}
    for name, setting in PROVIDER_SETTINGS.items():
        if adapters.chosen(setting) == adapters.SIMULATED:
            chosen[name] = SimulatedProvider(name, delay_s=delay_s)
    return chosen

"""The sender job: hands due messages to their providers, with rate limits and quiet hours.

Each round goes in three steps: claim its due messages (created/temporary_failure ->
sending, in one transaction with their events; a conditional update, so two workers never
both take one), hand them to their providers outside any transaction (side by side when
`send_workers` > 1: providers must then be thread-safe, as the simulated ones are), then
record the outcomes in one transaction. A crash after the claim leaves the messages in
`sending`; this job does not send them again at once: the settle sweep asks the provider (or
hands over again, which the message id makes idempotent) after `stuck_after_s`, and a
provider's callback finishes them meanwhile. Providers dedupe on the message id.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from prometheus_client import Counter
from sqlalchemy import Connection, Engine
from sqlalchemy.engine import Row

from kit import tracing
from kit.db import read_only
from kit.events import encode_event
from kit.logging import correlation_id_var
from kit.outbox import record_encoded
from services.notifications import announcements, store
from services.notifications.domain import SENDING, Contact
from services.notifications.providers import (
    PERMANENT,
    TEMPORARY,
    ContactDirectory,
    Outgoing,
    Provider,
    SendResult,
)
from services.notifications.services import Clock, Notifications

log = logging.getLogger(__name__)

SETTLED = Counter(
    "sb_notifications_settled_total",
    "Messages left in sending (crash, lost callback) settled by the sweep",
    ["provider", "how", "outcome"],
)
STUCK_AFTER_S = float(os.environ.get("SB_NOTIFICATIONS_SETTLE_AFTER_S", "120"))
SETTLE_INTERVAL_S = float(os.environ.get("SB_NOTIFICATIONS_SETTLE_INTERVAL_S", "30"))


class TokenBucket:
    """At most `rate` hand-overs a second on average, `burst` at once."""

    def __init__(
        self, rate: float, burst: int, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.monotonic = monotonic
        self.tokens = float(burst)
        self.last = monotonic()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = self.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
            self.last = now
            if self.tokens >= 1:
                self.tokens -= 1
                return True
            return False


class Sender:
    def __init__(
        self,
        notifications: Notifications,
        providers: Mapping[str, Provider],
        *,
        limits: Mapping[str, TokenBucket] | None = None,
        clock: Clock | None = None,
        batch_size: int = 200,
        send_workers: int = 1,
        interval_s: float = 0.2,
        stuck_after_s: float = STUCK_AFTER_S,
        settle_interval_s: float = SETTLE_INTERVAL_S,
        due: threading.Event | None = None,
    ) -> None:
        self.notifications = notifications
        self.engine: Engine = notifications.engine
        self.contacts: ContactDirectory = notifications.contacts
        self.providers = providers
        self.limits = limits or {}
        self.clock = clock or notifications.clock
        self.batch_size = batch_size
        self._pool = (
            ThreadPoolExecutor(send_workers, thread_name_prefix="notifications-send")
            if send_workers > 1
            else None
        )
        self.interval_s = interval_s
        # Set when new messages were committed (handlers.MESSAGES_DUE): the next round starts
        # at once instead of after `interval_s`.
        self.due = due or threading.Event()
        self.stuck_after = timedelta(seconds=stuck_after_s)
        self.settle_interval_s = settle_interval_s

    def run_once(self) -> int:
        """Hand every due message to its provider; returns how many were handed over."""
        now = self.clock()
        with read_only(self.engine) as conn:
            due = store.due_messages(conn, now, self.batch_size)
        ready, held = [], []
        for row in due:
            later = self.notifications.quiet.not_before(row.channel, now)
            if later is not None:
                held.append((row.id, later))  # an SMS at night waits for the morning
                continue
            bucket = self.limits.get(row.provider)
            if bucket is not None and not bucket.take():
                continue  # over the provider's rate: stays due for the next round
            ready.append(row)
        if held:
            with self.engine.begin() as conn:
                for message_id, later in held:
                    store.hold(conn, message_id, later)
        claimed = self._claim(ready, now)
        if not claimed:
            return 0
        if self._pool is not None and len(claimed) > 1:
            results = list(self._pool.map(lambda pair: self._send(*pair), claimed))
        else:
            results = [self._send(row, outgoing) for row, outgoing in claimed]
        with self.engine.begin() as conn:
            found = store.messages_for_update(conn, [o.message_id for _, o in claimed])
            outcomes = [
                (found[outgoing.message_id], result)
                for (_, outgoing), result in zip(claimed, results, strict=True)
                if outgoing.message_id in found and found[outgoing.message_id].status == SENDING
            ]
            self.notifications.record_outcomes(conn, outcomes, self.clock())
        return len(claimed)

    def _send(self, row: Row, outgoing: Outgoing) -> SendResult:
        with _sending(row) as span:
            result = self._hand_over(row.provider, outgoing)
            span.set_attribute("sb.notification.outcome", result.outcome)
            return result

    def _claim(self, rows: list[Row], now: datetime) -> list[tuple[Row, Outgoing]]:
        """Move `rows` to sending with their status and events, in one transaction: each
        one this sender took (as it was before) with what to send, in the order of `rows`."""
        if not rows:
            return []
        with self.engine.begin() as conn:
            taken = {row.id: row for row in store.claim_many(conn, [r.id for r in rows], now)}
            messages = [taken[row.id] for row in rows if row.id in taken]
            store.add_statuses(
                conn,
                [
                    {"message_id": m.id, "status": SENDING, "at": now, "attempt": m.attempts}
                    for m in messages
                ],
            )
            events = [announcements.sending(m._mapping, now, m.attempts) for m in messages]
            record_encoded(conn, announcements.TOPIC, [(e, encode_event(e)) for e in events])
            contacts = self.contacts.contacts(conn, [m.recipient_id for m in messages])
            before = {row.id: row for row in rows}
            return [
                (before[m.id], self._outgoing_to(m, contacts[m.recipient_id])) for m in messages
            ]

    def _outgoing(self, conn: Connection, message: Row) -> Outgoing:
        return self._outgoing_to(message, self.contacts.contact(conn, message.recipient_id))

    @staticmethod
    def _outgoing_to(message: Row, contact: Contact) -> Outgoing:
        address = {"email": contact.email, "sms": contact.phone}.get(
            message.channel, message.recipient_id
        )
        return Outgoing(
            message.id,
            message.channel,
            address or "",
            message.subject,
            message.body,
            message.language,
            message.correlation_id,
            message.traceparent,
        )

    def settle_stuck(self, older_than: timedelta | None = None) -> dict[str, str]:
        """Finish every message in `sending` for longer than `older_than`: ask its provider,
        or hand it over again under the same message id. Returns message id -> outcome."""
        now = self.clock()
        with read_only(self.engine) as conn:
            stuck = store.stuck_sending(conn, now - (older_than or self.stuck_after))
        settled: dict[str, str] = {}
        for row in stuck:
            provider = self.providers.get(row.provider)
            if provider is None:
                continue  # nobody to ask: stays for the operator (cli sending)
            result, how = None, "asked"
            ask = getattr(provider, "status", None)
            if ask is not None:
                result = ask(row.id, row.provider_ref)
            if result is None:
                with read_only(self.engine) as conn:
                    outgoing = self._outgoing(conn, row)
                with _sending(row) as span:
                    result, how = self._hand_over(row.provider, outgoing), "resent"
                    span.set_attribute("sb.notification.outcome", result.outcome)
            with self.engine.begin() as conn:
                message = store.message(conn, row.id, for_update=True)
                if message is None or message.status != SENDING:
                    continue  # finished meanwhile (a callback, or the live sender)
                self.notifications.record_outcome(conn, message, result, self.clock())
            SETTLED.labels(row.provider, how, result.outcome).inc()
            log.info(
                "settled message %s left in sending: %s %s",
                row.id,
                how,
                result.outcome,
                extra={"provider": row.provider},
            )
            settled[row.id] = result.outcome
        return settled

    def _hand_over(self, provider_name: str, outgoing: Outgoing) -> SendResult:
        if not outgoing.address:
            return SendResult(PERMANENT, reason="recipient.no_address")
        provider = self.providers.get(provider_name)
        if provider is None:
            return SendResult(TEMPORARY, reason="provider.not_configured")
        token = correlation_id_var.set(outgoing.correlation_id)  # the provider's logs too
        try:
            return provider.send(outgoing)
        except Exception as exc:  # any provider error is worth another try
            log.warning(
                "provider %s failed on message %s: %s",
                provider_name,
                outgoing.message_id,
                type(exc).__name__,
            )
            return SendResult(TEMPORARY, reason="provider.error")
        finally:
            correlation_id_var.reset(token)

    def run(self, stop: threading.Event) -> None:
        next_settle = time.monotonic()  # at start: whatever a crash left in sending
        while not stop.is_set():
            try:
                if time.monotonic() >= next_settle:
                    self.settle_stuck()
                    next_settle = time.monotonic() + self.settle_interval_s
                self.due.clear()  # before the round: a ring during it is not lost
                while self.run_once() and not stop.is_set():
                    pass  # a full round may leave more due: go again at once
            except Exception:
                log.exception("sender round failed; retrying")
                stop.wait(self.interval_s)
                continue
            # Until new messages are rung in, or the interval is over (retries, quiet hours,
            # other replicas' messages); `stop` is seen within the interval.
            self.due.wait(self.interval_s)
        if self._pool is not None:
            self._pool.shutdown(wait=True)


def _sending(row: Row):
    """The span of one message's sending (claim, hand-over, outcome), in the trace of what
    caused the message (its traceparent, else its correlation id)."""
    return tracing.continued(
        f"send {row.channel}",
        kind=tracing.SpanKind.CLIENT,
        traceparent=row.traceparent,
        correlation_id=row.correlation_id,
        attributes={
            "sb.notification.message_id": row.id,
            "sb.notification.channel": row.channel,
            "sb.notification.provider": row.provider,
            "sb.notification.attempt": row.attempts + 1,
        },
    )

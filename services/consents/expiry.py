"""The expiry scheduler: records that consents and proxies ran out, and announces it once.

Exactly once, across restarts and parallel workers: each expiry is recorded under the
citizen's lock, after checking again that it is still due, in the same transaction as its
outbox event; the expiry tables' primary keys make a second record (and so a second event)
impossible even if two schedulers raced past the check.
"""

from __future__ import annotations

import threading

from sqlalchemy import Engine

from kit.db import read_only
from kit.outbox import record_event
from kit.rounds import run_rounds
from services.consents import announcements, store
from services.consents.domain import ConsentExpiry
from services.consents.proxies import ProxyExpiry
from services.consents.services import Clock, utcnow


class ExpiryScheduler:
    def __init__(
        self,
        engine: Engine,
        clock: Clock = utcnow,
        *,
        interval_s: float = 5.0,
        batch_size: int = 100,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.interval_s = interval_s
        self.batch_size = batch_size

    def run_once(self) -> int:
        """Record every expiry that is due now; returns how many events were recorded."""
        now = self.clock()
        with read_only(self.engine) as conn:
            citizens = store.citizens_with_due_consents(conn, now, self.batch_size)
            proxy_ids = store.due_proxy_ids(conn, now, self.batch_size)
        return sum(self._expire_consents(citizen_id) for citizen_id in citizens) + sum(
            self._expire_proxy(proxy_id) for proxy_id in proxy_ids
        )

    def _expire_consents(self, citizen_id: str) -> int:
        announced = 0
        with self.engine.begin() as conn:
            store.lock_citizen(conn, citizen_id)
            now = self.clock()
            for consent, in_force in store.consent_history(conn, citizen_id).due_for_expiry(now):
                store.add_consent_expiry(
                    conn, ConsentExpiry(consent.id, consent.expires_at), citizen_id, in_force, now
                )
                # A consent a newer decision had replaced was announced as replaced already.
                if in_force:
                    record_event(conn, announcements.TOPIC, announcements.consent_expired(consent))
                    announced += 1
        return announced

    def _expire_proxy(self, proxy_id: str) -> int:
        with self.engine.begin() as conn:
            record = store.proxy_record(conn, proxy_id)
            if record is None:
                return 0
            store.lock_citizen(conn, record.proxy.citizen_id)
            record = store.proxy_record(conn, proxy_id)
            now = self.clock()
            if record is None or not record.due_for_expiry(now):
                return 0
            expired_at = record.proxy.valid_until or now
            store.add_proxy_expiry(conn, ProxyExpiry(proxy_id, expired_at), now)
            record_event(
                conn, announcements.TOPIC, announcements.proxy_expired(record.proxy, expired_at)
            )
            return 1

    def run(self, stop: threading.Event) -> None:
        """Until `stop`: record what is due, then sleep; a failed round is retried later."""
        run_rounds(stop, self.run_once, interval_s=self.interval_s, what="expiry")

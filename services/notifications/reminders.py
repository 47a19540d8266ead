"""The consent reminder job: tells the citizen (and proxies) that a consent is about to expire.

Built on the local view of consents (from consents' events); a consent is reminded once:
`reminded` flips in the same transaction as the messages, and the trigger id is derived from
the consent id, so the messages' unique constraint holds even if two workers race.
"""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import timedelta

from kit.db import read_only
from services.notifications import store
from services.notifications.rules import CONSENT_EXPIRING, CONSENT_REMINDER_DAYS
from services.notifications.services import Notifications, Trigger

log = logging.getLogger(__name__)
NAMESPACE = uuid.UUID("0b5d7c3e-8f7a-4a57-9a51-6e0f6f1b9c11")


class ConsentReminders:
    def __init__(
        self, notifications: Notifications, *, interval_s: float = 60.0, batch_size: int = 100
    ) -> None:
        self.notifications = notifications
        self.engine = notifications.engine
        self.interval_s = interval_s
        self.batch_size = batch_size

    def run_once(self) -> int:
        now = self.notifications.clock()
        with read_only(self.engine) as conn:
            due = store.consents_to_remind(
                conn, now, now + timedelta(days=CONSENT_REMINDER_DAYS), self.batch_size
            )
        reminded = 0
        for row in due:
            with self.engine.begin() as conn:
                if not store.mark_reminded(conn, row.consent_id):
                    continue
                trigger_id = str(uuid.uuid5(NAMESPACE, f"consent-expiring:{row.consent_id}"))
                self.notifications.notify(
                    conn,
                    Trigger(
                        trigger_id,
                        CONSENT_EXPIRING,
                        row.citizen_id,
                        {
                            "consent_id": row.consent_id,
                            "citizen_id": row.citizen_id,
                            "purpose": row.purpose,
                            "expires_at": row.expires_at,
                        },
                    ),
                )
                reminded += 1
        return reminded

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                while self.run_once() and not stop.is_set():
                    pass
            except Exception:
                log.exception("consent reminder round failed")
            stop.wait(self.interval_s)

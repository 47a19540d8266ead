"""The reminder scheduler: announces `appointment.reminder_due.v1` once per appointment start.

Exactly once, across restarts, parallel workers and moves:
- a reminder is planned for one start of one appointment (unique (appointment, start)); a move
  cancels the planned one and plans one for the new start, in the move's transaction;
- the scheduler marks a due reminder sent with a compare-and-set (planned -> sent) under the
  appointment's row lock, in the same transaction as its outbox event, after checking that the
  appointment still starts then; a second scheduler's update finds nothing planned;
- the event's id derives from the reminder's id, so even a second record would collide in the
  outbox and in every consumer's inbox.
"""

from __future__ import annotations

import threading

from sqlalchemy import Engine

from kit.db import read_only
from kit.outbox import record_event
from kit.rounds import run_rounds
from services.appointments import announcements, domain, store
from services.appointments.services import Clock, Config, utcnow


class ReminderScheduler:
    def __init__(
        self,
        engine: Engine,
        clock: Clock = utcnow,
        config: Config | None = None,
        *,
        interval_s: float = 5.0,
        batch_size: int = 100,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.config = config or Config()
        self.interval_s = interval_s
        self.batch_size = batch_size

    def run_once(self) -> int:
        """Announce every reminder due now; returns how many events were recorded."""
        with read_only(self.engine) as conn:
            due = store.due_reminders(conn, self.clock(), self.batch_size)
        return sum(self._announce(reminder["id"], reminder["appointment_id"]) for reminder in due)

    def _announce(self, reminder_id: str, appointment_id: str) -> int:
        with self.engine.begin() as conn:
            appointment = store.find_appointment(conn, appointment_id, for_update=True)
            reminder = store.find_reminder(conn, reminder_id)
            now = self.clock()
            if appointment is None or reminder is None or reminder["status"] != store.PLANNED:
                return 0
            current = (
                appointment["status"] in (domain.BOOKED, domain.RESCHEDULED)
                and appointment["starts_at"] == reminder["starts_at"]
                and appointment["starts_at"] > now
            )
            if not current:
                # Moved, cancelled or begun in the meantime (a worker that was down long).
                store.finish_reminder(conn, reminder_id, store.SKIPPED, now)
                return 0
            if not store.finish_reminder(conn, reminder_id, store.SENT, now):
                return 0
            record_event(
                conn,
                announcements.TOPIC,
                announcements.reminder_due(appointment, reminder, self.config.video_url_template),
            )
            return 1

    def run(self, stop: threading.Event) -> None:
        """Until `stop`: announce what is due, then sleep; a failed round is retried later."""
        run_rounds(
            stop,
            self.run_once,
            interval_s=self.interval_s,
            what="reminder",
            more_due=lambda announced: announced >= self.batch_size,
        )

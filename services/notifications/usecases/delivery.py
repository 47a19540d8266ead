"""Delivery: what a provider says (on hand-over or by callback) moves a message along, with
retries and a fallback channel."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Row

from kit.events import encode_event
from kit.outbox import record_encoded, record_event
from services.notifications import announcements, store, views
from services.notifications.domain import (
    DELIVERED,
    PERMANENT_FAILURE,
    TEMPORARY_FAILURE,
    MessageNotFound,
    Rule,
    check_transition,
)
from services.notifications.providers import ACCEPTED, PERMANENT, TEMPORARY, SendResult
from services.notifications.usecases.base import NotificationsBase, Trigger


class Delivery(NotificationsBase):
    """Outcomes of sending."""

    def record_outcome(
        self, conn: Connection, message: Row, result: SendResult, now: datetime
    ) -> None:
        """What a provider said (on hand-over or by callback) moves the message along."""
        attempt = message.attempts
        if result.outcome == ACCEPTED:
            store.update_message(conn, message.id, provider_ref=result.provider_ref, updated_at=now)
            return
        if result.outcome == TEMPORARY:
            retry_at = self.retry.next_attempt(attempt, now)
            if retry_at is None:
                result = SendResult(PERMANENT, result.provider_ref, "retries_exhausted")
            else:
                retry_at = self.quiet.not_before(message.channel, retry_at) or retry_at
                if self._move(
                    conn, message, TEMPORARY_FAILURE, now, result, next_attempt_at=retry_at
                ):
                    record_event(
                        conn,
                        announcements.TOPIC,
                        announcements.failed(
                            message._mapping,
                            now,
                            permanent=False,
                            attempt=attempt,
                            reason=result.reason or "temporary",
                            retry_at=retry_at,
                        ),
                    )
                return
        if result.outcome == PERMANENT:
            fallback = list(message.fallback_channels)
            if self._move(conn, message, PERMANENT_FAILURE, now, result, next_attempt_at=None):
                record_event(
                    conn,
                    announcements.TOPIC,
                    announcements.failed(
                        message._mapping,
                        now,
                        permanent=True,
                        attempt=attempt,
                        reason=result.reason or "permanent",
                        fallback_to=fallback[0] if fallback else None,
                    ),
                )
                if fallback:
                    self._fall_back(conn, message, fallback, now)
            return
        if self._move(conn, message, DELIVERED, now, result, next_attempt_at=None):
            record_event(conn, announcements.TOPIC, announcements.delivered(message._mapping, now))

    def record_outcomes(
        self, conn: Connection, outcomes: Sequence[tuple[Row, SendResult]], now: datetime
    ) -> None:
        """`record_outcome` for a sender's round: the messages delivered at once (the usual
        case) move in three statements for all; anything else goes one by one."""
        delivered = []
        for message, result in outcomes:
            if result.outcome == DELIVERED and check_transition(message.status, DELIVERED):
                delivered.append((message, result))
            else:
                self.record_outcome(conn, message, result, now)
        store.update_messages(
            conn,
            [
                {
                    "id": message.id,
                    "status": DELIVERED,
                    "updated_at": now,
                    "reason": result.reason,
                    "provider_ref": result.provider_ref or message.provider_ref,
                    "next_attempt_at": None,
                }
                for message, result in delivered
            ],
        )
        store.add_statuses(
            conn,
            [
                {
                    "message_id": message.id,
                    "status": DELIVERED,
                    "at": now,
                    "attempt": message.attempts,
                    "reason": result.reason,
                }
                for message, result in delivered
            ],
        )
        events = [announcements.delivered(message._mapping, now) for message, _ in delivered]
        record_encoded(conn, announcements.TOPIC, [(e, encode_event(e)) for e in events])

    @staticmethod
    def _move(
        conn: Connection,
        message: Row,
        status: str,
        now: datetime,
        result: SendResult,
        **changes: Any,
    ) -> bool:
        if not check_transition(message.status, status):
            return False
        store.update_message(
            conn,
            message.id,
            status=status,
            updated_at=now,
            reason=result.reason,
            provider_ref=result.provider_ref or message.provider_ref,
            **changes,
        )
        store.add_status(conn, message.id, status, now, message.attempts, result.reason)
        return True

    def _fall_back(
        self, conn: Connection, message: Row, channels: list[str], now: datetime
    ) -> None:
        trigger = Trigger(
            message.trigger_event_id,
            message.trigger_type,
            message.citizen_id,
            {},
            correlation_id=message.correlation_id,
        )
        rule = Rule(
            message.rule_id,
            message.trigger_type,
            message.template_id,
            (),
            (),
            {},
            False,
            True,
            False,
        )
        self._add(
            conn,
            self._message(
                trigger,
                rule,
                message.recipient_id,
                message.recipient_role,
                channels,
                message.template_id,
                message.template_version,
                message.language,
                message.subject,
                message.body,
                now,
                message.id,
            ),
            now,
            None,
        )

    def callback(self, provider: str, body: Mapping[str, Any]) -> dict:
        """A provider's delivery report for a message it took earlier."""
        with self.engine.begin() as conn:
            if body.get("provider_ref"):
                message = store.message_by_provider_ref(conn, provider, body["provider_ref"])
            else:
                message = store.message(conn, body["message_id"], for_update=True)
            if message is None or message.provider != provider:
                raise MessageNotFound()
            outcome = {
                DELIVERED: "delivered",
                TEMPORARY_FAILURE: TEMPORARY,
                PERMANENT_FAILURE: PERMANENT,
            }[body["status"]]
            self.record_outcome(
                conn,
                message,
                SendResult(outcome, message.provider_ref, body.get("reason")),
                self.clock(),
            )
            return views.message(
                store.message(conn, message.id),
                store.status_history(conn, [message.id])[message.id],
            )

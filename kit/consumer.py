"""Runs an event handler over a consumer group: decode, validate, retry, dead-letter, commit.

A consumer never dies of a bad record:
- a record that is not a valid event (not JSON, bad envelope, unknown type, data not matching
  its schema) goes to the dead-letter topic at once: trying again cannot help;
- a handler that raises is tried again with exponential backoff and jitter; after
  `max_attempts` the record goes to the dead-letter topic with the error;
- a handler that raises PermanentError goes to the dead-letter topic at once.
An offset is committed only after its record was handled or dead-lettered, so a crash in
between means redelivery (which the inbox absorbs), never loss. When the failure is the
infrastructure's (database or bus down: `is_transient`), or anything unexpected happens, the
record is not dead-lettered: its partition waits and it is delivered again, in order, once
things work again.

With a `batch_handler` (kit.inbox.handle_batch_once), the records of one poll are handled in
one transaction first; if that fails in any way (a bad record, a handler error, the database),
nothing of it was kept and the same records go through the one-at-a-time path above, so the
rules for retries, dead letters and held partitions are the same.

Dead-letter topic: `<group>.dlq`. The record keeps its original value and key; headers say
where it came from and why it failed, so it can be inspected and replayed.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager

from sqlalchemy import exc as sa_exc
from tenacity import (
    RetryError,
    Retrying,
    retry_if_not_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from kit import clock, tracing
from kit.bus.base import Bus, BusConsumer, BusUnavailable, CommitFailed, Record
from kit.events import Event, InvalidEvent, decode_event
from kit.inbox import AlreadyHandled
from kit.logging import correlation_id_var, mask_cpr
from kit.metrics import (
    CONSUMER_LAG,
    DEAD_LETTERS,
    EVENTS_DUPLICATE,
    EVENTS_HANDLED,
    HANDLER_ERRORS,
)
from schemas.registry import EventTypeRegistry, registry

log = logging.getLogger(__name__)


class HeldBack(Exception):
    """A record that must be tried again later, in order (its partition waits)."""


TRANSIENT = (
    BusUnavailable,
    ConnectionError,
    TimeoutError,
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.TimeoutError,
)


def is_transient(exc: BaseException | None) -> bool:
    """Failures of infrastructure (database, network, bus) rather than of the event."""
    if exc is None:
        return False
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, TRANSIENT)


class PermanentError(Exception):
    """A handler's way to say: this event can never succeed; dead-letter it now."""

    code = "handler.permanent_error"


def dead_letter_topic(group_id: str) -> str:
    return f"{group_id}.dlq"


@contextmanager
def event_scope(event: Event) -> Iterator[None]:
    """While one event is handled: its correlation id in the logs, and the clock at the
    event's time when it comes from demo history."""
    token = correlation_id_var.set(event.correlation_id)
    try:
        with clock.demo_time(clock.demo_time_of(event.time)):
            yield
    finally:
        correlation_id_var.reset(token)


BatchHandler = Callable[
    [Sequence[Event], Callable[[Event], AbstractContextManager[object]]], list[Event]
]


class EventConsumer:
    def __init__(
        self,
        bus: Bus,
        topics: Iterable[str],
        group_id: str,
        handler: Callable[[Event], None],
        *,
        batch_handler: BatchHandler | None = None,
        types: EventTypeRegistry = registry,
        max_attempts: int = 5,
        initial_backoff_s: float = 0.05,
        max_backoff_s: float = 2.0,
        session_timeout_s: float = 10.0,
        poll_timeout_s: float = 0.5,
    ) -> None:
        self.bus = bus
        self.topics = list(topics)
        self.group_id = group_id
        self.handler = handler
        self.batch_handler = batch_handler
        self.types = types
        self.max_attempts = max_attempts
        self.initial_backoff_s = initial_backoff_s
        self.max_backoff_s = max_backoff_s
        self.session_timeout_s = session_timeout_s
        self.poll_timeout_s = poll_timeout_s
        self._consumer: BusConsumer | None = None
        self._last_lag_update = 0.0
        self._held_rounds = 0
        self._held_since: float | None = None

    @property
    def consumer(self) -> BusConsumer:
        if self._consumer is None:
            self._consumer = self.bus.consumer(
                self.topics,
                self.group_id,
                session_timeout_s=self.session_timeout_s,
                client_id=self.group_id,
            )
        return self._consumer

    def run_once(self, timeout_s: float | None = None) -> int:
        """Poll once and handle what came. Returns the number of records dealt with.

        Offsets are committed once per partition per poll, after every record before them was
        handled or dead-lettered: a crash in between means redelivery, never loss.
        """
        records = self.consumer.poll(self.poll_timeout_s if timeout_s is None else timeout_s)
        if len(records) > 1 and self.batch_handler is not None and self._process_batch(records):
            self._held_rounds, self._held_since = 0, None
            self._commit({record.topic_partition: record for record in records})
            self._update_lag()
            return len(records)
        done = 0
        last_done: dict = {}
        stopped: set = set()
        for record in records:
            tp = record.topic_partition
            if tp in stopped:
                continue
            try:
                self._process(record)
            except Exception as exc:  # nothing may pass a record unhandled
                # Transient (the database or bus is down) or unexpected: deliver this record
                # again on the next poll, and hold its partition so nothing overtakes it.
                # Polling goes on meanwhile, so the member keeps its place in the group.
                log.warning(
                    "record %s/%s@%s will be delivered again: %s",
                    record.topic,
                    record.partition,
                    record.offset,
                    type(exc).__name__,
                )
                self.consumer.seek(record)
                stopped.add(tp)
                self._held_since = self._held_since or time.monotonic()
                continue
            last_done[tp] = record
            done += 1
        if stopped:
            # Back off while something is down, up to max_backoff_s between attempts.
            self._held_rounds += 1
            time.sleep(min(self.max_backoff_s, self.initial_backoff_s * 2**self._held_rounds))
        elif records:
            self._held_rounds, self._held_since = 0, None
        self._commit(last_done)
        self._update_lag()
        return done

    def _commit(self, last_done: dict) -> None:
        for tp, record in last_done.items():
            try:
                self.consumer.commit(record)
            except CommitFailed:
                # Another member owns the partition now and will get the records again.
                log.info("partition %s revoked before commit", tp)
            except BusUnavailable as exc:
                log.warning("commit failed, records will be delivered again: %s", exc)
                self.consumer.seek(record)

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.run_once()
            except BusUnavailable as exc:
                log.warning("consumer %s cannot poll: %s", self.group_id, exc)
                stop.wait(1.0)
            except Exception:
                # Never let one round kill the consumer thread; the next poll goes on.
                log.exception("consumer %s round failed", self.group_id)
                stop.wait(1.0)
        self.close()

    def close(self) -> None:
        if self._consumer is not None:
            self._consumer.close()
            self._consumer = None

    # -- a poll's records at once ------------------------------------------------------------

    def _process_batch(self, records: list[Record]) -> bool:
        """True if every record was handled in one transaction; False if nothing was kept and
        the records must go one by one (which dead-letters, retries or holds as usual)."""
        assert self.batch_handler is not None
        try:
            events = [decode_event(record.value, self.types) for record in records]
            record_of = {event.id: record for event, record in zip(events, records, strict=True)}

            @contextmanager
            def scope(event: Event) -> Iterator[None]:
                with self._span(record_of[event.id], event), event_scope(event):
                    yield

            handled = self.batch_handler(events, scope)
        except Exception as exc:
            log.info(
                "batch of %d records not taken by %s (%s); one by one instead",
                len(records),
                self.group_id,
                type(exc).__name__,
            )
            return False
        for event in handled:
            EVENTS_HANDLED.labels(self.group_id, event.type).inc()
        if len(handled) < len(events):
            EVENTS_DUPLICATE.labels(self.group_id).inc(len(events) - len(handled))
        return True

    # -- one record --------------------------------------------------------------------------

    def _process(self, record: Record) -> None:
        try:
            event = decode_event(record.value, self.types)
        except InvalidEvent as exc:
            with self._span(record, None):
                log.error(
                    "unreadable record %s/%s@%s dead-lettered: %s",
                    record.topic,
                    record.partition,
                    record.offset,
                    exc.code,
                )
                self._dead_letter(record, exc.code, str(exc), attempts=0)
            return
        with self._span(record, event), event_scope(event):
            self._handle_with_retries(record, event)

    def _span(self, record: Record, event: Event | None):
        """One span per record handled, continuing the trace from the record's headers (the
        relay's span), else from the event's own traceparent or correlation id."""
        attributes = {
            "messaging.system": getattr(self.bus, "system", "unknown"),
            "messaging.operation.type": "process",
            "messaging.destination.name": record.topic,
            "messaging.consumer.group.name": self.group_id,
            "messaging.destination.partition.id": str(record.partition),
            "messaging.kafka.offset": record.offset,
        }
        if event is not None:
            attributes |= {
                "messaging.message.id": event.id,
                "cloudevents.event_type": event.type,
                "cloudevents.event_subject": event.subject or "",
            }
        return tracing.continued(
            f"process {record.topic} {self.group_id}",
            kind=tracing.SpanKind.CONSUMER,
            traceparent=record.headers.get(tracing.TRACEPARENT)
            or (event.traceparent if event else None),
            correlation_id=event.correlation_id if event else None,
            attributes=attributes,
        )

    def _handle_with_retries(self, record: Record, event: Event) -> None:
        attempts = 0

        def attempt() -> None:
            nonlocal attempts
            attempts += 1
            try:
                self.handler(event)
            except AlreadyHandled:
                raise
            except Exception:
                HANDLER_ERRORS.labels(self.group_id, event.type).inc()
                log.warning(
                    "handler for %s failed (attempt %d of %d)",
                    event.type,
                    attempts,
                    self.max_attempts,
                    exc_info=True,
                )
                raise

        retrying = Retrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=wait_exponential_jitter(
                multiplier=self.initial_backoff_s,
                max=self.max_backoff_s,
                jitter=self.initial_backoff_s,
            ),
            retry=retry_if_not_exception_type((PermanentError, AlreadyHandled, InvalidEvent)),
            reraise=False,
        )
        span = tracing.current_span()
        try:
            retrying(attempt)
        except AlreadyHandled:
            # The inbox had it: a redelivery, absorbed.
            span.set_attribute("sb.outcome", "duplicate")
            EVENTS_DUPLICATE.labels(self.group_id).inc()
            log.info("event %s already handled by %s; skipped", event.id, self.group_id)
            return
        except (PermanentError, InvalidEvent) as exc:
            code = getattr(exc, "code", "handler.permanent_error")
            self._dead_letter(record, code, _describe(exc), attempts)
            return
        except RetryError as exc:
            cause = exc.last_attempt.exception()
            span.set_attribute("sb.attempts", attempts)
            if is_transient(cause):
                # The database or another dependency is down, not the event at fault:
                # never dead-letter for that (a lost revocation would keep access alive).
                raise HeldBack(_describe(cause)) from cause
            self._dead_letter(record, "handler.retries_exhausted", _describe(cause), attempts)
            return
        span.set_attributes({"sb.outcome": "handled", "sb.attempts": attempts})
        EVENTS_HANDLED.labels(self.group_id, event.type).inc()

    def _dead_letter(self, record: Record, reason: str, error: str, attempts: int) -> None:
        headers = dict(record.headers)
        headers.update(
            {
                "dlq_reason": reason,
                "dlq_error": mask_cpr(error)[:4000],
                "dlq_attempts": str(attempts),
                "dlq_group": self.group_id,
                "dlq_original_topic": record.topic,
                "dlq_original_partition": str(record.partition),
                "dlq_original_offset": str(record.offset),
                "dlq_time_ms": str(int(time.time() * 1000)),
            }
        )
        span = tracing.current_span()
        span.set_attribute("sb.outcome", "dead_lettered")
        tracing.failed(span, reason)
        self.bus.publish(dead_letter_topic(self.group_id), record.key, record.value, headers)
        DEAD_LETTERS.labels(self.group_id, record.topic, reason).inc()
        log.error(
            "record %s/%s@%s sent to %s: %s",
            record.topic,
            record.partition,
            record.offset,
            dead_letter_topic(self.group_id),
            reason,
        )

    def _update_lag(self) -> None:
        now = time.monotonic()
        if now - self._last_lag_update < 5.0:
            return
        self._last_lag_update = now
        try:
            per_topic: dict[str, int] = {}
            for tp, lag in self.consumer.lag().items():
                per_topic[tp.topic] = per_topic.get(tp.topic, 0) + lag
            for topic, lag in per_topic.items():
                CONSUMER_LAG.labels(self.group_id, topic).set(lag)
        except Exception:  # metrics must never stop consumption
            log.debug("could not compute consumer lag", exc_info=True)


def _describe(exc: BaseException | None) -> str:
    if exc is None:
        return "unknown error"
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()

"""The connector's use cases: take in one case event, resync everything, replay dead letters."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlalchemy import Connection, Engine

from kit import tracing
from kit.events import Event
from services.overview import domain, store
from services.overview.domain import Organisation
from services.overview.policies import TypePolicy

log = logging.getLogger(__name__)


class OverviewConnector:
    def __init__(self, policies: Mapping[str, TypePolicy], organisation: Organisation) -> None:
        self.policies = policies
        self.organisation = organisation

    def take_event(self, conn: Connection, event: Event) -> None:
        """Fold one application event into its case's record and queue what must go out,
        in the caller's transaction (the inbox claims the event in the same one)."""
        data = event.data
        record = store.load_record(conn, data["application_id"])
        is_new = record is None
        if record is None:
            record = domain.new_record(data["application_id"], data["type_id"], data["citizen_id"])
        policy = self.policies.get(record["type_id"])
        record = domain.apply(record, event.type, data, event.time, policy, event.id)
        record, pushes = domain.next_pushes(record, policy, self.organisation)
        store.save_record(conn, record, is_new)
        store.enqueue(
            conn,
            record["application_id"],
            pushes,
            event.correlation_id,
            tracing.current_traceparent(),  # the consumer's span: the push continues it
        )
        if not pushes and policy is not None and policy.published:
            missing = domain.missing_for_index(record)
            if missing:
                # Names of what is missing only; never the values.
                log.info(
                    "case %s not yet sent to the index: lacks %s",
                    record["application_id"],
                    ", ".join(missing),
                )

    def resync(self, engine: Engine, page: int = 2000) -> int:
        """Queue every record the index should hold, from the connector's own state (for a new
        municipality or after an outage). Returns the number of pushes queued."""
        queued, after = 0, ""
        while True:
            with engine.begin() as conn:
                records = store.records_after(conn, after, page)
                for record in records:
                    queued += self._resync_one(conn, record)
            if len(records) < page:
                return queued
            after = records[-1]["application_id"]

    def _resync_one(self, conn: Connection, record: dict) -> int:
        policy = self.policies.get(record["type_id"])
        if record["published"] is None:
            # E.g. its type was published only after the events came: first time out.
            record, pushes = domain.next_pushes(record, policy, self.organisation)
            if pushes:
                store.save_record(conn, record, is_new=False)
        else:
            pushes = domain.resync_pushes(record, policy, self.organisation)
        store.enqueue(conn, record["application_id"], pushes)
        return len(pushes)


def replay(engine: Engine, ids: list[int] | None = None) -> int:
    with engine.begin() as conn:
        return store.replay_dead_letters(conn, ids)

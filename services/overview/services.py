"""The connector's use cases: take in one case event, resync everything, replay dead letters."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from kit import tracing
from kit.events import Event
from services.overview import domain, store
from services.overview.domain import Organisation, Push
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

    def resync(
        self, engine: Engine, page: int = 2000, *, skip_acknowledged: bool = False
    ) -> ResyncCount:
        """Queue every record the index should hold, from the connector's own state.

        Full (the default): everything, for a new municipality or an index that lost data.
        `skip_acknowledged`: after our own outage, when the index still holds what it took:
        a push identical to the last one the index acknowledged storing (same record, version
        and payload: store.acknowledged) is left out; anything else goes."""
        count, after = ResyncCount(0, 0), ""
        while True:
            with engine.begin() as conn:
                records = store.records_after(conn, after, page)
                if not records:
                    return count
                acked = (
                    store.acknowledged_between(
                        conn, records[0]["application_id"], records[-1]["application_id"]
                    )
                    if skip_acknowledged
                    else {}
                )
                queue, skipped = [], 0
                for record in records:
                    for push in self._resync_pushes(conn, record):
                        text = store.payload_text(push)
                        held = acked.get((push.kind, push.record_id))
                        if held is not None and held == (push.version, store.digest(text)):
                            skipped += 1
                        else:
                            queue.append((record["application_id"], push, text))
                store.enqueue_many(conn, queue)  # one statement per page
                count = ResyncCount(count.queued + len(queue), count.skipped + skipped)
            if len(records) < page:
                return count
            after = records[-1]["application_id"]

    def _resync_pushes(self, conn: Connection, record: dict) -> list[Push]:
        policy = self.policies.get(record["type_id"])
        if record["published"] is None:
            # E.g. its type was published only after the events came: first time out.
            record, pushes = domain.next_pushes(record, policy, self.organisation)
            if pushes:
                store.save_record(conn, record, is_new=False)
            return pushes
        return domain.resync_pushes(record, policy, self.organisation)


@dataclass(frozen=True)
class ResyncCount:
    queued: int  # pushes queued for the index
    skipped: int  # pushes left out: the index acknowledged storing exactly these


def replay(engine: Engine, ids: list[int] | None = None) -> int:
    with engine.begin() as conn:
        return store.replay_dead_letters(conn, ids)

"""Event consumers and background jobs of the overview connector (run by `kit.worker overview`):
application events become per-case records; a job pushes them to the index after commit."""

from __future__ import annotations

import threading
from collections.abc import Callable

from kit.consumer import EventConsumer
from kit.inbox import handle_once
from kit.runtime import Runtime
from services.overview.config import ConnectorConfig
from services.overview.policies import load_policies
from services.overview.pusher import Pusher
from services.overview.services import OverviewConnector
from services.overview.transport import HttpTransport

GROUP = "overview.connector"


def case_consumer(
    runtime: Runtime, connector: OverviewConnector, topic: str = "applications"
) -> EventConsumer:
    return EventConsumer(
        runtime.bus, [topic], GROUP, handle_once(runtime.engine, GROUP, connector.take_event)
    )


def consumers(runtime: Runtime) -> list[EventConsumer]:
    config = ConnectorConfig.from_env()
    connector = OverviewConnector(load_policies(), config.organisation)
    return [case_consumer(runtime, connector, config.topic)]


def background_jobs(runtime: Runtime) -> list[Callable[[threading.Event], None]]:
    config = ConnectorConfig.from_env()
    pusher = Pusher(
        runtime.engine,
        HttpTransport(config.endpoint, config.timeout_s),
        config.retry,
        workers=config.workers,
    )
    return [pusher.run]

"""Event consumers of the appointments service: each translates an event into a use case."""

from kit.consumer import EventConsumer
from kit.runtime import Runtime


def consumers(runtime: Runtime) -> list[EventConsumer]:
    # The service consumes no events yet; its own issue adds them here.
    return []

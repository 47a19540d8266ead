"""Prometheus metrics every process exposes at /metrics. Labels never hold personal data."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

OUTBOX_BACKLOG = Gauge("sb_outbox_backlog", "Events recorded but not yet published", ["service"])
OUTBOX_PUBLISHED = Counter(
    "sb_outbox_published_total", "Events published by the relay", ["service"]
)
OUTBOX_PUBLISH_FAILURES = Counter(
    "sb_outbox_publish_failures_total", "Relay rounds that could not reach the bus", ["service"]
)
CONSUMER_LAG = Gauge(
    "sb_consumer_lag", "Records not yet handled by a consumer group", ["group", "topic"]
)
EVENTS_HANDLED = Counter(
    "sb_events_handled_total", "Events handled successfully", ["group", "type"]
)
EVENTS_DUPLICATE = Counter(
    "sb_events_duplicate_total",
    "Deliveries skipped because the inbox had seen the event",
    ["group"],
)
HANDLER_ERRORS = Counter(
    "sb_handler_errors_total", "Failed handler attempts (incl. retried)", ["group", "type"]
)
DEAD_LETTERS = Counter(
    "sb_dead_letters_total", "Records sent to a dead-letter topic", ["group", "topic", "reason"]
)
HTTP_REQUESTS = Counter("sb_http_requests_total", "HTTP requests", ["service", "method", "status"])
HTTP_LATENCY = Histogram("sb_http_request_seconds", "HTTP request latency", ["service"])

"""Logs are JSON lines with the correlation id, and never contain a CPR number."""

from __future__ import annotations

import io
import json
import logging

import pytest

from kit.logging import configure_logging, correlation_id_var, mask_cpr


@pytest.fixture
def log_stream():
    stream = io.StringIO()
    configure_logging("test-service", "INFO", stream=stream)
    yield stream
    configure_logging("test-service", "INFO")


def lines(stream):
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_log_line_is_json_with_service_and_correlation_id(log_stream):
    token = correlation_id_var.set("corr-123")
    try:
        logging.getLogger("x").info("application %s submitted", "A-1")
    finally:
        correlation_id_var.reset(token)
    (line,) = lines(log_stream)
    assert line["message"] == "application A-1 submitted"
    assert line["service"] == "test-service"
    assert line["correlation_id"] == "corr-123"
    assert line["level"] == "INFO"


@pytest.mark.parametrize("cpr", ["010203-1234", "0102031234", "311299-0001"])
def test_a_cpr_number_never_reaches_the_log(log_stream, cpr):
    log = logging.getLogger("x")
    log.info("citizen %s logged in", cpr)
    log.warning("lookup for " + cpr + " failed", extra={"citizen": cpr})
    try:
        raise ValueError(f"no citizen with cpr {cpr}")
    except ValueError:
        log.exception("lookup failed")
    output = log_stream.getvalue()
    assert cpr not in output and cpr.replace("-", "") not in output
    assert output.count("[CPR]") >= 4


def test_numbers_that_are_not_cpr_shaped_are_kept():
    text = "case 2026-0042, amount 1234567, order 12345678901, date 2026-11-23"
    assert mask_cpr(text) == text

"""Structured JSON logs with correlation ids, and a filter that keeps CPR numbers out of them."""

from __future__ import annotations

import contextvars
import logging
import re
import sys

from pythonjsonlogger.json import JsonFormatter

correlation_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "correlation_id", default=None
)

# A CPR number is DDMMYY-SSSS or DDMMYYSSSS. Anything shaped like one is masked: a false
# positive costs a log line's detail, a false negative leaks personal data.
CPR_PATTERN = re.compile(r"(?<!\d)(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])(\d{2})[- ]?(\d{4})(?!\d)")
CPR_MASK = "[CPR]"


def mask_cpr(text: str) -> str:
    return CPR_PATTERN.sub(CPR_MASK, text)


class CprRedactingFilter(logging.Filter):
    """Masks CPR-shaped numbers in the message, its arguments and any extra fields."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_cpr(str(record.msg))
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(mask_cpr(a) if isinstance(a, str) else a for a in args)
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD_ATTRS and isinstance(value, str):
                setattr(record, key, mask_cpr(value))
        return True


class CorrelationFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        if not getattr(record, "correlation_id", None):
            record.correlation_id = correlation_id_var.get()
        return True


_STANDARD_ATTRS = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "service",
    "correlation_id",
}


class _MaskingJsonFormatter(JsonFormatter):
    """Masks again after formatting: exception tracebacks are rendered only here."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_cpr(super().format(record))


def configure_logging(service: str, level: str = "INFO", stream=None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        _MaskingJsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(service)s %(correlation_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    handler.addFilter(CorrelationFilter(service))
    handler.addFilter(CprRedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # kafka-python is chatty at INFO about every connection; its warnings still show.
    logging.getLogger("kafka").setLevel(logging.WARNING)

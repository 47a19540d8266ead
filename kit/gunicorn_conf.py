"""gunicorn settings the launcher adds (`--config python:kit.gunicorn_conf`): hooks only."""

from __future__ import annotations

from kit.lifeline import follow_launcher


def when_ready(_server) -> None:
    """In gunicorn's master, once it listens: stop with the launcher (kit.lifeline). Its
    workers need nothing: gunicorn's workers already leave when their master is gone."""
    follow_launcher()

"""Shared test harness: callers with real signed tokens, the Mit Overblik index stub and connector, the gateway stack. Fixtures here are registered in tests/conftest.py."""

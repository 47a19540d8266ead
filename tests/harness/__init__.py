"""The one test harness: what every folder's tests share, in one place.

- services.py: any service's app and store on SQLite or PostgreSQL (`build_service`,
  `service_fixture`), with real signed tokens (tests/tokens.py)
- clock.py: a clock the test moves by hand (also the `clock` fixture); no sleeps where a clock
  can be moved (tests/waiting.py `wait_until` where another thread or process must act)
- callers.py: someone calling an API in-process with a token (`Caller`, per-service `prefix`)
- browser.py: Debian's Chromium through Playwright (`launched`, `keeping_errors`, `tablet`)
- gateway_stack.py, tablet_stack.py: the gateway with a provider and services in threads
- overview_index.py: the Mit Overblik index stub and connector; ports.py: fixed port blocks

A folder's conftest.py only names the fixtures its tests use; no module imports another
folder's conftest (tests/unit/test_one_harness.py).
"""

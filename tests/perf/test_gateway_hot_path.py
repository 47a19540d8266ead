"""The gateway's request path: the audit trail is written off the request without losing an
entry, and a session remembered in memory ends at logout."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from sqlalchemy import func, select

from gateway import store
from gateway.audit import AuditWriter
from gateway.identity import Identity
from gateway.ratelimit import FixedWindows, parse_rate
from kit.db import make_engine, read_only
from kit.migrate import upgrade
from kit.outbox import outbox_table
from tests.harness.gateway_stack import ANNA


def _counts(engine) -> tuple[int, int]:
    with read_only(engine) as conn:
        rows = conn.execute(select(func.count()).select_from(store.audit_log)).scalar_one()
        events = conn.execute(select(func.count()).select_from(outbox_table)).scalar_one()
    return rows, events


def _entry(n: int):
    from gateway.audit import _entries

    identity = Identity(subject="caseworker-1", kind="staff", channel="portal")
    return _entries(identity, [f"citizen-{n % 7}"], "GET", f"/api/applications/{n}", 200, None)


def test_the_audit_writer_writes_every_entry_from_many_threads_before_it_closes(tmp_path):
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    upgrade("gateway", url)
    engine = make_engine(url)
    writer = AuditWriter(engine, max_batch=50)

    def request_threads(first: int) -> None:
        for n in range(first, first + 250):
            writer.add(*_entry(n))

    threads = [threading.Thread(target=request_threads, args=(i * 250,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writer.close()
    assert _counts(engine) == (1000, 1000)
    engine.dispose()


def test_audit_entries_still_queued_when_the_process_exits_are_written(tmp_path):
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    upgrade("gateway", url)
    program = (
        "import sys; sys.path.insert(0, '.')\n"
        "from gateway.audit import AuditWriter\n"
        "from kit.db import make_engine\n"
        "from tests.perf.test_gateway_hot_path import _entry\n"
        f"writer = AuditWriter(make_engine({url!r}))\n"
        "for n in range(300):\n"
        "    writer.add(*_entry(n))\n"
        "# no close(): the interpreter exits as gunicorn's worker does on a graceful stop\n"
    )
    subprocess.run([sys.executable, "-c", program], check=True, timeout=60)
    engine = make_engine(url)
    assert _counts(engine) == (300, 300)
    engine.dispose()


def test_a_remembered_session_ends_at_logout(stack):
    anna = stack.browser()
    stack.login(anna, ANNA)
    for _ in range(3):  # now the gateway remembers the session
        assert anna.get(f"{stack.gateway}/api/applications").status_code == 200
    anna.post(f"{stack.gateway}/auth/logout", headers=stack.csrf(anna))
    refused = anna.get(f"{stack.gateway}/api/applications")
    assert refused.status_code == 401


def test_an_api_read_is_answered_while_the_gateway_database_is_write_locked(stack):
    anna = stack.browser()
    stack.login(anna, ANNA)
    locked, answered = threading.Event(), threading.Event()

    def hold_the_write_lock() -> None:
        with stack.engine.begin() as conn:  # BEGIN IMMEDIATE on SQLite
            store.forget_old_logins(conn, older_than_s=3600)  # any write will do
            locked.set()
            answered.wait(20)

    holder = threading.Thread(target=hold_the_write_lock)
    holder.start()
    assert locked.wait(20)
    try:
        response = anna.get(f"{stack.gateway}/api/applications", timeout=10)
    finally:
        answered.set()
        holder.join(30)
    assert response.status_code == 200


def test_an_auditor_pages_through_a_long_trail_completely_and_newest_first(stack):
    with stack.engine.begin() as conn:
        store.add_audit(conn, [_entry(n)[0][0] | {"citizen_id": ANNA} for n in range(250)])
    frida = stack.browser()
    stack.login(frida, "auditor-frida")
    url, pages, seen = f"{stack.gateway}/api/audit?citizen_id={ANNA}&limit=100", 0, []
    while url:
        page = frida.get(url)
        assert page.status_code == 200
        seen += [entry["resource"] for entry in page.json()]
        pages += 1
        url = page.links.get("next", {}).get("url")
        if url:
            url = stack.gateway + url
    seeded = [r for r in seen if r.startswith("/api/applications/")]
    assert seeded == [f"/api/applications/{n}" for n in reversed(range(250))]
    assert pages == 3
    bad = frida.get(f"{stack.gateway}/api/audit?citizen_id={ANNA}&limit=5000")
    assert bad.status_code == 422 and bad.json()["code"] == "request.invalid_page"


def test_a_fixed_window_lets_the_limit_through_and_opens_again_in_the_next_window():
    now = [1000.0]
    windows = FixedWindows(clock=lambda: now[0])
    assert [windows.hit("citizen:anna", "3/minute")[0] for _ in range(4)] == [
        True,
        True,
        True,
        False,
    ]
    assert windows.hit("citizen:bent", "3/minute")[0] is True  # per caller
    now[0] += 60
    assert windows.hit("citizen:anna", "3/minute") == (True, 2, 21)
    with pytest.raises(ValueError):
        parse_rate("lots")

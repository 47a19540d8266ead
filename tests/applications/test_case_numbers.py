"""Case numbers stay unique when the year's first submissions arrive side by side (two web
replicas, or two threads of one)."""

from __future__ import annotations

import threading
import time

from kit.db import make_engine
from kit.migrate import upgrade
from services.applications import store


def test_the_years_first_two_case_numbers_taken_at_once_are_one_and_two(database_url):
    upgrade("applications", database_url)
    engines = [make_engine(database_url) for _ in range(2)]
    numbers: list[str] = []
    errors: list[Exception] = []

    def second() -> None:
        try:
            with engines[1].begin() as conn:  # waits for the first transaction's row
                numbers.append(store.next_case_number(conn, 2031))
        except Exception as exc:  # reported below
            errors.append(exc)

    with engines[0].begin() as conn:
        numbers.append(store.next_case_number(conn, 2031))
        other = threading.Thread(target=second)
        other.start()
        time.sleep(1.0)  # the second reaches the counter while this one holds it
    other.join(30)
    assert not errors, errors
    assert sorted(numbers) == ["ANS-2031-000001", "ANS-2031-000002"]
    for engine in engines:
        engine.dispose()

"""The catalogue's guidance rules give the same findings in the browser as in the service.

The tablet evaluates the rules offline with gateway/static/ui/guidance.js; the service with
services/applications/guidance.py. For every catalogue type, every rule (and every visible_when
and required_when) gets answers on both sides of its conditions: each value a condition names,
one above and one below it, each threshold in force on several dates, yes/no/missing, attachment
present or not; plus invalid answers of every kind and seeded random mixes. Both evaluators
see the same cases in Debian's Chromium (the tablet's engine) and must agree on every finding,
in order, with its message. Every rule must both fire and stay quiet somewhere in the cases,
so a rule the cases never reach fails the test instead of passing unseen.
"""

from __future__ import annotations

import base64
import itertools
import json
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from services.applications import guidance
from services.applications.catalogue import ApplicationType, Catalogue
from tests.harness.browser import launched

pytestmark = pytest.mark.browser
GUIDANCE = Path(__file__).parents[2] / "gateway" / "static" / "ui" / "guidance.js"
TODAY = date(2026, 11, 28)


def _conditions(app_type: ApplicationType) -> list[dict]:
    found = [rule["when"] for rule in app_type.rules]
    found += [f["visible_when"] for f in app_type.fields.values() if f["visible_when"]]
    found += [a["required_when"] for a in app_type.attachments.values() if a["required_when"]]
    return found


def _leaves(condition: dict) -> list[dict]:
    for key in ("all", "any"):
        if key in condition:
            return [leaf for part in condition[key] for leaf in _leaves(part)]
    if "not" in condition:
        return _leaves(condition["not"])
    return [condition]


def _dates(app_type: ApplicationType) -> list[date]:
    """Today, and the day before and of each threshold change (a different value in force)."""
    days = {TODAY}
    for entries in app_type.definition["thresholds"].values():
        for entry in entries:
            days |= {entry["valid_from"], entry["valid_from"] - timedelta(days=1)}
    earliest = {
        name: min(e["valid_from"] for e in entries)
        for name, entries in app_type.definition["thresholds"].items()
    }
    # No value in force would be a catalogue error on both sides; keep to days with values.
    return sorted(d for d in days if all(d >= first for first in earliest.values()))


def _candidates(app_type: ApplicationType, leaf: dict, on: date) -> list[Any]:
    """Answers on both sides of one condition's edge."""
    if "attachment" in leaf:
        return []
    field = app_type.fields[leaf["field"]]
    values: list[Any] = [None]
    if field["type"] == "boolean":
        values += [True, False]
    elif field["type"] == "choice":
        values += [c["value"] for c in field["choices"]]
    targets = leaf.get("value")
    if "threshold" in leaf:
        targets = app_type.threshold(leaf["threshold"], on)
    for target in targets if isinstance(targets, list) else [targets]:
        if isinstance(target, (int, float)) and not isinstance(target, bool):
            values += [int(target) - 1, int(target), int(target) + 1, str(int(target) + 1)]
        elif isinstance(target, str):
            values += [target]
    return values


def _plausible(field: dict, rng: random.Random) -> Any:
    kind = field["type"]
    if kind == "boolean":
        return rng.choice([True, False])
    if kind == "choice":
        return rng.choice(field["choices"])["value"]
    if kind in ("integer", "money"):
        return rng.choice([0, 1500, 12000, 250000, "3.500"])
    if kind == "date":
        return "2026-03-01"
    return "Et svar"


INVALID = {
    "integer": ["tolv", "1,5", 1.5, True, [], "+1_000", "1__0", "-3"],
    "money": ["tolv", "1,5", 2.5, False, {}, " 12 000 ", "12.000 kr", "-1"],
    "boolean": ["ja", 1, 0],
    "choice": ["noget andet", 1, True],
    "date": ["2026-02-30", "2024-02-29", "2023-02-29", "0000-01-01", "1.1.2026", 20260101],
    "text": [7, "x" * 200, "x" * 201, "æ" * 200, "😀" * 200, "😀" * 201],
    "textarea": [False, "y" * 5001, "y" * 5000],
}


def _cases(app_type: ApplicationType) -> list[dict]:
    rng = random.Random(app_type.id)
    fields = list(app_type.fields.values())
    attachment_ids = list(app_type.attachments)
    attachment_sets = [[], attachment_ids] + [[a] for a in attachment_ids]
    cases: list[dict] = []
    for on in _dates(app_type):
        base = {f["id"]: _plausible(f, rng) for f in fields}
        for condition in _conditions(app_type):
            leaves = _leaves(condition)
            choices = {
                leaf["field"]: _candidates(app_type, leaf, on) for leaf in leaves if "field" in leaf
            }
            combos = list(itertools.product(*choices.values()))
            rng.shuffle(combos)
            mentions_attachments = any("attachment" in leaf for leaf in leaves)
            for combo in combos[:24]:
                for attached in attachment_sets if mentions_attachments else [[], attachment_ids]:
                    answers = {**base, **dict(zip(choices, combo, strict=True))}
                    cases.append({"answers": answers, "attachments": attached, "on": on})
        for field in fields:  # invalid answers of every kind
            for bad in INVALID[field["type"]]:
                cases.append({"answers": {**base, field["id"]: bad}, "attachments": [], "on": on})
        for _ in range(60):  # random mixes, some answers left out
            answers = {f["id"]: _plausible(f, rng) for f in fields if rng.random() < 0.8}
            cases.append(
                {"answers": answers, "attachments": rng.sample(attachment_ids, k=1), "on": on}
            )
    return cases


def _python(app_type: ApplicationType, case: dict) -> list[dict]:
    findings = guidance.evaluate(app_type, case["answers"], set(case["attachments"]), case["on"])
    return [f.as_dict() for f in findings]


def _json_safe(definition: Any) -> Any:
    return json.loads(json.dumps(definition, default=str))


BROWSER_SIDE = """async ([source, work]) => {
    const guidance = await import('data:text/javascript;base64,' + source);
    return work.map(({definition, cases}) => cases.map((c) =>
        guidance.evaluate(definition, c.answers, c.attachments, c.on)));
}"""


@pytest.fixture(scope="module")
def browser_page():
    with launched() as browser:
        yield browser.new_page()


def test_every_rule_of_every_catalogue_type_gives_the_same_findings_in_the_browser(browser_page):
    catalogue = list(Catalogue.load())
    assert len(catalogue) >= 4
    work = [(t, _cases(t)) for t in catalogue]
    source = base64.b64encode(GUIDANCE.read_bytes()).decode()
    payload = [
        {
            "definition": _json_safe(t.definition),
            "cases": [{**c, "on": c["on"].isoformat()} for c in cases],
        }
        for t, cases in work
    ]
    in_browser = browser_page.evaluate(BROWSER_SIDE, [source, payload])
    total = 0
    for (app_type, cases), browser_results in zip(work, in_browser, strict=True):
        fired: set[str] = set()
        quiet: set[str] = set()
        for case, from_browser in zip(cases, browser_results, strict=True):
            expected = _python(app_type, case)
            assert from_browser == expected, (app_type.id, case)
            codes = {f["code"] for f in expected}
            for rule in app_type.rules:
                (fired if rule["code"] in codes else quiet).add(rule["code"])
            total += 1
        rules = {rule["code"] for rule in app_type.rules}
        assert rules <= fired, f"{app_type.id}: rules never reached: {rules - fired}"
        assert rules <= quiet, f"{app_type.id}: rules that always fire: {rules - quiet}"
    assert total > 1000


def test_the_parity_check_notices_a_browser_evaluator_that_differs(browser_page):
    """The comparison is real: a browser rule that is off by one at a threshold is caught."""
    app_type = next(t for t in Catalogue.load() if t.definition["thresholds"])
    cases = _cases(app_type)
    broken = GUIDANCE.read_text(encoding="utf-8").replace("gte: x >= y", "gte: x > y")
    broken = broken.replace("lte: x <= y", "lte: x < y").replace("gt: x > y", "gt: x >= y")
    assert broken != GUIDANCE.read_text(encoding="utf-8")
    payload = [
        {
            "definition": _json_safe(app_type.definition),
            "cases": [{**c, "on": c["on"].isoformat()} for c in cases],
        }
    ]
    source = base64.b64encode(broken.encode()).decode()
    (results,) = browser_page.evaluate(BROWSER_SIDE, [source, payload])
    differing = [c for c, r in zip(cases, results, strict=True) if r != _python(app_type, c)]
    assert differing

"""Accessibility checks in the browser tests: axe-core run on a page or a state of it.

Call ``check_accessibility(page)`` after the page (or a dialog, an error, ...) is shown; it
fails the test on any serious or critical finding and names each one with its rule, help
text and the elements. axe-core comes from tests/e2e/vendor/ (``make frontend-assets``
rebuilds it) and is injected through the browser's devtools protocol, so the pages' CSP needs
no exception and the gateway never serves it.

    from tests.e2e.axe import check_accessibility
    check_accessibility(page)                       # the whole page
    check_accessibility(page, within="#confirm")    # one part of it
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

BLOCKING = ("serious", "critical")
# WCAG 2.1 A and AA, which the Danish web accessibility act asks for, plus axe's best practices
# (landmarks, one h1, ...).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@cache
def _axe_source() -> str:
    return (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")


def accessibility_findings(page, within: str | None = None) -> list[dict]:
    """Every serious or critical axe-core finding on the page (or inside ``within``)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source() + "\n;void 0")
    results = page.evaluate(
        """async ([within, tags]) => {
            const context = within ? document.querySelector(within) : document;
            return await axe.run(context, { runOnly: { type: "tag", values: tags },
                                            resultTypes: ["violations"] });
        }""",
        [within, TAGS],
    )
    return [v for v in results["violations"] if v.get("impact") in BLOCKING]


def describe(findings: list[dict]) -> str:
    lines = []
    for finding in findings:
        lines.append(f"{finding['impact']}: {finding['id']}: {finding['help']}")
        for node in finding["nodes"][:5]:
            lines.append(f"    {' '.join(node['target'])}: {node.get('failureSummary', '')}")
    return "\n".join(lines)


def check_accessibility(page, within: str | None = None, state: str = "") -> None:
    """Fail the test when axe-core finds anything serious or critical."""
    findings = accessibility_findings(page, within)
    where = f"{page.url}{' ' + within if within else ''}{' (' + state + ')' if state else ''}"
    assert not findings, f"axe-core on {where}:\n{describe(findings)}"

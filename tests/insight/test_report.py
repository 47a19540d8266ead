"""The report a manager reads: served to analysts only, naming candidates with evidence."""

from __future__ import annotations

import pytest

from kit.config import Settings
from kit.db import make_engine
from kit.inbox import handle_once
from kit.migrate import upgrade
from kit.runtime import Runtime
from services.insight import handlers, report
from services.insight.app import create_app
from tests.insight.builders import Story
from tests.tokens import TokenIssuer


@pytest.fixture
def insight(tmp_path, monkeypatch):
    monkeypatch.setenv("SB_INSIGHT_CACHE_S", "0")
    url = f"sqlite:///{tmp_path / 'insight.db'}"
    upgrade("insight", url)
    engine = make_engine(url)
    settings = Settings(
        service="insight", database_url=url, embedded_bus_path=str(tmp_path / "bus.db")
    )
    issuer = TokenIssuer()
    app = create_app(
        settings, verifier=issuer.verifier(), runtime=Runtime(settings=settings, engine=engine)
    )
    take = handle_once(engine, handlers.GROUP, handlers.take_event)
    for _ in range(4):  # enkeltudgifter: every case waits for more information
        story = Story().answer("monthly_income").submit().status("submitted", "under_review")
        story.request_information(after_days=2).answer_request(after_days=6).decide(after_days=1)
        for event in story.events:
            take(event)
    yield app.test_client(), issuer, engine
    engine.dispose()


def _get(client, issuer, path, roles=("analyst",)):
    token = issuer.staff("analytiker", list(roles))
    return client.get(path, headers={"Authorization": f"Bearer {token}"})


def test_an_analyst_reads_the_report_with_a_ranked_candidate_and_its_evidence(insight):
    client, issuer, _ = insight
    page = _get(client, issuer, "/api/insight/report")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "Kandidater til afbureaukratisering" in html
    assert "Hjælp til en enkelt udgift: 100 % af sagerne venter på flere oplysninger" in html
    assert "<svg" in html  # the plots
    english = _get(client, issuer, "/api/insight/report?lang=en").get_data(as_text=True)
    assert "Help with a single expense: 100% of cases wait for more information" in english
    assert "How much money do you (and your spouse) receive each month?" in english  # by label


def test_the_report_as_pdf(insight):
    client, issuer, _ = insight
    pdf = _get(client, issuer, "/api/insight/report.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_figures_give_the_weekly_key_figures_with_the_price_of_a_contact(insight, monkeypatch):
    client, issuer, _ = insight
    monkeypatch.setenv("SB_INSIGHT_CONTACT_PRICE_KR", "30")
    body = _get(client, issuer, "/api/insight/figures").get_json()
    assert body["contact_price_kr"] == 30.0
    assert sum(w["submitted"] for w in body["weekly"]) == 4
    portal_submissions = sum(w["contacts_saved"] for w in body["weekly"])
    assert portal_submissions == 4  # four self-service submissions, nothing fetched
    assert sum(w["kroner_saved"] for w in body["weekly"]) == 120.0
    assert body["candidates"][0]["kind"] == "information_loop"


def test_staff_without_the_analyst_role_are_refused(insight):
    client, issuer, _ = insight
    refused = _get(client, issuer, "/api/insight/report", roles=("caseworker",))
    assert refused.status_code == 403
    assert refused.get_json()["code"] == "auth.missing_role"


def test_the_report_renders_with_no_events_at_all(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    upgrade("insight", url)
    found = report.compute(make_engine(url))
    assert "Ingen fund endnu" in report.render_html(found, "da")
    assert report.render_pdf(found, "en").startswith(b"%PDF")

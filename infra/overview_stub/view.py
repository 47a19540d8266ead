"""The page a citizen would see on borger.dk's Mit Overblik, built from the stored records."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
PROGRESS_LABELS = {
    "Opstaaet": "Modtaget",
    "Oplyst": "Under behandling",
    "Afgjort": "Afgjort",
    "Bestilt": "Bestilt",
    "Udfoert": "Udført",
    "Afsluttet": "Afsluttet",
}
DOCUMENT_LABELS = {"Indgaaende": "Fra dig", "Udgaaende": "Til dig"}

PAGE = """<!doctype html>
<html lang="da"><head><meta charset="utf-8"><title>Mit Overblik – testindeks</title>
<style>body{font-family:sans-serif;max-width:50rem;margin:2rem auto}
section{border:1px solid #ccc;padding:1rem;margin:1rem 0}.status{font-weight:bold}</style>
</head><body>
<h1>Mit Overblik</h1>
<p>Sådan ville borgeren se sine sager og ydelser på borger.dk (testindeks).</p>
{% for person in citizens %}
<h2>Borger {{ person.label }}</h2>
{% for sag in person.cases %}
<section class="sag" id="sag-{{ sag.id }}">
  <h3>{{ sag.title }}</h3>
  <p>Sagsnummer {{ sag.number }} · {{ sag.owner }}</p>
  <p class="status">{{ sag.progress }}: {{ sag.status_text }}</p>
  <ol class="forloeb">{% for step in sag.history %}<li>{{ step.label }} fra {{ step.since }}</li>
  {% endfor %}</ol>
  {% if sag.documents %}<h4>Breve</h4><ul class="breve">{% for doc in sag.documents %}
  <li>{{ doc.date }} · {{ doc.direction }}: {{ doc.title }}</li>{% endfor %}</ul>{% endif %}
  {% for payment in sag.payments %}<p class="ydelse">Udbetalt {{ payment.amount }} den
  {{ payment.date }}</p>{% endfor %}
</section>
{% endfor %}
{% else %}<p>Ingen sager endnu.</p>{% endfor %}
</body></html>
"""


def citizens(
    cases: dict[str, dict[str, Any]], payments: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    by_party: dict[str, list[dict[str, Any]]] = {}
    for sag in sorted(cases.values(), key=lambda s: s["OprettetTidspunkt"]):
        paid = [p for p in payments.values() if p["SagUUID"] == sag["UUIDIdentifikator"]]
        by_party.setdefault(sag["PrimaerPart"], []).append(_case(sag, paid))
    return [{"label": _masked(party), "cases": items} for party, items in by_party.items()]


def _case(sag: dict[str, Any], paid: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": sag["UUIDIdentifikator"],
        "title": sag["Titel"],
        "number": sag["BrugervendtNoegle"],
        "owner": sag["Ejer"]["Navn"],
        "progress": PROGRESS_LABELS[sag["FremdriftStatusKode"]],
        "status_text": sag["StatusTekst"],
        "history": [
            {"label": PROGRESS_LABELS[h["FremdriftStatusKode"]], "since": _local(h["FraTidspunkt"])}
            for h in sag["Fremdrift"]
        ],
        "documents": [
            {
                "title": d["Titel"],
                "date": _day(d["BrevDato"]),
                "direction": DOCUMENT_LABELS[d["Type"]],
            }
            for d in sag["Dokumenter"]
        ],
        "payments": [
            {"amount": _kroner(p["BeloebOere"]), "date": _day(p["UdbetalingsDato"])}
            for p in sorted(paid, key=lambda p: p["UdbetalingsDato"])
        ],
    }


def _masked(urn: str) -> str:
    # Even on a test page only the birth date shows; the rest of a CPR number never does.
    digits = urn.rsplit(":", 1)[-1]
    return f"født {digits[:2]}.{digits[2:4]}.{digits[4:6]}"


def _local(moment: str) -> str:
    return datetime.fromisoformat(moment).astimezone(COPENHAGEN).strftime("%d.%m.%Y %H:%M")


def _day(value: str) -> str:
    return date.fromisoformat(value).strftime("%d.%m.%Y")


def _kroner(ore: int) -> str:
    kroner, rest = divmod(ore, 100)
    return f"{kroner:,}".replace(",", ".") + f",{rest:02d} kr."

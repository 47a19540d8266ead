"""A realistic year of demo data for process insight, driven through the platform's real APIs.

    python -m infra.demo [--applications 1500] [--citizens 400] [--gateway URL] [--idp URL]

Against a running `make run` (the mock identity provider and the demo clock, SB_DEMO_CLOCK=1):
demo citizens are registered with the mock provider and log in through the gateway like people;
they start, fill in, fetch with consent, submit, answer requests for information and withdraw;
a case system (the seed's client-credentials client) reviews, requests information, decides and
pays. Every request names its moment in the past year (kit.clock's X-SB-Demo-Time), so the
history has seasons, waiting times and weekdays, while every rule of the platform still applies.

The behaviour per application type (how often drafts are abandoned and where, how often
information is missing, how long decisions take) is data below: the demo tells a story the
report should find, the way a municipality's real data would.
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from infra.seed import SeedEnv
from kit import clock
from kit.auth import ClaimMapping

log = logging.getLogger("demo")
CLAIMS = ClaimMapping()
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
# More applications after New Year and the summer holidays, fewer in July and December.
MONTH_WEIGHT = {1: 1.3, 2: 1.1, 3: 1.0, 4: 1.0, 5: 0.9, 6: 0.8, 7: 0.45, 8: 0.9, 9: 1.25,
                10: 1.1, 11: 1.0, 12: 0.75}  # fmt: skip


@dataclass(frozen=True)
class Profile:
    """How citizens and the municipality handle one application type in the demo year."""

    weight: float
    abandon_step: str  # the step where most unfinished drafts stop
    abandon_share: float
    request_share: float  # cases where the caseworker must ask for more information
    second_request_share: float
    fetch_share: float  # citizens who let the municipality fetch instead of typing
    review_days: tuple[int, int]
    decide_days: tuple[int, int]
    payments: int  # payments after a grant (monthly benefits pay more than once)


PROFILES = {
    "enkeltudgifter": Profile(0.35, "economy", 0.22, 0.45, 0.12, 0.35, (1, 6), (2, 12), 1),
    "hjaelpemidler": Profile(0.30, "need", 0.10, 0.30, 0.05, 0.0, (2, 15), (3, 20), 0),
    "merudgifter": Profile(0.20, "costs", 0.18, 0.40, 0.15, 0.0, (3, 20), (8, 35), 3),
    "boligindretning": Profile(0.15, "change", 0.12, 0.25, 0.05, 0.0, (5, 25), (10, 40), 1),
}
CO_SERVICE_SHARE = 0.12  # started together with a staff member on a tablet
WITHDRAW_SHARE = 0.03
CO_SERVICE_STAFF = "socialraadgiver-ida"


def patient(session: requests.Session) -> requests.Session:
    """Wait out the gateway's rate limit (429 with Retry-After) instead of failing: a refused
    request was not carried out, so sending it again is safe."""
    retry = Retry(
        total=30, status=30, status_forcelist=[429], allowed_methods=None,
        respect_retry_after_header=True, backoff_factor=0.5,
    )  # fmt: skip
    session.mount("http://", HTTPAdapter(max_retries=retry))
    session.mount("https://", HTTPAdapter(max_retries=retry))
    return session


def PatientSeedEnv(gateway: str, idp: str) -> SeedEnv:
    """A seed environment whose sessions (logins included) wait out rate limits."""
    return SeedEnv(gateway=gateway, idp=idp, new_session=lambda: patient(requests.Session()))


class Refused(RuntimeError):
    pass


def ok(response: requests.Response, *codes: int) -> requests.Response:
    if response.status_code in (codes or (200, 201)):
        return response
    try:
        code = response.json().get("code")
    except ValueError:
        code = response.text[:80]
    raise Refused(f"{response.request.method} {response.status_code} {code}")


class Demo:
    def __init__(self, env: SeedEnv, rng: random.Random, end: datetime) -> None:
        self.env, self.rng, self.end = env, rng, end
        self.stats: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.types: dict[str, dict[str, Any]] = {}
        self.purposes: dict[str, str] = {}
        self.cprs: list[str] = []  # the made-up CPR numbers given to the mock provider

    # -- set-up ----------------------------------------------------------------------------
    def prepare(self, citizens: int) -> list[str]:
        case_system = self.env.machine(["applications:case", "applications:read"])
        self.case_system = case_system
        anyone = case_system
        for type_id in PROFILES:
            self.types[type_id] = ok(
                anyone.get(self.env.url(f"/api/applications/types/{type_id}"))
            ).json()
        people = []
        for number in range(citizens):
            person = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
            cpr = f"{self.rng.randint(1, 28):02d}{self.rng.randint(1, 12):02d}{self.rng.randint(30, 99):02d}{self.rng.randint(1000, 9999)}"
            claims = {
                CLAIMS.person_uuid: person,
                CLAIMS.cpr: cpr,
                CLAIMS.assurance: "Substantial",
                "name": f"Demoborger {number + 1}",
            }
            ok(requests.put(f"{self.env.idp}/users/{person}", json=claims, timeout=10), 204)
            self.cprs.append(cpr)
            people.append(person)
        first = self.env.session(people[0])
        purposes = ok(first.get(self.env.url("/api/consents/purposes"))).json()["purposes"]
        self.purposes = {p["code"]: str(p["current_version"]) for p in purposes}
        return people

    def count(self, what: str) -> None:
        with self._lock:
            self.stats[what] += 1

    # -- time ------------------------------------------------------------------------------
    def start_time(self) -> datetime:
        """A weekday moment of the past year, more often in busy months."""
        while True:
            day = self.end - timedelta(days=self.rng.uniform(0, 365))
            if day.weekday() >= 5 and self.rng.random() < 0.8:
                continue
            if self.rng.random() < MONTH_WEIGHT[day.month] / 1.3:
                return day.replace(hour=self.rng.randint(7, 21), minute=self.rng.randint(0, 59))

    def later(self, at: datetime, days: tuple[float, float]) -> datetime:
        return at + timedelta(days=self.rng.uniform(*days), minutes=self.rng.randint(5, 300))

    def at(self, moment: datetime) -> dict[str, str]:
        return {clock.DEMO_HEADER: moment.astimezone(UTC).isoformat()}

    # -- one application's life --------------------------------------------------------------
    def answers_for(self, type_id: str, step: dict[str, Any], skip: set[str]) -> dict[str, Any]:
        answers: dict[str, Any] = {}
        for item in step["fields"]:
            if item["id"] in skip:
                continue
            kind = item["type"]
            if kind == "choice":
                answers[item["id"]] = self.rng.choice(item["choices"])["value"]
            elif kind == "boolean":
                answers[item["id"]] = (
                    False if item["id"].startswith("own_") else self.rng.random() < 0.7
                )
            elif kind == "money":
                answers[item["id"]] = self.rng.randint(5, 200) * 100
            else:
                answers[item["id"]] = "Demo: " + item["id"].replace("_", " ")
        return answers

    def live(self, citizen: str) -> None:
        type_id = self.rng.choices(list(PROFILES), [p.weight for p in PROFILES.values()])[0]
        profile, definition = PROFILES[type_id], self.types[type_id]
        at = self.start_time()
        co_service = self.rng.random() < CO_SERVICE_SHARE
        person = self.env.session(citizen)
        actor = self.env.session(CO_SERVICE_STAFF, "tablet") if co_service else person
        body: dict[str, Any] = {"type": type_id, "answers": {}}
        if co_service:
            body["citizen_id"] = citizen
        try:
            created = actor.post(
                self.env.url("/api/applications"),
                json=body,
                headers={**self.at(at), "Idempotency-Key": str(uuid.uuid4())},
            )
            if co_service and created.status_code in (403, 404):
                self.count("co_service_refused_fell_back_to_portal")
                actor, co_service = person, False
                body.pop("citizen_id")
                created = actor.post(
                    self.env.url("/api/applications"),
                    json=body,
                    headers={**self.at(at), "Idempotency-Key": str(uuid.uuid4())},
                )
            app = ok(created, 201).json()
            self.count(f"started:{'tablet' if co_service else 'portal'}")
            app_id, etag = app["id"], created.headers.get("ETag", "")
            fetched: set[str] = set()
            if self.rng.random() < profile.fetch_share:
                fetched = self.fetch(person, definition, app_id, at)
                if fetched:  # the fetch filled fields: a new version of the application
                    current = actor.get(self.env.url(f"/api/applications/{app_id}"))
                    etag = current.headers.get("ETag", etag)
            abandon = self.rng.random() < profile.abandon_share
            for step in definition["steps"]:
                if abandon and step["id"] == profile.abandon_step:
                    self.count(f"abandoned:{type_id}")
                    return
                at = at + timedelta(minutes=self.rng.randint(2, 25))
                saved = ok(
                    actor.patch(
                        self.env.url(f"/api/applications/{app_id}/answers"),
                        json={"answers": self.answers_for(type_id, step, fetched)},
                        headers={**self.at(at), "If-Match": etag},
                    )
                )
                etag = saved.headers.get("ETag", etag)
            submit_body: dict[str, Any] = {}
            if co_service:
                submit_body["citizen_confirmed_at"] = at.astimezone(UTC).isoformat()
            at = self.later(at, (0, 1.5)) if not co_service else at
            self.submit(actor, app_id, submit_body, at)
            self.count(f"submitted:{type_id}")
            if self.rng.random() < WITHDRAW_SHARE:
                at = self.later(at, (0.5, 5))
                ok(
                    person.post(
                        self.env.url(f"/api/applications/{app_id}/withdraw"),
                        json={},
                        headers=self.at(at),
                    )
                )
                self.count("withdrawn")
                return
            self.casework(person, profile, app_id, at)
        except Refused as refused:
            self.count(f"refused:{refused}")
        except requests.RequestException as exc:
            self.count(f"error:{type(exc).__name__}")

    def submit(self, actor, app_id: str, body: dict[str, Any], at: datetime) -> None:
        """Submit; when the guidance says an attachment is missing, attach it (as a citizen
        following the guidance would) and submit again."""
        url = self.env.url(f"/api/applications/{app_id}/submit")
        answer = actor.post(
            url, json=body, headers={**self.at(at), "Idempotency-Key": str(uuid.uuid4())}
        )
        if answer.status_code == 422 and answer.json().get("code") == "application.cannot_submit":
            for finding in answer.json().get("findings", []):
                if finding.get("code") != "application.attachment_required":
                    continue
                requirement = finding["field"].split(".", 1)[1]
                ok(
                    actor.post(
                        self.env.url(f"/api/applications/{app_id}/attachments"),
                        files={"file": (f"{requirement}.pdf", PDF, "application/pdf")},
                        data={"requirement": requirement, "title": finding["message"]["da"][:100]},
                        headers=self.at(at),
                    ),
                    201,
                )
                self.count("attached")
            answer = actor.post(
                url, json=body, headers={**self.at(at), "Idempotency-Key": str(uuid.uuid4())}
            )
        ok(answer)

    def fetch(self, person, definition, app_id: str, at: datetime) -> set[str]:
        filled: set[str] = set()
        for fetch in definition.get("data_fetch", []):
            if not fetch.get("fills_fields") or fetch["purpose"] not in self.purposes:
                continue
            moment = self.later(at, (0, 0.02))
            ok(
                person.post(
                    self.env.url("/api/consents/consents"),
                    json={
                        "purpose": fetch["purpose"],
                        "case_ref": app_id,
                        "data_categories": fetch["data_categories"],
                        "sources": [fetch["source"]],
                        "text_version": self.purposes[fetch["purpose"]],
                    },
                    headers=self.at(moment),
                ),
                201,
                200,
            )
            # The applications service learns of the consent from its event: give it a moment.
            for _ in range(50):
                answer = person.post(
                    self.env.url(f"/api/applications/{app_id}/fetches/{fetch['id']}"),
                    json={},
                    headers=self.at(moment + timedelta(minutes=1)),
                )
                if answer.status_code < 300:
                    filled |= set(fetch["fills_fields"])
                    self.count("fetched")
                    break
                time.sleep(0.1)
            else:
                self.count(f"fetch_refused:{answer.status_code}")
        return filled

    def act(self, app_id: str, moment: datetime, **action) -> None:
        if moment > self.end:
            raise _NotYet
        url = self.env.url(f"/api/applications/{app_id}/case-actions")
        try:
            answer = self.case_system.post(url, json=action, headers=self.at(moment))
            if answer.status_code == 401:  # the client-credentials token ran out: a new one
                self.case_system = self.env.machine(["applications:case", "applications:read"])
                answer = self.case_system.post(url, json=action, headers=self.at(moment))
            ok(answer)
        except Refused as refused:
            raise Refused(f"{action['action']}: {refused}") from None

    def casework(self, person, profile: Profile, app_id: str, at: datetime) -> None:
        try:
            at = self.later(at, profile.review_days)
            self.act(app_id, at, action="start_review")
            requests_left = 0
            if self.rng.random() < profile.request_share:
                requests_left = 2 if self.rng.random() < profile.second_request_share else 1
            while requests_left:
                requests_left -= 1
                at = self.later(at, (0.5, 4))
                deadline = (at + timedelta(days=14)).date().isoformat()
                self.act(app_id, at, action="request_information", deadline=deadline,
                         message="Send venligst dokumentation / please send documentation")  # fmt: skip
                self.count("information_requested")
                at = self.later(at, (1, 12))
                if at > self.end:
                    return
                ok(
                    person.post(
                        self.env.url(f"/api/applications/{app_id}/submit"),
                        json={"message": "Her er dokumentationen."},
                        headers={**self.at(at), "Idempotency-Key": str(uuid.uuid4())},
                    )
                )
            at = self.later(at, profile.decide_days)
            outcome = self.rng.choices(["granted", "partly_granted", "refused"], [70, 10, 20])[0]
            self.act(app_id, at, action="decide", outcome=outcome, letter_title="Afgørelse")
            self.count(f"decided:{outcome}")
            if outcome == "refused":
                return
            for number in range(profile.payments):
                pay_at = at + timedelta(days=2 + 30 * number)
                self.act(
                    app_id,
                    pay_at,
                    action="pay",
                    amount_ore=self.rng.randint(5, 80) * 10000,
                    paid_on=pay_at.date().isoformat(),
                )
                self.count("paid_out")
        except _NotYet:
            self.count("still_open_at_year_end")


class _NotYet(Exception):
    """The next step would lie in the future: the case is still open today."""


def run(
    env: SeedEnv, applications: int, citizens: int, seed: int, threads: int
) -> tuple[Counter, Demo]:
    rng = random.Random(seed)
    demo = Demo(env, rng, datetime.now(UTC) - timedelta(minutes=30))
    people = demo.prepare(citizens)
    lives = [rng.choice(people) for _ in range(applications)]
    # One citizen's applications stay in one thread: a browser session is not shared.
    lanes: list[list[str]] = [[] for _ in range(threads)]
    for person in lives:
        lanes[hash(person) % threads].append(person)

    def lane(people_in_lane: list[str]) -> None:
        own_env = PatientSeedEnv(gateway=env.gateway, idp=env.idp)  # sessions are not shared
        worker = Demo(own_env, random.Random(rng.random()), demo.end)
        worker.types, worker.purposes = demo.types, demo.purposes
        worker.case_system = own_env.machine(["applications:case", "applications:read"])
        for done, person in enumerate(people_in_lane, 1):
            worker.live(person)
            if done % 100 == 0:
                log.info("%d applications in this lane", done)
        with demo._lock:
            demo.stats.update(worker.stats)

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lane, lanes))
    return demo.stats, demo


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--gateway", default="http://127.0.0.1:8000")
    parser.add_argument("--idp", default="http://127.0.0.1:8090")
    parser.add_argument("--applications", type=int, default=1500)
    parser.add_argument("--citizens", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    started = time.monotonic()
    stats, _ = run(
        PatientSeedEnv(gateway=args.gateway, idp=args.idp),
        args.applications,
        args.citizens,
        args.seed,
        args.threads,
    )
    for key, value in sorted(stats.items()):
        print(f"{key}: {value}")
    print(
        f"{args.applications} ansøgningsforløb på {time.monotonic() - started:.0f} s / application lives"
    )
    return 0 if not any(k.startswith("error:") for k in stats) else 1


if __name__ == "__main__":
    sys.exit(main())

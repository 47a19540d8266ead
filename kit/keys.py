"""The issuer's public keys a token is checked against: fixed (tests, benchmarks) or the
issuer's JWKS, held in memory and refreshed by one background thread (RemoteJwks)."""

from __future__ import annotations

import abc
import threading
import time
import weakref
from typing import Any

import requests
from joserfc.jwk import KeySet

from kit.errors import Problem


class KeySource(abc.ABC):
    @abc.abstractmethod
    def keys(self, refresh: bool = False) -> KeySet:
        """The issuer's public keys; `refresh` asks for them again (key rotation)."""


class StaticKeys(KeySource):
    def __init__(self, jwks: dict[str, Any]) -> None:
        self._keys = KeySet.import_key_set(jwks)  # type: ignore[arg-type]

    def keys(self, refresh: bool = False) -> KeySet:
        return self._keys


class KeysNotReady(Problem):
    status = 503
    code = "auth.keys_not_ready"
    title_da = "Tjenesten starter op. Prøv igen om et øjeblik"
    title_en = "The service is starting. Try again in a moment"


class RemoteJwks(KeySource):
    """The issuer's JWKS, held in memory and fetched by one background thread.

    A request never fetches: it reads the keys held, or is refused at once (KeysNotReady,
    503) while there are none yet, so a request can never wait on the issuer, which may itself
    be waiting on this process (the gateway forwards a request here and serves its JWKS from
    the same threads). The thread fetches at start, retries a failed fetch with a growing pause
    (a failure keeps the keys held), refreshes every `refresh_every_s`, and sooner when a token
    names an unknown key id (at most every `min_refresh_s`): one fetch at a time, always.
    Services report ready only once they hold keys (`check_ready`). `wait_s` lets a caller
    that cannot be part of a cycle (the gateway validating the provider's ID tokens) wait that
    long for a fetch under way.
    """

    def __init__(
        self,
        jwks_url: str,
        min_refresh_s: float = 10.0,
        refresh_every_s: float = 300.0,
        wait_s: float = 0.0,
        timeout_s: float = 5.0,
    ) -> None:
        self.jwks_url = jwks_url
        self.min_refresh_s = min_refresh_s
        self.refresh_every_s = refresh_every_s
        self.wait_s = wait_s
        self.timeout_s = timeout_s
        self.fetches = 0  # attempts, for tests and the curious
        self.last_error: str | None = None
        self._keys: KeySet | None = None
        self._fetched = 0.0
        self._generation = 0  # completed attempts
        self._changed = threading.Condition()
        self._wanted = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> RemoteJwks:
        """Start the background fetcher (once); idempotent."""
        with self._changed:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=_fetch_forever,
                    args=(weakref.ref(self), self._wanted),
                    name=f"jwks {self.jwks_url}",
                    daemon=True,
                )
                self._thread.start()
        return self

    def keys(self, refresh: bool = False) -> KeySet:
        self.start()
        with self._changed:
            generation = self._generation
            if refresh and time.monotonic() - self._fetched > self.min_refresh_s:
                self._wanted.set()
                if self.wait_s:
                    self._changed.wait_for(lambda: self._generation > generation, self.wait_s)
            elif self._keys is None and self.wait_s:
                self._changed.wait_for(lambda: self._keys is not None, self.wait_s)
            if self._keys is None:
                raise KeysNotReady(detail_en="the issuer's keys are not fetched yet")
            return self._keys

    def check_ready(self) -> None:
        """A readiness check: raises until the keys are held."""
        self.start()
        if self._keys is None:
            raise KeysNotReady(detail_en=self.last_error or "keys not fetched yet")

    def wait_until_ready(self, timeout_s: float) -> bool:
        self.start()
        with self._changed:
            return self._changed.wait_for(lambda: self._keys is not None, timeout_s)

    def _fetch(self) -> bool:
        """One fetch; called only by the background thread."""
        self.fetches += 1
        try:
            response = requests.get(self.jwks_url, timeout=self.timeout_s)
            response.raise_for_status()
            keys = KeySet.import_key_set(response.json())
        except Exception as exc:  # any failure keeps the keys held
            with self._changed:
                self.last_error = type(exc).__name__
                self._generation += 1
                self._changed.notify_all()
            return False
        with self._changed:
            self._keys, self._fetched, self.last_error = keys, time.monotonic(), None
            self._generation += 1
            self._changed.notify_all()
        return True


def _fetch_forever(ref: weakref.ref[RemoteJwks], wanted: threading.Event) -> None:
    """The one fetcher of a RemoteJwks; ends when its owner is gone."""
    pause = 0.05
    while True:
        owner = ref()
        if owner is None:
            return
        wanted.clear()
        if owner._fetch():
            pause = 0.05
            wait = owner.refresh_every_s
        else:
            pause = min(pause * 2, 5.0)
            wait = pause if owner._keys is None else owner.min_refresh_s
        del owner  # hold no strong reference while asleep
        wanted.wait(wait)

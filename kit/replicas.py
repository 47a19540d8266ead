"""A service's replicas, for whoever calls it (the gateway; a service asking another): requests
spread round-robin, and a replica that does not take the connection is passed over.

Configuration: `SB_UPSTREAM_<SERVICE>` holds one URL or several, separated by commas or
spaces (`http://10.0.0.5:8101,http://10.0.0.6:8101`). In Kubernetes it is one URL, the
Service's, and kube-proxy spreads; on one machine (`SB_REPLICAS=2`) the launcher lists each
web process.

Failover, and its limit: a request whose connection was refused or timed out never reached
the service, so it goes to the next replica whatever its method. A request that was sent and
then lost its answer (connection reset, the replica killed mid-request, read timeout) may
already have taken effect: it is sent again only when that is safe, i.e. for GET, HEAD,
OPTIONS, PUT and DELETE, and for a POST or PATCH with an `Idempotency-Key` (the services
claim the key in the same transaction as the change, so a second delivery answers the
first's result). Anything else answers 502 and the caller decides. A replica that refused a
connection is tried last for the next `DOWN_S` seconds, so the others do not pay for it.
"""

from __future__ import annotations

import itertools
import re
import threading
import time

import urllib3
from urllib3.exceptions import ConnectTimeoutError, HTTPError

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
DOWN_S = 2.0

# One keep-alive connection pool per upstream, shared by the caller's threads. urllib3
# directly: requests' per-call work (environment proxies, hooks, cookie jars) was a third of
# the gateway's CPU on a proxied read (docs/BENCHMARKS.md).
_pools = urllib3.PoolManager(num_pools=32, maxsize=16, block=False, retries=False)
_TIMEOUT = urllib3.Timeout(connect=3, read=30)


def safe_to_resend(method: str, headers: dict[str, str]) -> bool:
    return method in IDEMPOTENT_METHODS or "Idempotency-Key" in headers


class Replicas:
    """The base URLs of one service's replicas."""

    def __init__(self, urls: list[str]) -> None:
        if not urls:
            raise ValueError("a service needs at least one URL")
        self.urls = urls
        self._turn = itertools.count()
        self._down_until: dict[str, float] = {}
        self._lock = threading.Lock()

    @classmethod
    def parse(cls, value: str) -> Replicas:
        return cls([url.rstrip("/") for url in re.split(r"[\s,]+", value.strip()) if url])

    def __repr__(self) -> str:
        return ",".join(self.urls)

    def in_turn(self) -> list[str]:
        """Every replica, the next in the round first, those down recently last."""
        start = next(self._turn) % len(self.urls)
        ordered = self.urls[start:] + self.urls[:start]
        now = time.monotonic()
        with self._lock:
            return sorted(ordered, key=lambda url: self._down_until.get(url, 0.0) > now)

    def pick(self) -> str:
        return self.in_turn()[0]

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None,
        headers: dict[str, str],
        timeout: urllib3.Timeout = _TIMEOUT,
    ) -> urllib3.BaseHTTPResponse:
        """Send to one replica after another until one answers (see the module docstring);
        raises the last error when none does."""
        resend = safe_to_resend(method, headers)
        last: HTTPError | None = None
        for base in self.in_turn():
            try:
                return _pools.request(
                    method,
                    base + path,
                    body=body,
                    headers=headers,
                    timeout=timeout,
                    redirect=False,
                )
            except ConnectTimeoutError as exc:  # refused or no answer to connect: not sent
                with self._lock:
                    self._down_until[base] = time.monotonic() + DOWN_S
                last = exc
            except HTTPError as exc:  # sent; the answer was lost
                if not resend:
                    raise
                last = exc
        assert last is not None
        raise last

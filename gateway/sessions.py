"""Server-side sessions (backend-for-frontend): the browser holds only a random id in an
HttpOnly, Secure, SameSite cookie; tokens stay here, encrypted at rest."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from flask import request
from sqlalchemy import Engine
from werkzeug.wrappers import Response

from gateway import store
from gateway.config import GatewayConfig
from gateway.identity import Identity
from kit.db import read_only

COOKIE = "sb_session"
TOUCH_EVERY_S = 15
# How long a looked-up session is kept in memory (claims and tokens decrypted). Every hit
# still asks the database whether the session was ended, so a logout on one gateway process
# ends it on every other at once (docs/decisions/0020-*.md).
CACHE_S = float(os.environ.get("SB_SESSION_CACHE_S", "5"))
CACHE_MAX = 10_000


class TokenBox:
    """Encrypts the provider's tokens before they are stored (a leaked table opens nothing)."""

    def __init__(self, key_path: Path) -> None:
        if not key_path.exists():
            key_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = key_path.with_suffix(".tmp")
            tmp.write_bytes(Fernet.generate_key())
            os.chmod(tmp, 0o600)
            with contextlib.suppress(FileExistsError):  # another process made it first
                os.link(tmp, key_path)
            tmp.unlink()
        self._fernet = Fernet(key_path.read_bytes())

    def seal(self, tokens: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(tokens).encode()).decode()

    def open(self, sealed: str) -> dict[str, Any]:
        try:
            return dict(json.loads(self._fernet.decrypt(sealed.encode())))
        except InvalidToken:
            return {}


@dataclass(frozen=True)
class Session:
    id_hash: str
    identity: Identity
    csrf_token: str
    tokens: dict[str, Any]


@dataclass(frozen=True)
class _Cached:
    session: Session
    created_at_s: float  # wall clock, for the absolute timeout
    last_seen_at_s: float  # as stored, for the idle timeout
    cached_at: float  # monotonic


class SessionManager:
    def __init__(self, engine: Engine, config: GatewayConfig, box: TokenBox) -> None:
        self.engine = engine
        self.config = config
        self.box = box
        # id hash -> the session as last read; spares a query and two decryptions per request.
        self._cache: dict[str, _Cached] = {}
        self._cache_lock = threading.Lock()
        self._forgotten = 0  # counts forget(): a lookup that raced one does not cache

    def forget(self, id_hash: str) -> None:
        with self._cache_lock:
            self._cache.pop(id_hash, None)
            self._forgotten += 1

    def create(self, identity: Identity, tokens: dict[str, Any]) -> tuple[str, Session]:
        session_id = secrets.token_urlsafe(32)
        csrf_token = secrets.token_urlsafe(32)
        id_hash = store.hash_session_id(session_id)
        with self.engine.begin() as conn:
            store.add_session(
                conn,
                id_hash=id_hash,
                subject=identity.subject,
                kind=identity.kind,
                channel=identity.channel,
                # CPR number and name, encrypted like the tokens.
                claims=self.box.seal(identity.as_session_claims()),
                tokens=self.box.seal(tokens),
                csrf_token=csrf_token,
            )
        return session_id, Session(id_hash, identity, csrf_token, tokens)

    def current(self) -> Session | None:
        """The request's session, if its cookie names a live one; idle and absolute timeouts."""
        session_id = request.cookies.get(COOKIE)
        if not session_id or len(session_id) > 100:
            return None
        id_hash = store.hash_session_id(session_id)
        cached = self._cache.get(id_hash)
        if cached is not None and time.monotonic() - cached.cached_at < CACHE_S:
            now_s = time.time()
            if (
                now_s - cached.last_seen_at_s <= min(TOUCH_EVERY_S, self.config.session_idle_s)
                and now_s - cached.created_at_s <= self.config.session_absolute_s
            ):
                with read_only(self.engine) as conn:
                    if store.session_is_open(conn, id_hash):
                        return cached.session
                self.forget(id_hash)  # ended by another gateway process
                return None
        forgotten = self._forgotten
        with read_only(self.engine) as conn:
            row = store.get_session(conn, id_hash)
        if row is None:
            return None
        now = store.now()
        idle = now - row["last_seen_at"] > timedelta(seconds=self.config.session_idle_s)
        old = now - row["created_at"] > timedelta(seconds=self.config.session_absolute_s)
        if idle or old:
            self.end_by_hash(id_hash)
            return None
        # The idle clock needs no finer grain than this; sparing a write per request.
        if now - row["last_seen_at"] > timedelta(seconds=TOUCH_EVERY_S):
            with self.engine.begin() as conn:
                store.touch_session(conn, id_hash)
            row["last_seen_at"] = now
        session = self._from_row(id_hash, row)
        with self._cache_lock:
            if self._forgotten != forgotten:
                return session  # a logout or refresh happened meanwhile: do not keep it
            if len(self._cache) >= CACHE_MAX:
                self._cache.clear()
            self._cache[id_hash] = _Cached(
                session,
                row["created_at"].timestamp(),
                row["last_seen_at"].timestamp(),
                time.monotonic(),
            )
        return session

    def _from_row(self, id_hash: str, row: dict[str, Any]) -> Session:
        claims = self.box.open(row["claims"]) if isinstance(row["claims"], str) else {}
        identity = Identity(
            subject=row["subject"],
            kind=row["kind"],
            channel=row["channel"],
            cpr=claims.get("cpr"),
            assurance=claims.get("assurance"),
            roles=tuple(claims.get("roles") or ()),
            name=claims.get("name"),
        )
        return Session(id_hash, identity, row["csrf_token"], self.box.open(row["tokens"]))

    def update_tokens(self, session: Session, tokens: dict[str, Any]) -> None:
        with self.engine.begin() as conn:
            store.touch_session(conn, session.id_hash, tokens=self.box.seal(tokens))
        self.forget(session.id_hash)

    def end(self, session: Session) -> None:
        self.end_by_hash(session.id_hash)

    def end_by_hash(self, id_hash: str) -> None:
        self.forget(id_hash)
        with self.engine.begin() as conn:
            store.end_session(conn, id_hash)
        self.forget(id_hash)  # and a lookup that read it before this commit must not keep it

    def set_cookie(self, response: Response, session_id: str) -> None:
        response.set_cookie(
            COOKIE,
            session_id,
            httponly=True,
            secure=self.config.cookie_secure,
            samesite="Lax",
            path="/",
            max_age=self.config.session_absolute_s,
        )

    def clear_cookie(self, response: Response) -> None:
        response.delete_cookie(
            COOKIE, path="/", httponly=True, secure=self.config.cookie_secure, samesite="Lax"
        )

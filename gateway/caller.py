"""Who calls this request: a browser session (with CSRF on changes) or a machine's bearer token.

The routing proxy, the audit pages and the rate limiter all ask here, once per request.
"""

from __future__ import annotations

import threading
import time

from flask import current_app, g, request

from gateway.identity import Identity, IdentityProvider
from gateway.login import check_csrf
from gateway.sessions import SessionManager
from kit.auth import Unauthenticated
from kit.errors import Problem

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def caller() -> Identity:
    """The caller of this request, or Unauthenticated. Cached on the request, the refusal
    too: the rate limiter asks first, and a session ended by that first look must give the
    same answer (session expired) to the route."""
    if "caller" in g:
        return g.caller
    if "caller_refusal" in g:
        raise g.caller_refusal
    try:
        g.caller = _identify()
    except Problem as refusal:
        g.caller_refusal = refusal
        raise
    return g.caller


def _identify() -> Identity:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        idp: IdentityProvider = current_app.extensions["idp"]
        return idp.machine_identity(header[len("Bearer ") :].strip())
    sessions: SessionManager = current_app.extensions["sessions"]
    session = sessions.current()
    if session is None:
        raise Unauthenticated(
            "Log ind for at fortsætte.", "Log in to continue.", code="auth.token_missing"
        )
    if request.method not in SAFE_METHODS:
        check_csrf(session.csrf_token)
    _keep_provider_session_alive(session, sessions)
    return session.identity


_refresh_locks: dict[str, threading.Lock] = {}
_refresh_locks_guard = threading.Lock()


def _keep_provider_session_alive(session, sessions: SessionManager) -> None:
    """When the provider's access token has expired, refresh it: a user logged out (or
    disabled) at the provider loses the session here too. Without a refresh token there is
    nothing to ask the provider, so the session ends when the access token does."""
    if float(session.tokens.get("expires_at", 0)) > time.time():
        return
    with _refresh_locks_guard:
        lock = _refresh_locks.setdefault(session.id_hash, threading.Lock())
    # One refresh per session at a time: parallel requests must not race a rotating token.
    with lock:
        current = sessions.current()
        if current is not None and float(current.tokens.get("expires_at", 0)) > time.time():
            return  # another request refreshed it meanwhile
        tokens = (current or session).tokens
        idp: IdentityProvider = current_app.extensions["idp"]
        try:
            if not tokens.get("refresh_token"):
                raise LookupError("no refresh token")
            fresh = idp.refresh(tokens["refresh_token"])
        except Exception:  # any refusal ends the session
            sessions.end(session)
            raise Unauthenticated(
                "Du er blevet logget ud. Log ind igen.",
                "You have been logged out. Log in again.",
                code="auth.session_expired",
            )
        fresh.setdefault("id_token", tokens.get("id_token"))
        fresh.setdefault("refresh_token", tokens.get("refresh_token"))
        fresh["expires_at"] = time.time() + float(fresh.get("expires_in", 300))
        sessions.update_tokens(session, fresh)

"""Browser login, session and logout (backend-for-frontend, OpenID Connect code flow + PKCE)."""

from __future__ import annotations

import secrets
import time

from flask import Blueprint, current_app, jsonify, redirect, request

from gateway import store
from gateway.identity import IdentityProvider, LoginFailed
from gateway.sessions import SessionManager
from kit.auth import Unauthenticated
from kit.errors import Problem

bp = Blueprint("login", __name__)
CHANNELS = {"portal": "/", "tablet": "/tablet/"}


class CsrfFailed(Problem):
    status = 403
    code = "auth.csrf_failed"
    title_da = "Siden er for gammel. Genindlæs den, og prøv igen"
    title_en = "The page is out of date. Reload it and try again"


def idp() -> IdentityProvider:
    return current_app.extensions["idp"]


def sessions() -> SessionManager:
    return current_app.extensions["sessions"]


def callback_url() -> str:
    return request.host_url.rstrip("/") + "/auth/callback"


def check_csrf(expected: str) -> None:
    """State-changing requests from a browser carry the session's CSRF token in a header,
    which another site cannot read or set, and come from our own origin."""
    sent = request.headers.get("X-CSRF-Token", "")
    origin = request.headers.get("Origin")
    if origin and origin.rstrip("/") != request.host_url.rstrip("/"):
        raise CsrfFailed(detail_en="cross-origin request refused")
    if not sent or sent != expected:
        raise CsrfFailed()


LOGIN_COOKIE = "sb_login"
LOGIN_TTL_S = 600


def _own_path(path: str) -> bool:
    """Only a path on this site: never another host (an open redirect)."""
    return (
        path.startswith("/")
        and not path.startswith("//")
        and "\\" not in path
        and len(path) <= 300
        and not path.startswith("/auth/")
    )


@bp.get("/auth/login")
def login():
    channel = request.args.get("channel", "portal")
    if channel not in CHANNELS:
        channel = "portal"
    return_to = request.args.get("next", "")
    if not _own_path(return_to):
        return_to = CHANNELS[channel]
    transaction = idp().begin_login(callback_url())
    # The login is bound to this browser: the callback must come back with this cookie, so a
    # callback link made by someone else (login CSRF, session swapping) logs nobody in.
    binding = secrets.token_urlsafe(32)
    with current_app.extensions["engine"].begin() as conn:
        store.forget_old_logins(conn, LOGIN_TTL_S)
        store.add_login_transaction(
            conn,
            state=transaction["state"],
            nonce=transaction["nonce"],
            code_verifier=transaction["code_verifier"],
            channel=channel,
            browser_hash=store.hash_session_id(binding),
            return_to=return_to,
        )
    response = redirect(transaction["url"], code=302)
    response.set_cookie(
        LOGIN_COOKIE,
        binding,
        max_age=LOGIN_TTL_S,
        httponly=True,
        secure=sessions().config.cookie_secure,
        samesite="Lax",
        path="/auth/callback",
    )
    return response


@bp.get("/auth/callback")
def callback():
    if "error" in request.args:
        raise LoginFailed(
            "Log ind blev afbrudt.", "Login was cancelled.", code="auth.login_cancelled"
        )
    state, code = request.args.get("state", ""), request.args.get("code", "")
    with current_app.extensions["engine"].begin() as conn:
        transaction = store.use_login_transaction(conn, state) if state else None
    if transaction is None:
        # Unknown or already used: a replayed or forged callback.
        raise LoginFailed(detail_en="unknown or already used state", code="auth.invalid_state")
    binding = request.cookies.get(LOGIN_COOKIE, "")
    if not binding or store.hash_session_id(binding) != transaction["browser_hash"]:
        raise LoginFailed(
            "Log ind skal ske i samme browser, som startede det.",
            "The login must finish in the browser that started it.",
            code="auth.login_not_from_this_browser",
        )
    age = store.now() - transaction["created_at"]
    if age.total_seconds() > 600 or not code:
        raise LoginFailed(detail_en="the login took too long", code="auth.login_expired")
    identity, tokens = idp().finish_login(
        callback_url(),
        code,
        transaction["code_verifier"],
        transaction["nonce"],
        transaction["channel"],
    )
    tokens["expires_at"] = tokens.get("expires_at") or time.time() + float(
        tokens.get("expires_in", 300)
    )
    session_id, _ = sessions().create(identity, tokens)
    target = transaction.get("return_to") or CHANNELS[transaction["channel"]]
    response = redirect(target if _own_path(target) else "/", code=302)
    sessions().set_cookie(response, session_id)
    response.delete_cookie(LOGIN_COOKIE, path="/auth/callback")
    return response


@bp.get("/auth/session")
def whoami():
    """Who is logged in, and the CSRF token the page must send with every change."""
    session = sessions().current()
    if session is None:
        raise Unauthenticated(
            "Du er ikke logget ind.", "You are not logged in.", code="auth.no_session"
        )
    identity = session.identity
    return jsonify(
        subject=identity.subject,
        kind=identity.kind,
        channel=identity.channel,
        name=identity.name,
        assurance=identity.assurance,
        roles=list(identity.roles),
        csrf_token=session.csrf_token,
    )


@bp.post("/auth/logout")
def logout():
    """End the session here and at the provider. The provider's session ends server to
    server (IdentityProvider.end_provider_session): sending the browser to the provider with
    id_token_hint would put the ID token, and the CPR number in it, in a URL and in page
    JavaScript. `provider_logout_url` stays in the answer, always null, for older pages."""
    session = sessions().current()
    if session is not None:
        check_csrf(session.csrf_token)
        sessions().end(session)
        idp().end_provider_session(session.tokens)
    response = jsonify(logged_out=True, provider_logout_url=None)
    sessions().clear_cookie(response)
    return response

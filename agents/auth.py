"""Console sessions: the login is a server-side session (agents/sessions.py) whose random id is the
only credential in the cookie; a CSRF token per session checked on every POST; an idle timeout and
an absolute lifetime; the agent/supervisor role checks.

Before login the signed Flask cookie carries only harmless state (the console's language and the
login form's CSRF token). After login it also carries the session id; everything that decides
access (the agent, the CSRF token, when it was last used, whether it was revoked) is in the table,
so a copied cookie dies with its session."""
from __future__ import annotations

import functools
import hmac
import secrets

from flask import abort, current_app, g, redirect, request, session, url_for

from agents import sessions
from agents.models import AgentAccount
from gateway import sessions_of

IDLE_TIMEOUT_S = 30 * 60
MAX_AGE_S = 9 * 3600  # a working day
SESSION_KEY = "agents_sid"
# Live views poll these; they must not keep an unattended console logged in.
PASSIVE_ENDPOINTS = {"agents_console.queue_json", "agents_console.messages_json", "agents_console.offer_json"}


def csrf_token() -> str:
    """The CSRF token of this console session: the server-side one once logged in, else the cookie's."""
    row = g.get("console_session")
    if row is not None:
        return row.csrf
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def check_csrf() -> None:
    """Every state-changing console request carries the session's token (form field or header)."""
    presented = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    row = g.get("console_session")
    expected = row.csrf if row is not None else (session.get("csrf") or "")
    if not expected or not hmac.compare_digest(presented.encode(), expected.encode()):
        abort(400, description="Missing or wrong CSRF token; reload the page and try again.")


def log_in(db, account: AgentAccount, keep: tuple[str, ...] = ()) -> None:
    """A fresh server-side session for ``account`` (no fixation of a pre-login cookie); ``keep``
    names harmless cookie keys carried over (the console's language)."""
    sessions.revoke(db, session.get(SESSION_KEY), "relogin")  # a login over a live one replaces it
    kept = {key: session[key] for key in keep if key in session}
    session.clear()
    session.update(kept)
    opened = sessions.open_session(db, account, current_app.config.get("AGENTS_SESSION_MAX_AGE_S", MAX_AGE_S))
    session[SESSION_KEY] = opened.session_id


def log_out(db) -> None:
    sessions.revoke(db, session.get(SESSION_KEY), "logout")
    kept = {key: session[key] for key in ("agents_language",) if key in session}
    session.clear()
    session.update(kept)


def load_agent() -> None:
    """before_request: put the agent of a live session into ``g.agent`` (or None) and the session's
    row into ``g.console_session``; an idle, expired or revoked session is dropped from the cookie."""
    g.agent = None
    g.console_session = None
    session_id = session.get(SESSION_KEY)
    if session_id is None:
        return
    db = sessions_of(current_app)()
    g.db = db
    idle = current_app.config.get("AGENTS_IDLE_TIMEOUT_S", IDLE_TIMEOUT_S)
    found = sessions.find(db, session_id, idle)
    account = db.get(AgentAccount, found.row.agent_id) if found.why is None else None
    if account is None or not account.active:
        session.pop(SESSION_KEY, None)
        session.pop("csrf", None)
        g.idle_logged_out = found.why in ("idle", "expired")
        return
    g.agent = account
    g.console_session = found.row
    if request.endpoint not in PASSIVE_ENDPOINTS:
        sessions.touch(db, found.row)


def login_required(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if g.get("agent") is None:
            if request.path.endswith(".json") or request.accept_mimetypes.best == "application/json":
                abort(401, description="Log in first.")
            return redirect(url_for("agents_console.login", next=request.path,
                                    idle="1" if g.get("idle_logged_out") else None))
        return view(*args, **kwargs)

    wrapper.login_required = True
    return wrapper


def supervisor_required(view):
    @functools.wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not g.agent.is_supervisor:
            abort(403, description="Supervisors only.")
        return view(*args, **kwargs)

    return wrapper

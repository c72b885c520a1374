"""Console sessions: login state in the signed session cookie, a CSRF token per session checked on
every POST, an idle timeout, and the agent/supervisor role checks."""
from __future__ import annotations

import functools
import hmac
import secrets
import time

from flask import abort, current_app, g, redirect, request, session, url_for

from agents.models import AgentAccount
from gateway import sessions_of

IDLE_TIMEOUT_S = 30 * 60
# Live views poll these; they must not keep an unattended console logged in.
PASSIVE_ENDPOINTS = {"agents_console.queue_json", "agents_console.messages_json"}


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def check_csrf() -> None:
    """Every state-changing console request carries the session's token (form field or header)."""
    presented = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    expected = session.get("csrf") or ""
    if not expected or not hmac.compare_digest(presented.encode(), expected.encode()):
        abort(400, description="Missing or wrong CSRF token; reload the page and try again.")


def log_in(account: AgentAccount, keep: tuple[str, ...] = ()) -> None:
    """A fresh session for ``account`` (no fixation of a pre-login cookie); ``keep`` names harmless
    keys carried over (the console's language)."""
    kept = {key: session[key] for key in keep if key in session}
    session.clear()
    session.update(kept)
    session["agent_id"] = account.id
    session["seen"] = time.time()
    csrf_token()


def log_out() -> None:
    session.clear()


def load_agent() -> None:
    """before_request: put the logged-in, active, not-idle agent into ``g.agent`` (or None)."""
    g.agent = None
    agent_id = session.get("agent_id")
    if agent_id is None:
        return
    timeout = current_app.config.get("AGENTS_IDLE_TIMEOUT_S", IDLE_TIMEOUT_S)
    if time.time() - float(session.get("seen", 0)) > timeout:
        session.clear()
        g.idle_logged_out = True
        return
    db = sessions_of(current_app)()
    g.db = db
    account = db.get(AgentAccount, agent_id)
    if account is None or not account.active:
        session.clear()
        return
    g.agent = account
    if request.endpoint not in PASSIVE_ENDPOINTS:
        session["seen"] = time.time()


def login_required(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if g.get("agent") is None:
            if request.path.endswith(".json") or request.accept_mimetypes.best == "application/json":
                abort(401, description="Log in first.")
            return redirect(url_for("agents_console.login", next=request.path,
                                    idle="1" if g.get("idle_logged_out") else None))
        return view(*args, **kwargs)

    return wrapper


def supervisor_required(view):
    @functools.wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not g.agent.is_supervisor:
            abort(403, description="Supervisors only.")
        return view(*args, **kwargs)

    return wrapper

"""The agent console at /agents/: login, the live queue of chat and phone escalations, a claimed
chat (reply, canned answers, new code, close, hand back), phone call-backs, search, statistics.
Every agent action writes an AuditEntry."""
from __future__ import annotations

from datetime import datetime

from flask import (Blueprint, Flask, abort, current_app, flash, g, jsonify, redirect, render_template,
                   request, url_for)
from sqlalchemy import select

from agents import accounts, audit, auth, backends, charts, chat, escalations, stats
from agents.canned import CANNED, canned_for
from agents.models import OPEN_STATUSES, AgentAccount, Escalation
from gateway import sessions_of, settings_of
from kernel.clock import as_utc, utcnow
from kernel.privacy import mask_email

bp = Blueprint("agents_console", __name__, url_prefix="/agents", template_folder="templates",
               static_folder="static", static_url_path="/static")

OUTCOMES = ("solved", "new_code_sent", "referred_to_office", "no_response", "other")
CALL_LABELS = {"queued": "sorban vár", "connected": "ügyintézővel beszél", "ended": "letette", "in_menu": "a menüben"}
KIND_LABELS = {"agent_joined": "átvette:", "handed_back": "visszaadva az asszisztensnek:", "closed": "lezárva:",
               "new_code_form": "új kód űrlap a felhasználónak", "new_code_requested": "a felhasználó új kódot kért",
               "callback_done": "visszahívás kész:"}


@bp.before_request
def before():
    auth.load_agent()
    if request.method == "POST":
        auth.check_csrf()


@bp.teardown_request
def close_db(_exc):
    db = g.pop("db", None)
    if db is not None:
        db.close()


@bp.after_request
def no_store(response):
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Content-Security-Policy",
                                "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'")
    return response


def db():
    if "db" not in g:
        g.db = sessions_of(current_app)()
    return g.db


bp.add_app_template_global(auth.csrf_token, "csrf_token")


@bp.app_template_global()
def csrf_field():
    from markupsafe import Markup

    return Markup(f'<input type="hidden" name="csrf_token" value="{auth.csrf_token()}">')


@bp.app_template_filter("wait")
def wait_filter(since: datetime | None) -> str:
    if since is None:
        return ""
    seconds = int((utcnow() - as_utc(since)).total_seconds())
    return f"{seconds // 60} perc {seconds % 60:02d} mp" if seconds >= 60 else f"{seconds} mp"


@bp.app_template_filter("display")
def display_filter(text: str) -> str:
    return chat.display_text(text or "")


# --- login -------------------------------------------------------------------------------------

@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        account = accounts.authenticate(db(), request.form.get("username", ""), request.form.get("password", ""))
        if account is None:
            # same words for a wrong name and a wrong password
            audit.record(db(), "login_failed", actor="anonymous")
            db().commit()
            error = "Hibás felhasználónév vagy jelszó."
        else:
            auth.log_in(account)
            audit.record(db(), "login", agent=account)
            db().commit()
            target = request.args.get("next", "")
            return redirect(target if target.startswith("/agents/") else url_for("agents_console.queue"))
    return render_template("agents/login.html", error=error, idle=request.args.get("idle")), 401 if error else 200


@bp.post("/logout")
@auth.login_required
def logout():
    audit.record(db(), "logout", agent=g.agent)
    db().commit()
    auth.log_out()
    return redirect(url_for("agents_console.login"))


# --- queue -------------------------------------------------------------------------------------

def open_escalations() -> list[Escalation]:
    return list(db().scalars(select(Escalation).where(Escalation.status.in_(OPEN_STATUSES))
                             .order_by(Escalation.created_at)))


def phone_states(items: list[Escalation]) -> dict[str, str]:
    """The call state of each phone case, from the events the phone line recorded on it."""
    return escalations.call_states(db(), [e.id for e in items if e.channel == "phone"])


def queue_item(e: Escalation, positions: dict[str, int], calls: dict[str, str] | None = None) -> dict:
    return {
        "call": (calls or {}).get(e.id) if e.channel == "phone" else None,
        "id": e.id, "reference": e.reference, "channel": e.channel, "language": e.language,
        "reason": e.reason, "tried": e.tried, "status": e.status,
        "claimed_by": e.claimed_by.display_name if e.claimed_by else ("telefonon" if e.status == "claimed" else None),
        "mine": e.claimed_by_id == g.agent.id,
        "waiting_seconds": int((utcnow() - as_utc(e.created_at)).total_seconds()),
        "position": positions.get(e.id), "caller": e.caller_number_masked,
        "has_recording": bool(e.recording_url),
        "url": url_for("agents_console.escalation", escalation_id=e.id),
        "claim_url": url_for("agents_console.claim", escalation_id=e.id),
    }


def positions_of(items: list[Escalation]) -> dict[str, int]:
    """Position in its own line (channel + language), oldest first."""
    counters: dict[tuple[str, str], int] = {}
    positions = {}
    for e in items:
        if e.status == "waiting":
            key = (e.channel, e.language)
            counters[key] = counters.get(key, 0) + 1
            positions[e.id] = counters[key]
    return positions


@bp.get("/")
@auth.login_required
def queue():
    items = open_escalations()
    positions, calls = positions_of(items), phone_states(items)
    return render_template("agents/queue.html", call_labels=CALL_LABELS, items=[queue_item(e, positions, calls) for e in items])


@bp.get("/queue.json")
@auth.login_required
def queue_json():
    items = open_escalations()
    positions, calls = positions_of(items), phone_states(items)
    return jsonify(items=[queue_item(e, positions, calls) for e in items])


@bp.post("/escalations/<escalation_id>/claim")
@auth.login_required
def claim(escalation_id: str):
    load(escalation_id)
    won = escalations.claim(db(), escalation_id, g.agent)
    wants_json = request.accept_mimetypes.best == "application/json"
    if not won:
        message = "Ezt az ügyet közben egy másik ügyintéző vette át."
        if wants_json:
            return jsonify(error="already_claimed", message=message), 409
        flash(message, "error")
        return redirect(url_for("agents_console.queue"))
    if wants_json:
        return jsonify(status="claimed", url=url_for("agents_console.escalation", escalation_id=escalation_id))
    return redirect(url_for("agents_console.escalation", escalation_id=escalation_id))


# --- one escalation ----------------------------------------------------------------------------

def load(escalation_id: str) -> Escalation:
    escalation = db().get(Escalation, escalation_id)
    if escalation is None:
        abort(404, description="No such escalation.")
    return escalation


def require_mine(escalation: Escalation) -> None:
    """Only the agent who claimed an open case may act in it (supervisors too: they claim first)."""
    if escalation.claimed_by_id != g.agent.id or escalation.status != "claimed":
        audit.record(db(), "refused", agent=g.agent, escalation_id=escalation.id, endpoint=request.endpoint)
        db().commit()
        abort(403, description="This case is not claimed by you.")


@bp.get("/escalations/<escalation_id>")
@auth.login_required
def escalation(escalation_id: str):
    e = load(escalation_id)
    audit.record(db(), "view", agent=g.agent, escalation_id=e.id)
    db().commit()
    mine = e.claimed_by_id == g.agent.id and e.status == "claimed"
    messages = chat.messages_after(db(), e.id)
    names = {a.id: a.display_name for a in db().scalars(select(AgentAccount))}
    return render_template(
        "agents/escalation.html", e=e, mine=mine, position=escalations.queue_position(db(), e),
        messages=[chat.message_json(m, names.get(m.agent_id)) for m in messages],
        canned=canned_for(e.language), outcomes=OUTCOMES, kind_labels=KIND_LABELS,
        verified=bool((e.diagnosis or {}).get("verified")),
    )


@bp.get("/escalations/<escalation_id>/messages.json")
@auth.login_required
def messages_json(escalation_id: str):
    e = load(escalation_id)
    after = request.args.get("after", "0")
    names = {a.id: a.display_name for a in db().scalars(select(AgentAccount))}
    items = chat.messages_after(db(), e.id, int(after) if after.isdigit() else 0)
    return jsonify(status=e.status, messages=[chat.message_json(m, names.get(m.agent_id)) for m in items])


def done(message: str, escalation_id: str, status: int = 200, **extra):
    if request.accept_mimetypes.best == "application/json":
        return jsonify(message=message, **extra), status
    flash(message, "info" if status < 400 else "error")
    return redirect(url_for("agents_console.escalation", escalation_id=escalation_id))


@bp.post("/escalations/<escalation_id>/reply")
@auth.login_required
def reply(escalation_id: str):
    e = load(escalation_id)
    require_mine(e)
    if e.channel != "chat":
        abort(400, description="Phone cases have no chat.")
    canned_id = request.form.get("canned") or None
    text = (request.form.get("text") or "").strip()
    if canned_id:
        if canned_id not in CANNED:
            abort(400, description="Unknown canned answer.")
        text = text or CANNED[canned_id][e.language][1]
    if not text:
        return done("Üres üzenetet nem küldünk.", e.id, 400)
    message = chat.post_agent_message(db(), e, g.agent, text, canned_id)
    return done("Elküldve.", e.id, 200, id=message.id)


@bp.post("/escalations/<escalation_id>/new-code")
@auth.login_required
def new_code(escalation_id: str):
    """Chat: ask the user's widget for username + e-mail (the agent never sees them). Phone: the agent
    types what the caller says; the backend sends the code only to the address on file (S5, S8)."""
    e = load(escalation_id)
    require_mine(e)
    if e.channel == "chat":
        chat.add_event(db(), e, "new_code_form", agent=g.agent)
        audit.record(db(), "new_code_form_sent", agent=g.agent, escalation_id=e.id)
        db().commit()
        return done("A felhasználó űrlapot kapott az új kód kéréséhez.", e.id)
    username = (request.form.get("username") or "").strip()
    email = (request.form.get("email") or "").strip()
    if not username or "@" not in email:
        return done("Adja meg a felhasználónevet és az e-mail-címet, ahogy a hívó mondja.", e.id, 400)
    try:
        backends.request_new_code(settings_of(current_app), username, email, source=f"agent:{e.reference}")
    except backends.BackendUnavailable:
        audit.record(db(), "new_code_failed", agent=g.agent, escalation_id=e.id)
        db().commit()
        return done("A háttérrendszer most nem érhető el, próbálja újra.", e.id, 503)
    except ValueError as exc:
        return done(f"Hibás adat: {exc}.", e.id, 400)
    audit.record(db(), "new_code_requested", agent=g.agent, escalation_id=e.id, email=mask_email(email))
    db().commit()
    return done("Ha az adatok egyeznek, az új kód a nyilvántartott címre megy (5 napig érvényes).", e.id, 202)


@bp.post("/escalations/<escalation_id>/close")
@auth.login_required
def close(escalation_id: str):
    e = load(escalation_id)
    require_mine(e)
    outcome = request.form.get("outcome", "")
    if outcome not in OUTCOMES:
        return done("Válasszon eredményt.", e.id, 400)
    resumed = True
    if e.channel == "chat":
        # The Rasa conversation was paused for the agent; closing must not leave the user with a mute bot.
        try:
            backends.resume_conversation(settings_of(current_app), e.conversation_id)
        except backends.BackendUnavailable:
            resumed = False
    escalations.finish(db(), e, g.agent, status="closed", outcome=outcome, kind="closed")
    return done("Lezárva." if resumed else "Lezárva, de az asszisztenst nem sikerült újraindítani.", e.id)


@bp.post("/escalations/<escalation_id>/hand-back")
@auth.login_required
def hand_back(escalation_id: str):
    e = load(escalation_id)
    require_mine(e)
    if e.channel != "chat":
        abort(400, description="Only chats go back to the assistant.")
    try:
        backends.resume_conversation(settings_of(current_app), e.conversation_id)
    except backends.BackendUnavailable as exc:
        audit.record(db(), "hand_back_failed", agent=g.agent, escalation_id=e.id, error=str(exc))
        db().commit()
        return done("Az asszisztens most nem érhető el; próbálja újra, vagy zárja le az ügyet.", e.id, 503)
    escalations.finish(db(), e, g.agent, status="handed_back", outcome="handed_back", kind="handed_back")
    return done("Visszaadva az asszisztensnek.", e.id)


@bp.post("/escalations/<escalation_id>/callback-done")
@auth.login_required
def callback_done(escalation_id: str):
    e = load(escalation_id)
    if e.status != "callback":
        abort(409, description="Not a call-back ticket.")
    ok = escalations.finish(db(), e, g.agent, status="closed", outcome=request.form.get("outcome") or "called_back",
                            kind="callback_done")
    return done("Visszahívás kész." if ok else "Már lezárták.", e.id, 200 if ok else 409)


@bp.get("/search")
@auth.login_required
def search():
    text = request.args.get("reference", "")
    found = escalations.find_by_reference(db(), text)
    audit.record(db(), "search", agent=g.agent, query=text[:32], found=bool(found))
    db().commit()
    if found is None:
        flash("Nincs ilyen ügyszám.", "error")
        return redirect(url_for("agents_console.queue"))
    return redirect(url_for("agents_console.escalation", escalation_id=found.id))


# --- statistics --------------------------------------------------------------------------------

@bp.get("/stats")
@auth.supervisor_required
def statistics():
    days = request.args.get("days", "7")
    s = stats.compute(db(), days=int(days) if days.isdigit() and 0 < int(days) <= 366 else 7)
    audit.record(db(), "stats_viewed", agent=g.agent)
    db().commit()
    return render_template("agents/stats.html", s=s, charts=charts, hours=[f"{h:02d}" for h in range(24)],
                           mistakes=[(f"{rule} {name}", n) for rule, name, n in s.mistakes])


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

"""The agent console at /agents/: login, the live queue of chat and phone escalations, a claimed
case (reply, canned answers, new code, close, hand back), phone call-backs, search, statistics.
The operations are use cases (agents/casework.py); views map their results to pages or JSON, in
the agent's language (agents/texts.py)."""
from __future__ import annotations

import secrets
from datetime import date, datetime, time as time_of_day, timedelta

from flask import (Blueprint, Flask, abort, current_app, flash, g, jsonify, make_response, redirect,
                   render_template, request, url_for)
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.exceptions import BadRequest, Conflict

from agents import (accounts, assist, audit, auth, live, casework, charts, chat, escalations, figures, rasa_api, routing,
                    sessions, stats, texts, throttle)
from agents.client import client_address
from agents.canned import canned_for
from agents.models import OPEN_STATUSES, AgentAccount, Escalation, RoutingOffer
from gateway import credentials_of, sessions_of, settings_of
from kernel.clock import as_utc, utcnow
from kernel.fields import ascii_number
from kernel.hours import describe

bp = Blueprint("agents_console", __name__, url_prefix="/agents", template_folder="templates",
               static_folder="static", static_url_path="/static")

# The texts the console's script shows itself (agents/static/console.js).
SCRIPT_TEXTS = ("status_", "call_", "who_", "kind_", "channel_", "claim_button", "open_link", "queue_empty",
                "queue_waiting_count", "error_generic", "offer_", "queue_unrouted", "queue_offered_to")


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


bp.add_app_template_global(texts.text, "t")


@bp.app_template_global()
def script_texts() -> dict[str, str]:
    return texts.script_texts(SCRIPT_TEXTS)


@bp.app_template_global()
def console_language() -> str:
    return texts.agent_language()


@bp.app_template_global()
def csrf_field():
    return Markup(f'<input type="hidden" name="csrf_token" value="{auth.csrf_token()}">')


@bp.app_template_global()
def send_key_field():
    """A reply form's idempotency key (agents/chat.py ``send_key``): new with every page, so each
    message typed into it is one send; console.js keeps it while a failed send of the same text is
    sent again and draws a new one after a success or an edit. Random, not secret: it names the send."""
    return Markup(f'<input type="hidden" name="send_key" value="{secrets.token_hex(16)}">')


@bp.app_template_filter("wait")
def wait_filter(since: datetime | None) -> str:
    if since is None:
        return ""
    seconds = int((utcnow() - as_utc(since)).total_seconds())
    if seconds >= 60:
        return texts.text("wait_minutes", minutes=seconds // 60, seconds=f"{seconds % 60:02d}")
    return texts.text("wait_seconds", seconds=seconds)


@bp.app_template_filter("display")
def display_filter(text: str) -> str:
    return chat.display_text(text or "")


# --- login -------------------------------------------------------------------------------------

@bp.route("/login", methods=["GET", "POST"])
def login():
    error, status = None, 200
    if request.method == "POST":
        username = request.form.get("username", "")
        keys = throttle.Keys.of(settings_of(current_app).secret_key, username, client_address())
        wait = throttle.wait_seconds(db(), keys)
        account = None
        if wait:
            # refused before the password is checked; the same words whatever the name
            audit.record(db(), "login_throttled", actor="anonymous")
            db().commit()
            error, status = texts.text("login_throttled", seconds=wait), 429
        else:
            account = accounts.authenticate(db(), username, request.form.get("password", ""))
            if account is None:
                # same words for a wrong name and a wrong password
                throttle.failed(db(), keys)
                audit.record(db(), "login_failed", actor="anonymous")
                db().commit()
                error, status = texts.text("login_failed"), 401
        if account is not None:
            throttle.succeeded(db(), keys)
            auth.log_in(db(), account, keep=(texts.SESSION_KEY,))
            audit.record(db(), "login", agent=account)
            db().commit()
            target = request.args.get("next", "")
            return redirect(target if target.startswith("/agents/") else url_for("agents_console.queue"))
    response = current_app.make_response((render_template("agents/login.html", error=error,
                                                          idle=request.args.get("idle")), status))
    if status == 429:
        response.headers["Retry-After"] = str(wait)
    return response


@bp.post("/logout")
@auth.login_required
def logout():
    audit.record(db(), "logout", agent=g.agent)
    db().commit()
    routing.withdraw_agent(db(), g.agent)
    auth.log_out(db())
    return redirect(url_for("agents_console.login"))


# --- console sessions (supervisors) ------------------------------------------------------------

@bp.get("/sessions")
@auth.supervisor_required
def console_sessions():
    rows = sessions.live_sessions(db())
    return render_template("agents/sessions.html", rows=rows,
                           agents=list(db().scalars(select(AgentAccount).order_by(AgentAccount.username))))


@bp.post("/accounts/<int:agent_id>/revoke-sessions")
@auth.supervisor_required
def revoke_sessions(agent_id: int):
    account = db().get(AgentAccount, agent_id)
    if account is None:
        abort(404, description="No such agent.")
    count = sessions.revoke_agent(db(), account.id, "supervisor")
    audit.record(db(), "sessions_revoked", agent=g.agent, target=account.username, count=count)
    db().commit()
    if request.accept_mimetypes.best == "application/json":
        return jsonify(revoked=count)
    flash(texts.text("sessions_revoked", name=account.display_name, count=count), "info")
    return redirect(url_for("agents_console.console_sessions"))


# --- data subjects' requests (supervisors): erase one phone number's or username's conversations ---

@bp.get("/privacy")
@auth.supervisor_required
def privacy():
    return render_template("agents/privacy.html", found=None, kind="phone", value="")


@bp.post("/privacy/erase")
@auth.supervisor_required
def privacy_erase():
    """``step=find`` counts what one subject's erasure would delete; ``step=erase`` (with ``confirm``)
    deletes it in every store. The audit entry names kinds and counts only (agents/retention.py)."""
    from agents import retention

    kind = request.form.get("kind", "")
    value = (request.form.get("value") or "").strip()[:64]
    step = request.form.get("step", "find")
    if kind not in ("phone", "username") or not value or step not in ("find", "erase"):
        flash(texts.text("privacy_bad_request"), "error")
        return render_template("agents/privacy.html", found=None, kind=kind or "phone", value=""), 400
    erase = step == "erase" and request.form.get("confirm") == "yes"
    subject = {"phone": value} if kind == "phone" else {"username": value}
    try:
        report = retention.erase_subject(db(), retention.RetentionSettings.from_env(config=current_app.config),
                                         settings_of(current_app).secret_key, actor=g.agent.username,
                                         dry_run=not erase, **subject)
    except ValueError:
        flash(texts.text("privacy_bad_request"), "error")
        return render_template("agents/privacy.html", found=None, kind=kind, value=""), 400
    if erase:
        flash(texts.text("privacy_erased", count=report.total), "info")
        return render_template("agents/privacy.html", found=None, erased=report.counts, kind=kind, value="")
    return render_template("agents/privacy.html", found=report.counts, kind=kind, value=value)


# --- queue -------------------------------------------------------------------------------------

def open_escalations() -> list[Escalation]:
    return list(db().scalars(select(Escalation).where(Escalation.status.in_(OPEN_STATUSES))
                             .order_by(Escalation.created_at)))


def phone_states(items: list[Escalation]) -> dict[str, str]:
    """The call state of each phone case, from the events the phone line recorded on it."""
    return escalations.call_states(db(), [e.id for e in items if e.channel == "phone"])


def queue_item(e: Escalation, positions: dict[str, int], calls: dict[str, str] | None = None,
               offers: dict[str, int] | None = None, names: dict[int, str] | None = None) -> dict:
    offered_to = (offers or {}).get(e.id)
    return {
        "call": (calls or {}).get(e.id) if e.channel == "phone" else None,
        "id": e.id, "reference": e.reference, "channel": e.channel, "language": e.language,
        "reason": e.reason, "tried": e.tried, "status": e.status,
        "claimed_by": e.claimed_by.display_name if e.claimed_by else (texts.text("claimed_by_phone") if e.status == "claimed" else None),
        "mine": e.claimed_by_id == g.agent.id,
        "waiting_seconds": int((utcnow() - as_utc(e.created_at)).total_seconds()),
        "position": positions.get(e.id), "caller": e.caller_number_masked,
        "has_recording": bool(e.recording_url),
        "offered_to": (names or {}).get(offered_to) if offered_to is not None else None,
        "unrouted": routing.unrouted(e, routing_settings()),
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


def routing_settings() -> routing.RoutingSettings:
    return routing.RoutingSettings.of(current_app.config)


def offer_of_agent() -> dict | None:
    """The case offered to the current agent now, as the console shows it (None: no offer)."""
    offer = routing.standing_offer(db(), g.agent)
    if offer is None:
        return None
    e = db().get(Escalation, offer.escalation_id)
    return {"id": offer.id, "reference": e.reference, "channel": e.channel, "language": e.language,
            "reason": e.reason, "tried": e.tried,
            "expires_in_s": max(0, int((as_utc(offer.expires_at) - utcnow()).total_seconds())),
            "accept_url": url_for("agents_console.accept_offer", offer_id=offer.id),
            "pass_url": url_for("agents_console.pass_offer", offer_id=offer.id)}


def queue_view() -> tuple[list[dict], dict | None]:
    """Routing moves on (offers expire, the next agent is offered), then the open cases and the offer."""
    routing.route(db(), routing_settings())
    items = open_escalations()
    positions, calls = positions_of(items), phone_states(items)
    offers = routing.standing_offers(db())
    names = {a.id: a.display_name for a in db().scalars(select(AgentAccount).where(AgentAccount.id.in_(set(offers.values()))))} if offers else {}
    return [queue_item(e, positions, calls, offers, names) for e in items], offer_of_agent()


@bp.get("/")
@auth.login_required
def queue():
    items, offer = queue_view()
    return render_template("agents/queue.html", items=items, offer=offer)


@bp.get("/queue.json")
@auth.login_required
def queue_json():
    items, offer = queue_view()
    return jsonify(items=items, offer=offer)


@bp.get("/offer.json")
@auth.login_required
def offer_json():
    """The case offered to the current agent, for the console's other pages (the queue page has it
    in ``queue.json``)."""
    routing.route(db(), routing_settings())
    return jsonify(offer=offer_of_agent())


@bp.post("/escalations/<escalation_id>/claim")
@auth.login_required
def claim(escalation_id: str):
    e = load(escalation_id)
    result = (casework.claim_callback if e.status == "callback" else casework.claim)(db(), e, g.agent)
    url = url_for("agents_console.escalation", escalation_id=escalation_id)
    if request.accept_mimetypes.best == "application/json":
        if result.ok:
            return jsonify(status="claimed", url=url)
        return jsonify(message=texts.text(result.key), **result.extra), result.status
    if not result.ok:
        flash(texts.text(result.key), "error")
        return redirect(url_for("agents_console.queue"))
    return redirect(url)


# --- routing: an offered case is accepted or passed --------------------------------------------

def _offer_answer(ok: bool, key: str, status: int, url: str | None = None):
    if request.accept_mimetypes.best == "application/json":
        body = {"message": texts.text(key)} | ({"url": url} if url else {}) | ({} if ok else {"error": key})
        return jsonify(body), status
    flash(texts.text(key), "info" if ok else "error")
    return redirect(url or url_for("agents_console.queue"))


@bp.post("/offers/<int:offer_id>/accept")
@auth.login_required
def accept_offer(offer_id: int):
    """The case offered is the agent's (one guarded claim, as from the queue); 409 if it is gone."""
    try:
        won = routing.accept(db(), offer_id, g.agent)
    except routing.OfferGone:
        return _offer_answer(False, "offer_gone", 409)
    if not won:
        return _offer_answer(False, "already_claimed", 409)
    escalation_id = db().get(RoutingOffer, offer_id).escalation_id
    return _offer_answer(True, "claimed", 200, url_for("agents_console.escalation", escalation_id=escalation_id))


@bp.post("/offers/<int:offer_id>/pass")
@auth.login_required
def pass_offer(offer_id: int):
    """The agent passes: the case is offered to the next available agent."""
    try:
        routing.pass_offer(db(), offer_id, g.agent, routing_settings())
    except routing.OfferGone:
        return _offer_answer(False, "offer_gone", 409)
    return _offer_answer(True, "offer_passed", 200)


# --- the team: languages and channels each agent takes (supervisors) ---------------------------

@bp.get("/team")
@auth.supervisor_required
def team():
    agents = list(db().scalars(select(AgentAccount).where(AgentAccount.active.is_(True)).order_by(AgentAccount.display_name)))
    return render_template("agents/team.html", agents=agents, languages=accounts.SKILL_LANGUAGES,
                           channels=accounts.SKILL_CHANNELS)


@bp.post("/team/<int:agent_id>")
@auth.supervisor_required
def team_update(agent_id: int):
    """A supervisor sets the languages and channels an agent takes (at least one of each)."""
    account = db().get(AgentAccount, agent_id)
    if account is None or not account.active:
        abort(404, description="No such agent.")
    languages = [x for x in request.form.getlist("languages") if x in accounts.SKILL_LANGUAGES]
    channels = [x for x in request.form.getlist("channels") if x in accounts.SKILL_CHANNELS]
    try:
        accounts.set_skills(account, languages, channels)
    except accounts.AccountError:
        if request.accept_mimetypes.best == "application/json":
            return jsonify(error="skills_missing", message=texts.text("team_skills_missing")), 400
        flash(texts.text("team_skills_missing"), "error")
        return redirect(url_for("agents_console.team")), 303
    audit.record(db(), "skills_set", agent=g.agent, target=account.username, languages=account.languages,
                 channels=account.channels)
    db().commit()
    routing.route(db(), routing_settings())
    if request.accept_mimetypes.best == "application/json":
        return jsonify(languages=languages, channels=channels)
    flash(texts.text("team_saved", name=account.display_name), "info")
    return redirect(url_for("agents_console.team"))


# --- one escalation ----------------------------------------------------------------------------

def load(escalation_id: str) -> Escalation:
    escalation = db().get(Escalation, escalation_id)
    if escalation is None:
        abort(404, description="No such escalation.")
    return escalation


@bp.get("/escalations/<escalation_id>")
@auth.login_required
def escalation(escalation_id: str):
    return case_page(load(escalation_id))


def case_page(e: Escalation, typed: dict[str, str] | None = None) -> str:
    """The case page; ``typed``: what the agent typed into the phone new-code form, filled in again."""
    audit.record(db(), "view", agent=g.agent, escalation_id=e.id)
    db().commit()
    mine = e.claimed_by_id == g.agent.id and e.status == "claimed"
    messages = chat.messages_after(db(), e.id)
    names = {a.id: a.display_name for a in db().scalars(select(AgentAccount))}
    return render_template(
        "agents/escalation.html", e=e, mine=mine, position=escalations.queue_position(db(), e),
        messages=[chat.message_json(m, names.get(m.agent_id)) for m in messages],
        canned=canned_for(e.language), suggested=assist.suggestions(db(), e) if e.is_open else [],
        outcomes=casework.OUTCOMES, callback_outcomes=casework.CALLBACK_OUTCOMES,
        may_finish_callback=e.status == "callback" and (e.claimed_by_id == g.agent.id or g.agent.is_supervisor),
        verified=bool((e.diagnosis or {}).get("verified")),
        typed=typed or {},
    )


@bp.get("/escalations/<escalation_id>/messages.json")
@auth.login_required
def messages_json(escalation_id: str):
    e = load(escalation_id)
    after = request.args.get("after", "0")
    names = {a.id: a.display_name for a in db().scalars(select(AgentAccount))}
    items = chat.messages_after(db(), e.id, chat.after_id(after))
    return jsonify(status=e.status, messages=[chat.message_json(m, names.get(m.agent_id)) for m in items])


def done(result: casework.CaseResult, escalation_id: str):
    """The one mapping of an operation's result to an answer: JSON for the script, else flash + redirect."""
    message = texts.text(result.key, **result.params)
    if request.accept_mimetypes.best == "application/json":
        if result.ok:
            return jsonify(message=message, **result.extra), result.status
        return jsonify(message=message, **{"error": result.key, **result.extra}), result.status
    flash(message, "info" if result.ok else "error")
    return redirect(url_for("agents_console.escalation", escalation_id=escalation_id))


def mine(escalation_id: str) -> Escalation:
    """The case, if the current agent holds it (else 403, audited)."""
    e = load(escalation_id)
    try:
        casework.require_mine(db(), e, g.agent, request.endpoint)
    except casework.NotYours:
        abort(403, description="This case is not claimed by you.")
    return e


def resume(conversation_id: str) -> None:
    rasa_api.resume_conversation(settings_of(current_app), conversation_id)


@bp.errorhandler(casework.WrongChannel)
def wrong_channel(exc: casework.WrongChannel):
    return current_app.handle_http_exception(BadRequest(description=str(exc)))


@bp.errorhandler(casework.NotACallback)
def not_a_callback(exc: casework.NotACallback):
    return current_app.handle_http_exception(Conflict(description=str(exc)))


@bp.post("/escalations/<escalation_id>/reply")
@auth.login_required
def reply(escalation_id: str):
    e = mine(escalation_id)
    result = casework.reply(db(), e, g.agent, request.form.get("text") or "", request.form.get("canned") or None,
                            request.form.get("send_key"))
    return done(result, e.id)


@bp.post("/escalations/<escalation_id>/new-code")
@auth.login_required
def new_code(escalation_id: str):
    e = mine(escalation_id)
    username, email = request.form.get("username") or "", request.form.get("email") or ""
    result = casework.send_new_code(db(), e, g.agent, username, email, credentials_of(current_app))
    if result.ok or e.channel != "phone" or request.accept_mimetypes.best == "application/json":
        return done(result, e.id)
    # Not done (the backend unreachable, a field missing or refused): the case page again, answering
    # this request, with the caller's username and address as the agent typed them, so that the agent
    # retries without asking again. Nothing keeps them: not the session, not a log, not the browser's cache.
    flash(texts.text(result.key, **result.params), "error")
    page = make_response(case_page(e, typed={"username": username[:256], "email": email[:256]}), result.status)
    page.headers["Cache-Control"] = "no-store"
    return page


@bp.post("/escalations/<escalation_id>/close")
@auth.login_required
def close(escalation_id: str):
    e = mine(escalation_id)
    return done(casework.close(db(), e, g.agent, request.form.get("outcome", ""), resume), e.id)


@bp.post("/escalations/<escalation_id>/hand-back")
@auth.login_required
def hand_back(escalation_id: str):
    e = mine(escalation_id)
    return done(casework.hand_back(db(), e, g.agent, resume), e.id)


@bp.post("/escalations/<escalation_id>/callback-done")
@auth.login_required
def callback_done(escalation_id: str):
    e = load(escalation_id)
    try:
        result = casework.callback_done(db(), e, g.agent, request.form.get("outcome"))
    except casework.NotYours:
        abort(403, description="This call-back is not claimed by you.")
    return done(result, e.id)


@bp.get("/search")
@auth.login_required
def search():
    text = request.args.get("reference", "")
    found = escalations.find_by_reference(db(), text)
    audit.record(db(), "search", agent=g.agent, query=text[:32], found=bool(found))
    db().commit()
    if found is None:
        flash(texts.text("reference_not_found"), "error")
        return redirect(url_for("agents_console.queue"))
    return redirect(url_for("agents_console.escalation", escalation_id=found.id))


# --- statistics --------------------------------------------------------------------------------

# The dates a period may span: past them the local midnights around it cannot be computed
# (year 1 in Budapest time is before datetime.min in UTC; 9999-12-31 has no next day).
PERIOD_DATES = (date(2000, 1, 1), date(9998, 12, 31))


def chosen_period() -> tuple[date, date]:
    """The period the supervisor chose: ``from``/``to`` (local dates, both included), else the last
    ``days`` days up to today (default 7); a bad value falls back to the default, at most 366 days."""
    today = utcnow().astimezone(stats.LOCAL_TIME).date()
    days_n = ascii_number(request.args.get("days", "7"), 3)
    days_n = days_n if days_n is not None and 0 < days_n <= 366 else 7
    start, end = today - timedelta(days=days_n - 1), today
    try:
        if request.args.get("to"):
            end = date.fromisoformat(request.args["to"])
        if request.args.get("from"):
            start = date.fromisoformat(request.args["from"])
        elif request.args.get("to"):
            start = end - timedelta(days=days_n - 1)
    except (ValueError, OverflowError):  # not a date; or 'to' so early that the period starts before year 1
        start, end = today - timedelta(days=days_n - 1), today
    if start > end or (end - start).days > 365 or not PERIOD_DATES[0] <= start <= end <= PERIOD_DATES[1]:
        start, end = today - timedelta(days=days_n - 1), today
    return start, end


def period_report() -> tuple[date, date, figures.Report]:
    start, end = chosen_period()
    since = datetime.combine(start, time_of_day.min, tzinfo=stats.LOCAL_TIME)
    until = datetime.combine(end + timedelta(days=1), time_of_day.min, tzinfo=stats.LOCAL_TIME)
    return start, end, figures.report(db(), since, until)


def group_label(dimension: str, name: str) -> str:
    """A group's name as the supervisor reads it (channel and language in the console's language)."""
    if dimension == "channel":
        return texts.text(f"channel_{name}")
    if dimension == "language" and name in ("hu", "en"):
        return texts.text("language_name", name)
    return name


def chart_data(rep: figures.Report) -> dict:
    """The series of the statistics page's charts."""
    days = list(rep.by_day)

    def rates(groups: dict[str, figures.Figures], attr: str, base: str, dimension: str = "") -> list:
        return [(group_label(dimension, name), getattr(f, attr), getattr(f, base)) for name, f in groups.items()]

    return {
        "day_labels": [d[5:] for d in days],
        "day_conversations": [rep.by_day[d].conversations for d in days],
        "day_escalated": [rep.by_day[d].escalated for d in days],
        "day_containment": [(d[5:], f.containment_rate, f.decided) for d, f in rep.by_day.items()],
        "day_csat": [(d[5:], f.csat, f.ratings) for d, f in rep.by_day.items()],
        "mistake_containment": rates(rep.by_mistake, "containment_rate", "decided"),
        "mistake_csat": rates(rep.by_mistake, "csat", "ratings"),
        "channel_csat": rates(rep.by_channel, "csat", "ratings", "channel"),
    }


@bp.get("/stats")
@auth.supervisor_required
def statistics():
    start, end, rep = period_report()
    s = stats.compute(db(), since=rep.since, until=rep.until)
    audit.record(db(), "stats_viewed", agent=g.agent)
    db().commit()
    return render_template("agents/stats.html", s=s, r=rep, start=start, end=end, charts=charts, chart=chart_data(rep),
                           group_label=group_label,
                           hours=[f"{h:02d}" for h in range(24)],
                           mistakes=[(f"{rule} {name}", n) for rule, name, n in s.mistakes])


@bp.get("/stats.csv")
@auth.supervisor_required
def statistics_csv():
    start, end, rep = period_report()
    audit.record(db(), "stats_exported", agent=g.agent, period=f"{start}..{end}")
    db().commit()
    response = current_app.response_class(figures.as_csv(rep), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="helpdesk-figures-{start}-{end}.csv"'
    return response


# --- the supervisor's live view ---------------------------------------------------------------

def live_snapshot() -> live.Snapshot:
    routing.route(db(), routing_settings())
    return live.snapshot(db(), int(current_app.config.get("AGENTS_WAIT_ALERT_S", 120)),
                         routing_s=routing_settings().routing_seconds)


@bp.get("/live")
@auth.supervisor_required
def live_view():
    """Agents' status, the lines, late cases, today's CSAT and containment; the script refreshes
    the ``#live`` part every 3 s from ``?part=1`` (the same template, no page around it)."""
    snap = live_snapshot()
    hours = working_hours()
    if request.args.get("part") == "1":
        return render_template("agents/live_part.html", v=snap, **hours)
    return render_template("agents/live.html", v=snap, **hours)


def working_hours() -> dict:
    """Whether people answer now (kernel.hours, the rule the assistant and the phone line follow) and,
    if not, when they are back, in the agent's language: the live view's first line."""
    status = current_app.config["AGENTS_WORKING_HOURS"].status(utcnow())
    back = describe(status.back_at, status.at, texts.agent_language()) if status.back_at is not None else "–"
    return {"hours": status, "hours_back": back}


@bp.get("/live.json")
@auth.supervisor_required
def live_json():
    snap = live_snapshot()
    return jsonify(
        agents=[{"name": a.name, "state": a.state, "open_cases": a.open_cases} for a in snap.agents],
        lines=[{"channel": ln.channel, "language": ln.language, "waiting": ln.waiting,
                "longest_wait_s": ln.longest_wait_s, "over_threshold": ln.over_threshold} for ln in snap.lines],
        late=[{"reference": c.reference, "channel": c.channel, "language": c.language, "waiting_s": c.waiting_s}
              for c in snap.late],
        threshold_s=snap.threshold_s,
        unrouted=[{"reference": c.reference, "channel": c.channel, "language": c.language, "waiting_s": c.waiting_s}
                  for c in snap.unrouted],
        today={"conversations": snap.today.conversations, "csat": snap.today.csat, "ratings": snap.today.ratings,
               "contained_so_far": snap.today.contained_so_far_rate, "containment": snap.today.containment_rate},
        working_hours=_hours_json())


def _hours_json() -> dict:
    status = working_hours()["hours"]
    return {"open": status.open, "back_at": status.back_at.isoformat() if status.back_at is not None else None}


@bp.post("/presence")
@auth.login_required
def presence():
    """The agent sets their own status (available / busy / away)."""
    if not live.set_presence(db(), g.agent, request.form.get("presence", "")):
        abort(400, description="Unknown status.")
    if g.agent.presence != "available":
        routing.withdraw_agent(db(), g.agent)
    routing.route(db(), routing_settings())
    if request.accept_mimetypes.best == "application/json":
        return jsonify(presence=g.agent.presence)
    target = request.form.get("next", "")
    return redirect(target if target.startswith("/agents/") else url_for("agents_console.queue"))


@bp.post("/language")
def language():
    """The agent chooses the console's language (kept for this console session)."""
    texts.choose_language(request.form.get("language", ""))
    target = request.form.get("next", "")
    return redirect(target if target.startswith("/agents/") else url_for("agents_console.queue"))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

"""Chat relay of an escalated web chat (bot contract, Addendum). While an agent has the conversation
the widget talks to the gateway instead of Rasa:

  POST /api/v1/chat/<conversation_id>/messages   {"text", "client_message_id"}  → 201 / 200 (resent)
  GET  /api/v1/chat/<conversation_id>/events     SSE: state, agent messages, agent joined, handed back
  POST /api/v1/chat/<conversation_id>/new-code   {"username", "email"} when the agent asked for it

Each call carries ``Authorization: Bearer <chat_token>``: an expiry and an HMAC over it and the
escalation id that only the widget of that conversation received (handoff payload). The token must
belong to an escalation of the conversation in the URL, so neither a stranger nor another escalated
user can read or post; it stops working at its expiry (AGENTS_CHAT_TOKEN_HOURS after the
escalation) and once the case has been closed or handed back for longer than a short grace period
(AGENTS_RELAY_GRACE_SECONDS: the widget still reads the last messages and the "closed" event).
Event streams are limited per escalation, per client and in all (agents/streams.py): beyond, 429."""
from __future__ import annotations

import json
import time

from flask import Blueprint, Flask, Response, current_app, jsonify, request, stream_with_context
from sqlalchemy import select

from agents import audit, chat, escalations, waits
from agents.api import contract_error_answer, json_body
from agents.client import client_address
from agents.models import AgentAccount, Escalation
from agents.notify import changes, escalation_topic
from agents.service_auth import bearer_token
from agents.streams import Limits, StreamSlots
from gateway import credentials_of, sessions_of, settings_of
from kernel.clock import as_utc, utcnow
from kernel.contracts import ContractError, NewCodeRequest, Rejected, Unavailable
from kernel.privacy import mask_email

bp = Blueprint("agents_relay", __name__, url_prefix="/api/v1/chat")

STREAM_SECONDS = 55.0   # then the widget reconnects with the last id: a thread is never held for long
KEEPALIVE_SECONDS = 15.0
WIDGET_KINDS = ("message", "agent_joined", "handed_back", "closed", "new_code_form", "new_code_requested")
RELAY_GRACE_S = 120


@bp.errorhandler(ContractError)
def invalid_request(exc: ContractError):
    response, status = contract_error_answer(exc)
    return _cors(response), status


def _cors(response: Response) -> Response:
    # The widget may be embedded on another site; it authenticates with a bearer token, never a cookie.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type, Last-Event-ID"
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response.headers["Access-Control-Max-Age"] = "600"
    return response


@bp.after_request
def cors(response: Response) -> Response:
    return _cors(response)


def authorised_escalation(session, conversation_id: str) -> Escalation | None:
    """The escalation of this conversation whose (unexpired) token the caller presents, newest first;
    None too when the case ended longer than the grace period ago."""
    presented = bearer_token()
    if not presented:
        return None
    secret = settings_of(current_app).secret_key
    candidates = session.scalars(select(Escalation).where(Escalation.conversation_id == conversation_id,
                                                          Escalation.channel == "chat")
                                 .order_by(Escalation.created_at.desc()).limit(20))
    for escalation in candidates:
        if escalations.chat_token_valid(secret, escalation.id, presented):
            return escalation if _still_relayed(escalation) else None
    return None


def _still_relayed(escalation: Escalation) -> bool:
    if escalation.is_open:
        return True
    ended = as_utc(escalation.closed_at or escalation.updated_at)
    grace = current_app.config.get("AGENTS_RELAY_GRACE_S", RELAY_GRACE_S)
    return ended is not None and (utcnow() - ended).total_seconds() <= grace


def forbidden():
    # The same answer for an unknown conversation and a wrong token: nothing to probe.
    return jsonify(error="forbidden", message="This chat is not yours or is no longer with an agent."), 403


@bp.post("/<conversation_id>/messages")
def post_message(conversation_id: str):
    with sessions_of(current_app)() as session:
        escalation = authorised_escalation(session, conversation_id)
        if escalation is None:
            return forbidden()
        body = json_body()
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text.strip():
            raise ContractError("'text' must be a non-empty string.", "text")
        if len(text) > chat.MAX_MESSAGE:
            raise ContractError(f"'text' may be at most {chat.MAX_MESSAGE} characters.", "text")
        client_id = body.get("client_message_id")
        if client_id is not None and (not isinstance(client_id, str) or not 0 < len(client_id) <= 64):
            raise ContractError("'client_message_id' must be 1-64 characters.", "client_message_id")
        try:
            message, created = chat.post_user_message(session, escalation, text.strip(), client_id)
        except chat.ChatClosed:
            return jsonify(error="escalation_closed", status=escalation.status,
                           message="The agent has ended this conversation; you are talking to the assistant again."), 409
        return jsonify(chat.message_json(message) | {"client_message_id": client_id}), 201 if created else 200


@bp.post("/<conversation_id>/new-code")
def new_code(conversation_id: str):
    """The user fills in username and e-mail in the widget; the agent never sees them (S5, S8)."""
    with sessions_of(current_app)() as session:
        escalation = authorised_escalation(session, conversation_id)
        if escalation is None:
            return forbidden()
        if escalation.status != "claimed":
            return jsonify(error="escalation_closed", status=escalation.status, message="No agent has this chat."), 409
        body = json_body()
        username = body.get("username") if isinstance(body, dict) else None
        email = body.get("email") if isinstance(body, dict) else None
        if not isinstance(username, str) or not 0 < len(username.strip()) <= 64:
            raise ContractError("'username' is required.", "username")
        if not isinstance(email, str) or "@" not in email or len(email) > 254:
            raise ContractError("'email' must be an e-mail address.", "email")
        asked = NewCodeRequest(username=username.strip(), email=email.strip(), channel="agent",
                               source=f"agent-chat:{escalation.reference}")
        try:
            credentials_of(current_app).request_new_code(asked)
        except Unavailable:
            return jsonify(error="backend_unavailable",
                           message="The service is not available right now; please try again shortly."), 503
        except Rejected as exc:
            field = exc.field or "request"
            raise ContractError(f"'{field}' is not valid.", field) from None
        audit.record(session, "new_code_requested", actor="user", escalation_id=escalation.id,
                     email=mask_email(email), via="widget")
        chat.add_event(session, escalation, "new_code_requested")
        return jsonify(status="accepted"), 202


@bp.get("/<conversation_id>/wait")
def wait(conversation_id: str):
    """While the chat waits for an agent: its position and expected wait (agents/waits.py), which the
    widget shows and reads again every few seconds."""
    with sessions_of(current_app)() as session:
        escalation = authorised_escalation(session, conversation_id)
        if escalation is None:
            return forbidden()
        estimate = waits.for_case(session, escalation, waits.WaitSettings.of(current_app.config))
        response = jsonify(status=escalation.status, position=estimate.position, expected_wait_s=estimate.seconds)
        response.headers["Cache-Control"] = "no-store"
        return response


def stream_slots() -> StreamSlots:
    """This app's stream counters (one gateway process: one set)."""
    return current_app.extensions.setdefault("agents_stream_slots", StreamSlots())


def stream_limits() -> Limits:
    config = current_app.config
    return Limits(total=config.get("AGENTS_SSE_STREAMS", 8), per_escalation=config.get("AGENTS_SSE_PER_ESCALATION", 2),
                  per_client=config.get("AGENTS_SSE_PER_CLIENT", 2))


@bp.get("/<conversation_id>/events")
def events(conversation_id: str):
    sessions = sessions_of(current_app)
    with sessions() as session:
        escalation = authorised_escalation(session, conversation_id)
        if escalation is None:
            return forbidden()
        escalation_id = escalation.id
    slot = stream_slots().acquire(escalation_id, client_address(), stream_limits())
    if slot is None:
        response = jsonify(error="too_many_streams",
                           message="Too many open event streams; close another tab or try again shortly.")
        response.headers["Retry-After"] = "5"
        return response, 429
    after = chat.after_id(request.headers.get("Last-Event-ID") or request.args.get("after"))
    deadline = time.monotonic() + current_app.config.get("AGENTS_STREAM_SECONDS", STREAM_SECONDS)
    response = Response(stream_with_context(_stream(sessions, escalation_id, after, deadline, slot)),
                        mimetype="text/event-stream")
    response.call_on_close(slot.release)
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"
    return response


def _event(name: str, data: dict, event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _stream(sessions, escalation_id: str, after: int, deadline: float, slot):
    try:
        yield from _events(sessions, escalation_id, after, deadline)
    finally:
        slot.release()


def _events(sessions, escalation_id: str, after: int, deadline: float):
    topic = escalation_topic(escalation_id)
    yield "retry: 1000\n\n"
    first = True
    while True:
        seen = changes.current(topic)  # read before the query: a publish after it wakes us
        with sessions() as session:
            escalation = session.get(Escalation, escalation_id)
            batch = chat.messages_after(session, escalation_id, after)
            # only the agents this batch names: a wake-up of many streams must not read every account
            agent_ids = {m.agent_id for m in batch if m.agent_id is not None}
            names = {a.id: a.display_name for a in session.scalars(
                select(AgentAccount).where(AgentAccount.id.in_(agent_ids)))} if agent_ids else {}
            status, reference = escalation.status, escalation.reference
            agent = escalation.claimed_by.display_name if escalation.claimed_by else None
            position = escalations.queue_position(session, escalation)
            expected = (waits.for_case(session, escalation, waits.WaitSettings.of(current_app.config)).seconds
                        if first and status == "waiting" else None)
        if first:
            yield _event("state", {"status": status, "reference": reference, "agent": agent, "position": position,
                                   "expected_wait_s": expected})
            first = False
        for m in batch:
            after = m.id
            if m.kind in WIDGET_KINDS:
                data = chat.message_json(m, names.get(m.agent_id)) | {"client_message_id": m.client_message_id}
                yield _event(m.kind, data, m.id)
        if status in ("closed", "handed_back") and not batch:
            return
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        if changes.wait(topic, seen, min(KEEPALIVE_SECONDS, remaining)) == seen:
            yield ": keepalive\n\n"


def init_app(app: Flask) -> None:
    app.extensions["agents_stream_slots"] = StreamSlots()
    app.register_blueprint(bp)

"""Service API of the gateway (Bearer GATEWAY_SERVICE_TOKEN): escalations and conversation events.
Routes only map the service's outcomes and exceptions to HTTP answers."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import func, select

from agents import escalations, routing, stats, waits
from agents.models import Escalation
from agents.service_auth import service_token_required
from gateway import sessions_of, settings_of
from kernel.contracts import ContractError
from kernel.fields import CHANNELS, LANGUAGES
from kernel.privacy import keyed_digest

bp = Blueprint("agents_api", __name__, url_prefix="/api/v1")


def json_body():
    """The parsed JSON body, or ContractError(400) for anything that is not a JSON document."""
    if not request.is_json:
        raise ContractError("Send a JSON body with Content-Type: application/json.", status=400)
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the JSON decoder goes (found by the route fuzz)
        body = None
    if body is None:
        raise ContractError("The body is not valid JSON.", status=400)
    return body


def contract_error_answer(exc: ContractError):
    """A bad request as the JSON answer: 400 ``invalid_request`` or 422 ``validation_failed``, naming the field."""
    body = {"error": "invalid_request" if exc.status == 400 else "validation_failed", "message": exc.message}
    if exc.field:
        body["field"] = exc.field
    return jsonify(body), exc.status


bp.register_error_handler(ContractError, contract_error_answer)


def escalation_answer(escalation) -> dict:
    body = {"id": escalation.id, "reference": escalation.reference, "status": escalation.status}
    if escalation.channel == "chat":
        # The action server passes this to the widget in the handoff payload (chat relay credential).
        lifetime = escalations.chat_token_lifetime(
            escalation.created_at, current_app.config.get("AGENTS_CHAT_TOKEN_S", escalations.CHAT_TOKEN_S),
            current_app.config.get("AGENTS_WORKING_HOURS"))
        body["chat_token"] = escalations.chat_token(settings_of(current_app).secret_key, escalation, lifetime)
    return body


@bp.post("/escalations")
@service_token_required
def create_escalation():
    payload = json_body()
    with sessions_of(current_app)() as session:
        escalation, created = escalations.create_or_get_escalation(session, payload)
        answer = escalation_answer(escalation)
        if created:
            routing.route(session, routing.RoutingSettings.of(current_app.config))  # offered at once if someone is free
        return jsonify(answer), 201 if created else 200


@bp.get("/escalations/<reference>")
@service_token_required
def escalation_status(reference: str):
    with sessions_of(current_app)() as session:
        escalation = escalations.find_by_reference(session, reference)
        if escalation is None:
            return jsonify(error="not_found", message="No escalation with that reference."), 404
        position = escalations.queue_position(session, escalation)
        estimate = waits.for_case(session, escalation, waits.WaitSettings.of(current_app.config))
        return jsonify(escalations.as_status_json(escalation, position) | {
            "expected_wait_s": estimate.seconds, "agents_available": estimate.agents})


@bp.get("/waits")
@service_token_required
def expected_wait():
    """The expected wait of a case that would join a line now (``channel``, ``language``): what the
    assistant or the phone line can say before the case exists."""
    channel, language = request.args.get("channel", ""), request.args.get("language", "")
    if channel not in CHANNELS or language not in LANGUAGES:
        raise ContractError("'channel' must be chat or phone and 'language' hu or en.", "channel" if channel not in CHANNELS else "language")
    with sessions_of(current_app)() as session:
        ahead = session.scalar(select(func.count()).select_from(Escalation).where(
            Escalation.status == "waiting", Escalation.channel == channel, Escalation.language == language)) or 0
        estimate = waits.line_estimate(session, channel, language, int(ahead), waits.WaitSettings.of(current_app.config),
                                       position=int(ahead) + 1)
        return jsonify(estimate.as_json() | {"channel": channel, "language": language})


def account_contact_key(payload) -> str | None:
    """An optional ``account`` (the username the user gave) becomes a keyed digest at once: the
    statistics tell a repeat contact from the same account without ever storing the name."""
    account = payload.get("account") if isinstance(payload, dict) else None
    if account is None:
        return None
    if not isinstance(account, str) or not 0 < len(account.strip()) <= 64:
        raise ContractError("'account' must be a username of at most 64 characters.", "account")
    return keyed_digest(settings_of(current_app).secret_key, "contact-account", account.strip().casefold())


@bp.post("/conversation-events")
@service_token_required
def conversation_event():
    payload = json_body()
    with sessions_of(current_app)() as session:
        created = stats.record_conversation_event(session, payload, contact_key=account_contact_key(payload))
        return jsonify(status="recorded" if created else "already_recorded"), 201 if created else 200

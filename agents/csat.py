"""Satisfaction ratings (CSAT): one 1-5 rating per conversation, with an optional comment stored
redacted like every user text (kernel.privacy.redact_text: codes, passwords, addresses).

- The widget rates a chat at its end (the agent closed it, or the user ends a chat the bot solved):
  ``POST /api/v1/conversations/<conversation_id>/rating`` ``{"rating": 1-5, "comment": "...",
  "language": "hu|en"}``. A chat that had an escalation is rated with that case's chat token
  (``Authorization: Bearer``); a chat the bot handled alone is rated by whoever holds its session id
  (128 random bits the widget got from the channel) — and only if the assistant recorded the
  conversation (a ``started`` event), so nothing can be rated into the statistics from nowhere.
- The phone line records the key the caller pressed after the call (agents.phone_port.record_rating).
- ``POST /api/v1/conversations/<conversation_id>/leave`` (chat token): the user closed the chat while
  still waiting for an agent — the case is closed as ``user_left_waiting`` (abandonment).

The same conversation again answers 200 with the first rating unchanged (idempotent on
``channel:conversation_id``)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agents import audit, escalations
from agents.api import contract_error_answer, json_body
from agents.models import ConversationEvent, CsatRating, Escalation
from agents.service_auth import bearer_token
from gateway import sessions_of, settings_of
from kernel.contracts import ContractError
from kernel.fields import CHANNELS, LANGUAGES
from kernel.privacy import redact_text

MAX_COMMENT = 1000
RATINGS = (1, 2, 3, 4, 5)
ABANDONED_OUTCOMES = ("user_left_waiting", "caller_hung_up_waiting")

bp = Blueprint("agents_csat", __name__, url_prefix="/api/v1/conversations")


@dataclass(frozen=True)
class Recorded:
    rating: CsatRating
    created: bool


def conversation_key(channel: str, conversation_id: str) -> str:
    return f"{channel}:{conversation_id}"


def latest_escalation(session: Session, channel: str, conversation_id: str) -> Escalation | None:
    return session.scalar(select(Escalation).where(Escalation.channel == channel,
                                                   Escalation.conversation_id == conversation_id)
                          .order_by(Escalation.created_at.desc()).limit(1))


def record_rating(session: Session, *, channel: str, conversation_id: str, rating: object,
                  comment: object = "", language: object = None) -> Recorded:
    """Store the rating of one conversation once; a second call returns the first, unchanged.
    Raises ContractError naming the bad field."""
    if channel not in CHANNELS:
        raise ContractError("'channel' must be chat or phone.", "channel")
    if not isinstance(conversation_id, str) or not 0 < len(conversation_id) <= 128:
        raise ContractError("'conversation_id' must be 1-128 characters.", "conversation_id")
    if isinstance(rating, bool) or not isinstance(rating, int) or rating not in RATINGS:
        raise ContractError("'rating' must be a whole number from 1 to 5.", "rating")
    if comment is None:
        comment = ""
    if not isinstance(comment, str) or len(comment) > MAX_COMMENT:
        raise ContractError(f"'comment' must be text of at most {MAX_COMMENT} characters.", "comment")
    if language not in (None, "") and language not in LANGUAGES:
        raise ContractError(f"'language' must be one of {', '.join(LANGUAGES)}.", "language")
    key = conversation_key(channel, conversation_id)
    existing = session.scalar(select(CsatRating).where(CsatRating.conversation_key == key))
    if existing is not None:
        return Recorded(existing, False)
    escalation = latest_escalation(session, channel, conversation_id)
    row = CsatRating(conversation_key=key, conversation_id=conversation_id, channel=channel,
                     language=(language or (escalation.language if escalation else None)) or None,
                     rating=rating, comment=redact_text(comment.strip())[0],
                     escalation_id=escalation.id if escalation else None,
                     agent_id=escalation.claimed_by_id if escalation else None)
    session.add(row)
    try:
        session.flush()
        audit.record(session, "csat_recorded", actor=f"user:{channel}",
                     escalation_id=escalation.id if escalation else None, rating=rating)
        session.commit()
    except IntegrityError:  # the same conversation rated at the same moment: the first one stays
        session.rollback()
        return Recorded(session.scalar(select(CsatRating).where(CsatRating.conversation_key == key)), False)
    return Recorded(row, True)


def leave_waiting(session: Session, escalation: Escalation) -> bool:
    """The user closed the chat while waiting for an agent: the case ends as abandoned."""
    if escalation.status != "waiting":
        return False
    return escalations.finish(session, escalation, None, status="closed", outcome="user_left_waiting",
                              kind="closed", actor="user:chat")


# --- the widget's routes ------------------------------------------------------------------------

def _cors(response: Response) -> Response:
    # Embeddable on other sites; authenticated by a bearer token or the session id, never a cookie.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
    response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    response.headers["Access-Control-Max-Age"] = "600"
    return response


bp.after_request(_cors)


@bp.errorhandler(ContractError)
def invalid(exc: ContractError):
    return contract_error_answer(exc)


def _forbidden():
    # The same answer for an unknown conversation and a wrong token: nothing to probe.
    return jsonify(error="forbidden", message="This conversation cannot be rated from here."), 403


def _token_escalation(session: Session, conversation_id: str) -> Escalation | None:
    presented = bearer_token()
    if not presented:
        return None
    secret = settings_of(current_app).secret_key
    for escalation in session.scalars(select(Escalation).where(
            Escalation.channel == "chat", Escalation.conversation_id == conversation_id)
            .order_by(Escalation.created_at.desc()).limit(20)):
        if escalations.chat_token_valid(secret, escalation.id, presented):
            return escalation
    return None


def _may_rate(session: Session, conversation_id: str) -> bool:
    escalated = session.scalar(select(Escalation.id).where(Escalation.channel == "chat",
                                                           Escalation.conversation_id == conversation_id).limit(1))
    if escalated is not None:
        return _token_escalation(session, conversation_id) is not None
    started = session.scalar(select(ConversationEvent.id).where(
        ConversationEvent.channel == "chat", ConversationEvent.conversation_id == conversation_id,
        ConversationEvent.kind == "started").limit(1))
    return started is not None


@bp.route("/<conversation_id>/rating", methods=["POST", "OPTIONS"])
def rate(conversation_id: str):
    if request.method == "OPTIONS":
        return Response(status=204)
    body = json_body()
    if not isinstance(body, dict):
        raise ContractError("The body must be a JSON object.", status=400)
    with sessions_of(current_app)() as session:
        if len(conversation_id) > 128 or not _may_rate(session, conversation_id):
            return _forbidden()
        recorded = record_rating(session, channel="chat", conversation_id=conversation_id,
                                 rating=body.get("rating"), comment=body.get("comment", ""),
                                 language=body.get("language"))
        return (jsonify(status="recorded" if recorded.created else "already_recorded",
                        rating=recorded.rating.rating), 201 if recorded.created else 200)


@bp.route("/<conversation_id>/leave", methods=["POST", "OPTIONS"])
def leave(conversation_id: str):
    if request.method == "OPTIONS":
        return Response(status=204)
    with sessions_of(current_app)() as session:
        escalation = _token_escalation(session, conversation_id)
        if escalation is None:
            return _forbidden()
        left = leave_waiting(session, escalation)
        return jsonify(status="left" if left else escalation.status), 200


def init_app(app) -> None:
    app.register_blueprint(bp)

"""The escalation service: what the HTTP API, the phone line's port (agents/phone_port.py) and the
console's use cases call.

Functions take a SQLAlchemy session and commit their own work: an escalation the user was told
about must be durable before the answer leaves (one transaction per call)."""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agents import audit
from agents.models import OPEN_STATUSES, AgentAccount, AuditEntry, Escalation, EscalationMessage
from agents.notify import QUEUE, changes, escalation_topic
from agents.references import new_reference, normalise_reference
from kernel.clock import as_utc, utcnow
from kernel.contracts import EscalationRequest
from kernel.fields import ascii_number
from kernel.hours import WorkingHours
from kernel.privacy import mask_phone_number, redact_structure, redact_text

_REFERENCE_ATTEMPTS = 20


class EscalationNotFound(LookupError):
    """No escalation with that id or reference."""


def create_or_get_escalation(session: Session, payload: EscalationRequest | dict[str, Any]) -> tuple[Escalation, bool]:
    """Returns (escalation, created); raises ContractError for a bad payload. Retries and concurrent duplicates end in one row: the UNIQUE
    idempotency key decides, and the loser of a race reads the winner's row."""
    request = payload if isinstance(payload, EscalationRequest) else EscalationRequest.from_json(payload)
    request = _sanitised(request)
    existing = _by_idempotency_key(session, request.idempotency_key) or _open_case_of_the_chat(session, request)
    if existing is not None:
        return existing, False
    for _ in range(3):
        escalation = Escalation(
            reference=_unused_reference(session),
            idempotency_key=request.idempotency_key,
            channel=request.channel,
            conversation_id=request.conversation_id,
            language=request.language,
            reason=request.reason,
            transcript=[t.as_json() for t in request.transcript],
            tried=request.tried,
            diagnosis=request.diagnosis,
            caller_number_masked=request.caller_number_masked,
            status="waiting",
        )
        session.add(escalation)
        try:
            session.flush()
            audit.record(session, "escalation_created", actor=f"service:{request.channel}",
                         escalation_id=escalation.id, reference=escalation.reference, reason=request.reason)
            session.commit()
        except IntegrityError:
            session.rollback()
            existing = _by_idempotency_key(session, request.idempotency_key)
            if existing is not None:
                return existing, False
            continue  # a reference taken between the check and the insert: draw another
        changes.publish(QUEUE)
        return escalation, True
    raise RuntimeError("could not store the escalation")


def _sanitised(request: EscalationRequest) -> EscalationRequest:
    """Redact again, defensively: the transcript should arrive redacted, but nothing in clear is stored."""
    turns = [replace(t, text=redact_text(t.text)[0]) for t in request.transcript]
    return replace(
        request,
        transcript=turns,
        diagnosis=redact_structure(request.diagnosis) if request.diagnosis is not None else None,
        caller_number_masked=mask_phone_number(request.caller_number_masked),
    )


def _unused_reference(session: Session) -> str:
    for attempt in range(_REFERENCE_ATTEMPTS):
        # grow the reference only if the short space is crowded
        reference = new_reference(4 if attempt < _REFERENCE_ATTEMPTS // 2 else 5)
        if session.scalar(select(Escalation.id).where(Escalation.reference == reference)) is None:
            return reference
    raise RuntimeError("no free case reference")


def _open_case_of_the_chat(session: Session, request: EscalationRequest) -> Escalation | None:
    """A chat that asks for a person again while its earlier case is still open gets that case, not a
    second one: the user asks again when the answer to the first request was lost (the gateway hung
    or died after it stored the case, the action server gave up at its deadline), and that retry is a
    new turn with a new idempotency key (docs/RELIABILITY.md)."""
    if request.channel != "chat":
        return None
    return session.scalar(select(Escalation).where(
        Escalation.channel == "chat", Escalation.conversation_id == request.conversation_id,
        Escalation.status.in_(OPEN_STATUSES)).order_by(Escalation.created_at.desc()).limit(1))


def _by_idempotency_key(session: Session, key: str) -> Escalation | None:
    return session.scalar(select(Escalation).where(Escalation.idempotency_key == key))


def get(session: Session, escalation_id: str) -> Escalation:
    escalation = session.get(Escalation, escalation_id)
    if escalation is None:
        raise EscalationNotFound(escalation_id)
    return escalation


def find_by_reference(session: Session, text: str) -> Escalation | None:
    """The escalation a person quotes ("hd 7k3q" works too), or None."""
    reference = normalise_reference(text)
    if reference is None:
        return None
    return session.scalar(select(Escalation).where(Escalation.reference == reference))


CHAT_TOKEN_S = 8 * 3600
MAX_CHAT_TOKEN_S = 7 * 24 * 3600  # however far the next opening (a long closure, a mistyped rule)


def chat_token_lifetime(created_at: datetime, lifetime_s: int, hours: WorkingHours | None) -> int:
    """A chat case opened outside the agents' working hours (kernel.hours) is answered once people are
    back: its relay token lasts ``lifetime_s`` from the opening, not from the case (at most a week).
    Derived from the case's creation time alone, so a retried request still answers the same token."""
    if hours is None:
        return lifetime_s
    created = as_utc(created_at)
    status = hours.status(created)
    if status.open or status.back_at is None:
        return lifetime_s
    return int(min(MAX_CHAT_TOKEN_S, (status.back_at - created).total_seconds() + lifetime_s))


def chat_token(secret_key: str, escalation: Escalation, lifetime_s: int = CHAT_TOKEN_S) -> str:
    """The widget's credential for the chat relay of one escalation: ``<expiry>.<HMAC>``, the expiry
    (Unix seconds) counted from the escalation's creation and bound by the HMAC. Derived, so a retried
    escalation request answers the same token and nothing secret is stored."""
    expires = int(as_utc(escalation.created_at).timestamp()) + int(lifetime_s)
    return f"{expires}.{_chat_mac(secret_key, escalation.id, expires)}"


def _chat_mac(secret_key: str, escalation_id: str, expires: int) -> str:
    message = f"chat-relay:{escalation_id}:{expires}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def chat_token_valid(secret_key: str, escalation_id: str, presented: str | None, now: float | None = None) -> bool:
    """The token is this escalation's and has not expired."""
    expires_text, _, mac = (presented or "").partition(".")
    expires = ascii_number(expires_text, 12)
    if expires is None or not mac:
        return False
    if not hmac.compare_digest(_chat_mac(secret_key, escalation_id, expires), mac):
        return False
    return (now if now is not None else utcnow().timestamp()) < expires


def claim(session: Session, escalation_id: str, agent: AgentAccount) -> bool:
    """Atomic claim: one UPDATE guarded by status='waiting'. Two agents at once → exactly one True."""
    now = utcnow()
    result = session.execute(
        update(Escalation)
        .where(Escalation.id == escalation_id, Escalation.status == "waiting")
        .values(status="claimed", claimed_by_id=agent.id, claimed_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    won = result.rowcount == 1
    audit.record(session, "claim" if won else "claim_lost", agent=agent, escalation_id=escalation_id)
    if won:
        session.add(EscalationMessage(escalation_id=escalation_id, kind="agent_joined", sender="system",
                                      text=agent.display_name, agent_id=agent.id))
    session.commit()
    session.expire_all()
    if won:
        changes.publish(QUEUE, escalation_topic(escalation_id))
    return won


def claim_callback(session: Session, escalation_id: str, agent: AgentAccount) -> bool:
    """Atomic claim of a call-back ticket: it stays a call-back (the call is still to be made) but is
    now this agent's; exactly one agent wins."""
    now = utcnow()
    result = session.execute(
        update(Escalation)
        .where(Escalation.id == escalation_id, Escalation.status == "callback", Escalation.claimed_by_id.is_(None))
        .values(claimed_by_id=agent.id, claimed_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    won = result.rowcount == 1
    audit.record(session, "claim_callback" if won else "claim_lost", agent=agent, escalation_id=escalation_id)
    session.commit()
    session.expire_all()
    if won:
        changes.publish(QUEUE)
    return won


def finish(session: Session, escalation: Escalation, agent: AgentAccount | None, *, status: str,
           outcome: str, kind: str, actor: str | None = None) -> bool:
    """Move an open escalation to closed / handed_back; False if somebody finished it first."""
    now = utcnow()
    result = session.execute(
        update(Escalation)
        .where(Escalation.id == escalation.id, Escalation.status.in_(("waiting", "claimed", "callback")))
        .values(status=status, outcome=outcome, closed_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    done = result.rowcount == 1
    if done:
        session.add(EscalationMessage(escalation_id=escalation.id, kind=kind, sender="system", text=outcome,
                                      agent_id=agent.id if agent else None))
    audit.record(session, kind if done else f"{kind}_refused", agent=agent, actor=actor,
                 escalation_id=escalation.id, outcome=outcome)
    session.commit()
    session.refresh(escalation)
    if done:
        changes.publish(QUEUE, escalation_topic(escalation.id))
    return done


def request_callback(session: Session, escalation_id: str, recording_url: str | None) -> Escalation:
    """The phone line: nobody answered in time, the caller left a message → a call-back ticket."""
    escalation = get(session, escalation_id)
    session.execute(
        update(Escalation).where(Escalation.id == escalation_id, Escalation.status.in_(("waiting", "callback")))
        .values(status="callback", recording_url=recording_url, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    audit.record(session, "callback_requested", actor="service:phone", escalation_id=escalation_id,
                 has_recording=bool(recording_url))
    session.commit()
    session.refresh(escalation)
    changes.publish(QUEUE)
    return escalation


def queue_position(session: Session, escalation: Escalation) -> int | None:
    """1-based position among waiting escalations of the same channel and language; None if not waiting."""
    if escalation.status != "waiting":
        return None
    ahead = session.scalar(
        select(func.count()).select_from(Escalation).where(
            Escalation.status == "waiting", Escalation.channel == escalation.channel,
            Escalation.language == escalation.language, Escalation.created_at < escalation.created_at,
        )
    )
    return int(ahead or 0) + 1


def as_status_json(escalation: Escalation, position: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": escalation.id, "reference": escalation.reference, "status": escalation.status,
        "channel": escalation.channel, "language": escalation.language,
        "created_at": escalation.created_at.isoformat() if escalation.created_at else None,
        "outcome": escalation.outcome,
    }
    if position is not None:
        body["position"] = position
    return body


# The events the phone line records on a case (agents/phone_port.py) and the call state each means;
# a later state wins over an earlier one, whatever order replayed webhooks arrive in.
CALL_EVENTS = {"phone_queued": "queued", "phone_connected": "connected", "phone_ended": "ended"}
_CALL_ORDER = ("in_menu", "queued", "connected", "ended")


def call_states(session: Session, escalation_ids: list[str]) -> dict[str, str]:
    """Each phone case's call state (in_menu | queued | connected | ended) from its events."""
    states = {escalation_id: "in_menu" for escalation_id in escalation_ids}
    if not states:
        return states
    rows = session.execute(select(AuditEntry.escalation_id, AuditEntry.action).where(
        AuditEntry.escalation_id.in_(escalation_ids), AuditEntry.action.in_(CALL_EVENTS)))
    for escalation_id, action in rows:
        state = CALL_EVENTS[action]
        if _CALL_ORDER.index(state) > _CALL_ORDER.index(states[escalation_id]):
            states[escalation_id] = state
    return states


def phone_queued(session: Session, escalation_id: str) -> None:
    """The phone line put the caller in the Twilio queue (event phone_queued)."""
    audit.record(session, "phone_queued", actor="service:phone", escalation_id=escalation_id)
    session.commit()
    changes.publish(QUEUE)


def phone_connected(session: Session, escalation_id: str) -> bool:
    """The phone line put the caller through to an agent's phone: the case leaves the waiting line
    (claimed without a console account). False if it was no longer waiting."""
    now = utcnow()
    result = session.execute(
        update(Escalation).where(Escalation.id == escalation_id, Escalation.status == "waiting")
        .values(status="claimed", claimed_at=now, updated_at=now)
        .execution_options(synchronize_session=False))
    audit.record(session, "phone_connected", actor="service:phone", escalation_id=escalation_id)
    session.commit()
    changes.publish(QUEUE)
    return result.rowcount == 1


def phone_ended(session: Session, escalation_id: str, outcome: str) -> bool:
    """The call ended (status callback): a waiting or connected phone case is closed with ``outcome``;
    a call-back ticket stays open until an agent rang back."""
    now = utcnow()
    result = session.execute(
        update(Escalation).where(Escalation.id == escalation_id, Escalation.channel == "phone",
                                 Escalation.status.in_(("waiting", "claimed")))
        .values(status="closed", outcome=outcome[:64], closed_at=now, updated_at=now)
        .execution_options(synchronize_session=False))
    audit.record(session, "phone_ended", actor="service:phone", escalation_id=escalation_id, outcome=outcome[:64])
    session.commit()
    changes.publish(QUEUE)
    return result.rowcount == 1

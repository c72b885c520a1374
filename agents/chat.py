"""Messages of an escalated chat: what the user types in the widget (redacted before storing) and
what the agent answers; both sides read them in id order (the id is the SSE event id)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agents import audit
from agents.models import AgentAccount, Escalation, EscalationMessage
from agents.notify import changes, escalation_topic
from kernel.fields import ascii_number
from kernel.privacy import REDACTED_TOKEN, redact_text

MAX_MESSAGE = 2000
MAX_MESSAGE_ID = 2 ** 31 - 1  # the id column's range (PostgreSQL's integer)


def after_id(text: str | None) -> int:
    """A client's "messages after this id" (SSE Last-Event-ID, ``?after=``): ASCII digits within the
    id column's range, else 0 (from the start). ``"²".isdigit()`` is true but int() refuses it, and a
    number past the range is refused by the database driver."""
    value = ascii_number((text or "").strip(), 10)
    return value if value is not None and value <= MAX_MESSAGE_ID else 0


class ChatClosed(RuntimeError):
    """The escalation is no longer open; the widget goes back to the assistant."""


def post_user_message(session: Session, escalation: Escalation, text: str,
                      client_message_id: str | None) -> tuple[EscalationMessage, bool]:
    """Store a user's message, redacted (kernel.privacy, the assistant's rule too). A resent message
    with the same client id is stored once, so a widget replaying its offline queue never doubles it."""
    if not escalation.is_open:
        raise ChatClosed(escalation.status)
    if client_message_id:
        existing = session.scalar(select(EscalationMessage).where(
            EscalationMessage.escalation_id == escalation.id,
            EscalationMessage.client_message_id == client_message_id))
        if existing is not None:
            return existing, False
    clean, kinds = redact_text(text[:MAX_MESSAGE])
    message = EscalationMessage(escalation_id=escalation.id, kind="message", sender="user", text=clean,
                                redacted=kinds, client_message_id=client_message_id)
    session.add(message)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        existing = session.scalar(select(EscalationMessage).where(
            EscalationMessage.escalation_id == escalation.id,
            EscalationMessage.client_message_id == client_message_id))
        return existing, False
    changes.publish(escalation_topic(escalation.id))
    return message, True


SEND_KEY_MAX = 64  # the send_key column; the console makes 32 hex digits


class MalformedSendKey(ValueError):
    """A send key that is not 1-64 printable ASCII characters without spaces."""


class SendKeyReused(ValueError):
    """The send key of an agent message already stored in this case, with another text."""


def send_key_of(value: str | None) -> str | None:
    """The agent's send key as the client sent it: None when absent or empty (old pages, scripts
    without a key: each POST is a new message), else 1-64 printable ASCII characters without spaces,
    or MalformedSendKey. Not a secret, but kept out of the audit and the logs all the same."""
    if value is None or value == "":
        return None
    if len(value) > SEND_KEY_MAX or not all("!" <= c <= "~" for c in value):
        raise MalformedSendKey("The reply's send key must be 1-64 printable ASCII characters without spaces.")
    return value


def _by_send_key(session: Session, escalation_id: str, send_key: str) -> EscalationMessage | None:
    return session.scalar(select(EscalationMessage).where(EscalationMessage.escalation_id == escalation_id,
                                                          EscalationMessage.send_key == send_key))


def _same_send(existing: EscalationMessage, agent_id: int, clean: str) -> EscalationMessage:
    if existing.agent_id != agent_id or existing.text != clean:
        raise SendKeyReused(existing.id)
    return existing


def post_agent_message(session: Session, escalation: Escalation, agent: AgentAccount, text: str,
                       canned_id: str | None = None, send_key: str | None = None) -> EscalationMessage:
    """Store the agent's message, redacted, and wake the chat's streams. With a ``send_key`` (the
    console's reply form makes one per message) a second POST of the same send stores nothing and
    returns the first message: the resend after a lost answer, or the copy a hung gateway process
    held and carries out later. Two at once: the UNIQUE index (escalation, send_key) lets one in and
    the other reads it. The same key with another text or from another agent: SendKeyReused."""
    # An agent never needs to write a secret into a chat; redact the same way as the user side.
    clean, kinds = redact_text(text[:MAX_MESSAGE])
    escalation_id, agent_id = escalation.id, agent.id  # read again after a rollback otherwise
    if send_key is not None:
        existing = _by_send_key(session, escalation_id, send_key)
        if existing is not None:
            return _same_send(existing, agent_id, clean)
    message = EscalationMessage(escalation_id=escalation.id, kind="message", sender="agent", text=clean,
                                redacted=kinds, agent_id=agent.id, send_key=send_key)
    session.add(message)
    try:
        session.flush()
        audit.record(session, "reply", agent=agent, escalation_id=escalation.id, message_id=message.id,
                     canned=canned_id, redacted=kinds)
        session.commit()
    except IntegrityError:
        session.rollback()
        existing = _by_send_key(session, escalation_id, send_key) if send_key is not None else None
        if existing is None:  # not the send key's index: a real fault
            raise
        return _same_send(existing, agent_id, clean)
    changes.publish(escalation_topic(escalation.id))
    return message


def add_event(session: Session, escalation: Escalation, kind: str, text: str = "",
              agent: AgentAccount | None = None) -> EscalationMessage:
    message = EscalationMessage(escalation_id=escalation.id, kind=kind, sender="system", text=text,
                                agent_id=agent.id if agent else None)
    session.add(message)
    session.commit()
    changes.publish(escalation_topic(escalation.id))
    return message


def messages_after(session: Session, escalation_id: str, after: int = 0, limit: int = 200) -> list[EscalationMessage]:
    return list(session.scalars(
        select(EscalationMessage).where(EscalationMessage.escalation_id == escalation_id,
                                        EscalationMessage.id > after)
        .order_by(EscalationMessage.id).limit(limit)))


def display_text(text: str) -> str:
    """The console and the widget show a redacted secret as a neutral marker (bot contract)."""
    return text.replace(REDACTED_TOKEN, "•••• (hidden)")


def message_json(message: EscalationMessage, agent_name: str | None = None) -> dict[str, Any]:
    return {
        "id": message.id, "kind": message.kind, "sender": message.sender,
        "text": display_text(message.text), "agent": agent_name,
        "at": message.created_at.isoformat() if message.created_at else None,
    }

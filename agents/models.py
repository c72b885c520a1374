"""Typed models of the agent room: escalations, the messages exchanged during one, agent accounts,
the audit trail and the conversation events used for statistics. Tables are prefixed ``agents_``."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gateway.db import Base
from kernel.clock import utcnow

OPEN_STATUSES = ("waiting", "claimed", "callback")
STATUSES = ("waiting", "claimed", "closed", "handed_back", "callback")
ROLES = ("agent", "supervisor")


class AgentAccount(Base):
    __tablename__ = "agents_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), default="agent")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The agent's identity on the phone line (caller ID can be spoofed): an argon2id hash of a keypad
    # PIN, the misses since the last success, and until when the PIN is locked after too many misses.
    phone_pin_hash: Mapped[str | None] = mapped_column(String(256), nullable=True)
    phone_pin_misses: Mapped[int] = mapped_column(Integer, default=0)
    phone_pin_locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The status the agent sets in the console (agents/live.py): available | busy | away.
    presence: Mapped[str] = mapped_column(String(12), default="away")
    presence_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # What the agent takes (agents/routing.py): comma-separated languages and channels; a supervisor
    # edits them in the console (/agents/team). New accounts take everything.
    languages: Mapped[str] = mapped_column(String(32), default="hu,en")
    channels: Mapped[str] = mapped_column(String(32), default="chat,phone")

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"

    @property
    def language_list(self) -> list[str]:
        return [x for x in (self.languages or "").split(",") if x]

    @property
    def channel_list(self) -> list[str]:
        return [x for x in (self.channels or "").split(",") if x]

    def takes(self, channel: str, language: str) -> bool:
        """The agent has this case's language and channel."""
        return language in self.language_list and channel in self.channel_list


class Escalation(Base):
    __tablename__ = "agents_escalations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: uuid.uuid4().hex)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(8), index=True)
    conversation_id: Mapped[str] = mapped_column(String(128), index=True)
    language: Mapped[str] = mapped_column(String(2))
    reason: Mapped[str] = mapped_column(String(64), index=True)
    transcript: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    tried: Mapped[list[str]] = mapped_column(JSON, default=list)
    diagnosis: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    caller_number_masked: Mapped[str | None] = mapped_column(String(32), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="waiting", index=True)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents_accounts.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    outcome: Mapped[str | None] = mapped_column(String(64), nullable=True)
    recording_url: Mapped[str | None] = mapped_column(String(500), nullable=True)

    claimed_by: Mapped[AgentAccount | None] = relationship(lazy="joined")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class EscalationMessage(Base):
    """One event of an escalated chat: a user or agent message, or a state change the widget shows."""

    __tablename__ = "agents_escalation_messages"
    __table_args__ = (
        UniqueConstraint("escalation_id", "client_message_id", name="uq_agents_message_client_id"),
        # The agent's send key (agents/chat.py): one message per key and case, whichever gateway
        # process stores it first; NULL (old rows, callers without a key) never collides.
        Index("uq_agents_message_send_key", "escalation_id", "send_key", unique=True),
    )

    # The autoincrement id doubles as the SSE event id (Last-Event-ID resume).
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    escalation_id: Mapped[str] = mapped_column(ForeignKey("agents_escalations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24), default="message")
    sender: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text, default="")
    redacted: Mapped[list[str]] = mapped_column(JSON, default=list)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents_accounts.id"), nullable=True)
    client_message_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # An agent message's idempotency key, made by the console's reply form (never shown to the user).
    send_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RoutingOffer(Base):
    """A waiting case offered to one agent (agents/routing.py) and how it ended: ``answer`` is None
    while the offer stands, then accepted | passed | expired | withdrawn (somebody claimed the case,
    it ended, or the agent left). At most one standing offer per case and per agent (partial UNIQUE
    indexes), so two gateway processes routing at once cannot offer one case twice or give one agent
    two cases."""

    __tablename__ = "agents_offers"
    __table_args__ = (
        Index("uq_agents_offers_live_case", "escalation_id", unique=True,
              sqlite_where=text("answer IS NULL"), postgresql_where=text("answer IS NULL")),
        Index("uq_agents_offers_live_agent", "agent_id", unique=True,
              sqlite_where=text("answer IS NULL"), postgresql_where=text("answer IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    escalation_id: Mapped[str] = mapped_column(ForeignKey("agents_escalations.id"), index=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents_accounts.id"))
    offered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answer: Mapped[str | None] = mapped_column(String(12), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AuditEntry(Base):
    __tablename__ = "agents_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents_accounts.id"), nullable=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(48), index=True)
    escalation_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ConversationEvent(Base):
    """A conversation started / a topic came up / it ended — counted for the statistics page."""

    __tablename__ = "agents_conversation_events"
    __table_args__ = (UniqueConstraint("conversation_id", "kind", "detail", name="uq_agents_conversation_event"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(128), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    language: Mapped[str | None] = mapped_column(String(2), nullable=True)
    kind: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(String(64), default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    # Who made contact, as a keyed digest (kernel.privacy.keyed_digest of the caller's number or the
    # account's username, never the value): a new contact within 24 h means the first was not contained.
    contact_key: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)


class CsatRating(Base):
    """One satisfaction rating (1-5) per conversation (UNIQUE ``conversation_key`` = channel:id), with
    an optional comment stored redacted; the agent and case it rated are copied in at rating time."""

    __tablename__ = "agents_csat"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_key: Mapped[str] = mapped_column(String(140), unique=True)
    conversation_id: Mapped[str] = mapped_column(String(128), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    language: Mapped[str | None] = mapped_column(String(2), nullable=True)
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    escalation_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents_accounts.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class ConsoleSession(Base):
    """A logged-in console session, held on the server: the cookie carries only a random id whose
    SHA-256 is the key here, so logout, a supervisor or the absolute lifetime ends it for every copy
    of the cookie (agents/sessions.py)."""

    __tablename__ = "agents_console_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents_accounts.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)


class LoginThrottle(Base):
    """Failed console logins per key (``user:<HMAC of the username>`` or ``addr:<client address>``):
    after a few free misses each further miss doubles the wait (agents/throttle.py)."""

    __tablename__ = "agents_login_throttle"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

"""Typed models of the phone line: one row per call (keyed on CallSid, never on the caller's
number), the answered steps of each call (replayed webhooks get the stored answer, no second side
effect) and the call-back tickets of callers who left a message. Tables are prefixed ``ivr_``."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base
from kernel.clock import utcnow
from kernel.privacy import mask_emails_in, redact_text

OUTCOMES = ("solved_by_bot", "escalated", "left_message", "hung_up")


class PhoneCall(Base):
    """One call to the help line and where the caller is in the IVR."""

    __tablename__ = "ivr_calls"

    call_sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    language: Mapped[str] = mapped_column(String(2), default="hu")
    state: Mapped[str] = mapped_column(String(32), default="menu")
    turn: Mapped[int] = mapped_column(Integer, default=0)
    retries: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    # What "*" repeats: the last answer or menu, as spoken chunks.
    repeat_chunks: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Buttons of the assistant's last answer, chosen by key: [{"digit", "title", "payload"}].
    options: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    caller_number_masked: Mapped[str | None] = mapped_column(String(32), nullable=True)
    transcript: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    tried: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Username and e-mail between read-back and the new-code request: sealed (Fernet), wiped after use.
    sealed_username: Mapped[str | None] = mapped_column(Text, nullable=True)
    sealed_email: Mapped[str | None] = mapped_column(Text, nullable=True)
    helped: Mapped[bool] = mapped_column(default=False)
    reset_requested: Mapped[bool] = mapped_column(default=False)
    assistant_down: Mapped[bool] = mapped_column(default=False)
    escalation_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    escalation_reference: Mapped[str | None] = mapped_column(String(16), nullable=True)
    escalation_reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    queue: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    enqueued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True, index=True)
    connected_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    agent_call_sid: Mapped[str | None] = mapped_column(String(64), nullable=True)
    call_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True, index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    duration_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)

    def hear(self, role: str, text: str) -> None:
        """Append a turn to the transcript the agent will see: what the caller said redacted (codes,
        passwords, addresses), addresses masked in what the line said; never a full address."""
        text = redact_text(text)[0] if role == "user" else mask_emails_in(text)
        self.transcript = [*self.transcript, {"role": role, "text": text[:4000], "at": utcnow().isoformat()}][-200:]

    def mark_tried(self, what: str) -> None:
        if what not in self.tried:
            self.tried = [*self.tried, what][-50:]


class PhoneTurn(Base):
    """The TwiML answered for one step of one call: a replayed webhook gets it again unchanged."""

    __tablename__ = "ivr_turns"
    __table_args__ = (UniqueConstraint("call_sid", "step", name="uq_ivr_turn_step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_sid: Mapped[str] = mapped_column(String(64), index=True)
    step: Mapped[str] = mapped_column(String(80))
    response: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CallbackTicket(Base):
    """A caller nobody could take in time left a message: somebody must ring them back."""

    __tablename__ = "ivr_callback_tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    escalation_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    escalation_reference: Mapped[str | None] = mapped_column(String(16), nullable=True)
    language: Mapped[str] = mapped_column(String(2))
    # The number to ring back is the one thing that must be kept whole; it is never logged.
    callback_number: Mapped[str | None] = mapped_column(String(32), nullable=True)
    caller_number_masked: Mapped[str | None] = mapped_column(String(32), nullable=True)
    recording_sid: Mapped[str | None] = mapped_column(String(64), nullable=True)
    recording_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    recording_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PhoneLimit(Base):
    """A counter of the phone line's own limits, keyed on a keyed digest (never a phone number):
    new-code requests from withheld numbers, wrong PINs on the agent line per calling number."""

    __tablename__ = "ivr_limits"

    key: Mapped[str] = mapped_column(String(96), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    count: Mapped[int] = mapped_column(Integer, default=0)

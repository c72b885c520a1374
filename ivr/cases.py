"""The phone line's side of its port to the escalations (agents.phone_port).

The port opens its own transaction, so the call's pending writes are committed first (SQLite allows
one writer at a time). A case that cannot be stored never drops a caller: they are queued all the
same, and the agent sees them in the Twilio queue."""
from __future__ import annotations

import logging
from typing import Callable

from sqlalchemy.orm import Session

from agents import phone_port
from ivr import limits
from ivr.calls import Step
from kernel.contracts import HandoffRequest

log = logging.getLogger(__name__)

TRANSCRIPT_TURNS = 100  # the last turns of the call the agent reads


def open_case(ctx: Step, reason: str, handoff: HandoffRequest | None = None) -> None:
    """The call's case, once per call (the port is idempotent on the CallSid); with the assistant's
    reason, what it tried and its diagnosis when it handed the caller over."""
    call = ctx.call
    if call.escalation_id is not None:
        return
    tried = [t for t in call.tried if t != "person"]
    if handoff is not None:
        tried += [t for t in handoff.tried if t not in tried]
    ctx.session.commit()
    try:
        case = phone_port.open_case(
            call_sid=call.call_sid, language=call.language, reason=handoff.reason if handoff else reason,
            transcript=call.transcript[-TRANSCRIPT_TURNS:], tried=tried,
            diagnosis=handoff.diagnosis if handoff else None, caller_number_masked=call.caller_number_masked)
    except phone_port.PortUnavailable:
        log.warning("could not store the case of call %s: queued without one", call.call_sid[-6:])
        return
    call.escalation_id, call.escalation_reference = case.id, case.reference


def queued(ctx: Step) -> None:
    """The caller waits in the Twilio queue."""
    if ctx.call.escalation_id:
        _tell(ctx.session, "queued", phone_port.call_queued, ctx.call.escalation_id)


def connected(session: Session, escalation_id: str | None) -> None:
    """An agent has the caller on the line: the case leaves the console's waiting line."""
    if escalation_id:
        _tell(session, "connected", phone_port.call_connected, escalation_id)


def ended(session: Session, escalation_id: str | None, outcome: str) -> None:
    """The call is over: its case leaves the console's open list."""
    if escalation_id:
        _tell(session, "ended", phone_port.call_ended, escalation_id, outcome)


def callback_requested(session: Session, escalation_id: str | None, recording_url: str | None) -> None:
    """The caller left a message (or none): the case waits for a call back."""
    if escalation_id:
        _tell(session, "call-back", phone_port.callback_requested, escalation_id, recording_url)


def expected_wait(escalation_id: str) -> "phone_port.QueueWait | None":
    """The waiting caller's position and expected wait from the escalations (agents/waits.py);
    None without a case or when it cannot be read (the caller hears Twilio's figures instead)."""
    if not escalation_id:
        return None
    try:
        return phone_port.expected_wait(escalation_id)
    except phone_port.PortUnavailable:
        return None


def call_started(ctx: Step) -> None:
    """A statistics event for a call this step saw first (the greeting, or the queue of the fallback
    URL), with the caller as a keyed digest (a repeat call within 24 h is not contained; withheld: none)."""
    if ctx.new_call:
        caller = limits.caller_of_request()
        call_event(ctx.session, ctx.call.call_sid, ctx.call.language, "started",
                   contact_key=None if caller.withheld else caller.key)


def call_event(session: Session, call_sid: str, language: str | None, kind: str, detail: str | None = None,
               contact_key: str | None = None) -> None:
    """A statistics event of the call (started | topic | ended)."""
    _tell(session, kind, phone_port.record_call_event, call_sid, language, kind, detail, contact_key)


def rating(session: Session, call_sid: str, language: str | None, value: int) -> None:
    """The caller rated the call (1-5), once per call."""
    _tell(session, "rating", phone_port.record_rating, call_sid, language, value)


def _tell(session: Session, what: str, port_function: Callable[..., None], *args: object) -> None:
    session.commit()
    try:
        port_function(*args)
    except phone_port.PortUnavailable:
        log.warning("the escalations did not take the %s event of %s", what, str(args[0])[-6:])


def verify_agent(agent_number: str, pin: str, source_key: str) -> phone_port.AgentOnLine | None:
    """The agent these keys prove (agent number and PIN), or None (also when the port is down)."""
    try:
        return phone_port.verify_agent_pin(agent_number, pin, source_key)
    except phone_port.PortUnavailable:
        log.warning("could not check an agent PIN: refused")
        return None

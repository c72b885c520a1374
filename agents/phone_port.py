"""The phone line's one door into the escalations: function calls taking primitives.

``ivr/`` imports nothing else of ``agents/``. Every function must run inside the gateway's Flask app
context and opens, commits and closes its own database session; it never receives or commits a
session of the caller. A caller with pending writes commits them before calling a function that
writes (SQLite allows one writer at a time).

The console learns a phone case's call state from the events these functions record on the case
(``escalations.CALL_EVENTS``), and the statistics count phone calls from :func:`record_call_event`.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from agents import accounts, audit, csat, escalations, routing, stats, waits
from gateway import sessions_of
from kernel.contracts import ContractError
from kernel.fields import ascii_number

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PhoneCase:
    id: str          # escalation id
    reference: str   # HD-XXXX


@dataclass(frozen=True)
class AgentOnLine:
    """An agent who proved on the agent line who they are (agent number and PIN)."""

    id: int
    display_name: str


class PortUnavailable(Exception):
    """The case could not be read or stored; the phone line queues the caller all the same."""


@contextmanager
def _session() -> Iterator[Session]:
    """A session of its own; a database failure (or a bad value) becomes PortUnavailable."""
    try:
        with sessions_of(current_app)() as session:
            yield session
    except (SQLAlchemyError, ContractError, escalations.EscalationNotFound, RuntimeError) as exc:
        log.warning("phone port: %s", type(exc).__name__)
        raise PortUnavailable(type(exc).__name__) from exc


def open_case(*, call_sid: str, language: str, reason: str, transcript: list[dict], tried: list[str],
              diagnosis: dict | None, caller_number_masked: str | None) -> PhoneCase:
    """Create (or, for the same call again, return) the escalation of a call, idempotent on
    ``phone:<call_sid>``; transcript turns {"role","text","at"} are redacted again by agents."""
    payload: dict[str, Any] = {
        "idempotency_key": f"phone:{call_sid}", "channel": "phone", "conversation_id": call_sid,
        "language": language, "reason": reason, "transcript": list(transcript),
        "tried": list(tried), "diagnosis": diagnosis, "caller_number_masked": caller_number_masked,
    }
    with _session() as session:
        escalation, _ = escalations.create_or_get_escalation(session, payload)
        return PhoneCase(id=escalation.id, reference=escalation.reference)


def call_queued(escalation_id: str) -> None:
    """The caller waits in the Twilio queue (event phone_queued); the case is offered at once if an
    agent who takes it is free (agents/routing.py)."""
    with _session() as session:
        escalations.phone_queued(session, escalation_id)
        routing.route(session, routing.RoutingSettings.of(current_app.config))


@dataclass(frozen=True)
class QueueWait:
    """What a waiting caller hears: their position in the line and the expected wait in seconds
    (None: no agent available for the line, no estimate)."""

    position: int | None
    expected_wait_s: int | None


def expected_wait(escalation_id: str) -> QueueWait:
    """The call's case's position and expected wait (agents/waits.py, docs/agents.md)."""
    with _session() as session:
        estimate = waits.for_case(session, escalations.get(session, escalation_id),
                                  waits.WaitSettings.of(current_app.config))
        return QueueWait(estimate.position, estimate.seconds)


def call_connected(escalation_id: str) -> None:
    """An agent has the caller on the line (event phone_connected): the case leaves the waiting line."""
    with _session() as session:
        escalations.phone_connected(session, escalation_id)


def call_ended(escalation_id: str, outcome: str) -> None:
    """The call ended (event phone_ended): a waiting or connected case is closed with ``outcome``."""
    with _session() as session:
        escalations.phone_ended(session, escalation_id, outcome)


def callback_requested(escalation_id: str, recording_url: str | None) -> None:
    """Nobody answered in time and the caller left a message (or none): a call-back ticket."""
    with _session() as session:
        escalations.request_callback(session, escalation_id, recording_url)


def record_call_event(call_sid: str, language: str | None, kind: str, detail: str | None = None,
                      contact_key: str | None = None) -> None:
    """A statistics event of a phone call (kind started | topic | ended), idempotent like
    ``POST /api/v1/conversation-events``; ``contact_key``: the caller as a keyed digest (never the
    number; None when withheld), which tells a repeat call within 24 h (containment)."""
    with _session() as session:
        stats.record_conversation_event(session, {"conversation_id": call_sid, "channel": "phone",
                                                  "language": language, "kind": kind, "detail": detail},
                                        contact_key=contact_key)


def record_rating(call_sid: str, language: str | None, rating: int) -> bool:
    """The key (1-5) the caller pressed when asked to rate the call; once per call (True if stored)."""
    with _session() as session:
        return csat.record_rating(session, channel="phone", conversation_id=call_sid, rating=rating,
                                  language=language).created


def verify_agent_pin(agent_number: str, pin: str, source_key: str) -> AgentOnLine | None:
    """The agent whose number and keypad PIN these are, or None. Five misses in a row lock that
    agent's PIN for 30 minutes (checked in constant time, the same work for unknown numbers);
    ``source_key`` (a keyed digest of the calling number, never the number) goes into the audit.
    The phone line throttles per calling number before it asks."""
    with _session() as session:
        account, verdict = accounts.check_phone_pin(session, agent_number, pin)
        audit.record(session, "phone_pin_accepted" if account else "phone_pin_refused", agent=account,
                     actor="phone", verdict=verdict, source=source_key[:16],
                     agent_number=agent_number if ascii_number(agent_number, 9) is not None else "?")
        session.commit()
        return AgentOnLine(id=account.id, display_name=account.display_name) if account else None

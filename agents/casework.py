"""The agent's operations on a case: claim, reply, send a new code, close, hand back, call-back done.

Each use case validates, audits and commits, and returns a :class:`CaseResult`: a text key of the
console's catalogue (agents/texts/) with its parameters and an HTTP status. The console's views
only map that result to a page or a JSON answer. The services a use case calls come in as
arguments (the credentials backend's client, a function that resumes the assistant)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from sqlalchemy.orm import Session

from agents import audit, chat, escalations
from agents.canned import CANNED, canned_text
from agents.models import AgentAccount, Escalation
from agents.rasa_api import RasaUnavailable
from gateway.credentials_client import CredentialsClient
from kernel.contracts import NewCodeRequest, Rejected, Unavailable
from kernel.privacy import mask_email

OUTCOMES = ("solved", "new_code_sent", "referred_to_office", "no_response", "other")
# How a call-back ended; nothing else is stored (the statistics group by it).
CALLBACK_OUTCOMES = ("called_back", "solved", "new_code_sent", "referred_to_office", "no_response", "other")
Resume = Callable[[str], None]  # resumes the assistant's paused conversation; raises RasaUnavailable


@dataclass(frozen=True)
class CaseResult:
    """What an operation ended in: ``key`` names the text the agent reads, ``extra`` goes to JSON."""

    key: str
    status: int = 200
    params: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status < 400


class NotACallback(ValueError):
    """The case is not (or no longer) a call-back ticket."""


class NotYours(PermissionError):
    """Only the agent who claimed an open case may act in it (supervisors too: they claim first)."""


class WrongChannel(ValueError):
    """The operation does not exist for this case's channel (e.g. a chat reply in a phone case)."""


def require_mine(session: Session, escalation: Escalation, agent: AgentAccount, endpoint: str | None) -> None:
    """Raise NotYours (audited) unless ``agent`` holds the claimed case."""
    if escalation.claimed_by_id != agent.id or escalation.status != "claimed":
        audit.record(session, "refused", agent=agent, escalation_id=escalation.id, endpoint=endpoint)
        session.commit()
        raise NotYours(escalation.id)


def claim(session: Session, escalation: Escalation, agent: AgentAccount) -> CaseResult:
    """Take a waiting case; 409 when another agent was faster."""
    if escalations.claim(session, escalation.id, agent):
        return CaseResult("claimed")
    return CaseResult("already_claimed", 409, extra={"error": "already_claimed"})


def reply(session: Session, escalation: Escalation, agent: AgentAccount, typed: str,
          canned_id: str | None, send_key: str | None = None) -> CaseResult:
    """Send the agent's text (or a canned answer in the user's language) into the chat, redacted.
    ``send_key`` (the reply form's, agents/chat.py): the same send again is answered as the first
    was, with the same message id, and stores nothing."""
    if escalation.channel != "chat":
        raise WrongChannel("Phone cases have no chat.")
    try:
        send_key = chat.send_key_of(send_key)
    except chat.MalformedSendKey:
        return CaseResult("send_key_malformed", 400)
    typed = (typed or "").strip()
    if canned_id:
        if canned_id not in CANNED:
            raise WrongChannel("Unknown canned answer.")
        typed = typed or canned_text(canned_id, escalation.language)
    if not typed:
        return CaseResult("empty_message", 400)
    try:
        message = chat.post_agent_message(session, escalation, agent, typed, canned_id, send_key)
    except chat.SendKeyReused:
        return CaseResult("send_key_reused", 422)
    return CaseResult("sent", extra={"id": message.id})


def send_new_code(session: Session, escalation: Escalation, agent: AgentAccount, username: str, email: str,
                  credentials: CredentialsClient) -> CaseResult:
    """Chat: the user's widget gets a form (the agent never sees the data). Phone: the agent types what
    the caller says; the backend sends the code only to the address on file (S4, S5, S8)."""
    if escalation.channel == "chat":
        chat.add_event(session, escalation, "new_code_form", agent=agent)
        audit.record(session, "new_code_form_sent", agent=agent, escalation_id=escalation.id)
        session.commit()
        return CaseResult("new_code_form_sent")
    username, email = (username or "").strip(), (email or "").strip()
    if not username or "@" not in email:
        return CaseResult("new_code_fields_missing", 400)
    request = NewCodeRequest(username=username, email=email, channel="agent", source=f"agent:{escalation.reference}")
    try:
        credentials.request_new_code(request)
    except Unavailable:
        audit.record(session, "new_code_failed", agent=agent, escalation_id=escalation.id)
        session.commit()
        return CaseResult("backend_unavailable", 503)
    except Rejected as exc:
        return CaseResult("new_code_rejected", 400, params={"field": exc.field or "request"})
    audit.record(session, "new_code_requested", agent=agent, escalation_id=escalation.id, email=mask_email(email))
    session.commit()
    return CaseResult("new_code_requested", 202)


def close(session: Session, escalation: Escalation, agent: AgentAccount, outcome: str, resume: Resume) -> CaseResult:
    """Close the case with an outcome; a chat's paused assistant is resumed so the user is not left mute."""
    if outcome not in OUTCOMES:
        return CaseResult("outcome_missing", 400)
    resumed = True
    if escalation.channel == "chat":
        try:
            resume(escalation.conversation_id)
        except RasaUnavailable:
            resumed = False
    escalations.finish(session, escalation, agent, status="closed", outcome=outcome, kind="closed")
    return CaseResult("closed_ok" if resumed else "closed_not_resumed")


def hand_back(session: Session, escalation: Escalation, agent: AgentAccount, resume: Resume) -> CaseResult:
    """Give a chat back to the assistant; if the assistant cannot take it, the case stays with the agent."""
    if escalation.channel != "chat":
        raise WrongChannel("Only chats go back to the assistant.")
    try:
        resume(escalation.conversation_id)
    except RasaUnavailable as exc:
        audit.record(session, "hand_back_failed", agent=agent, escalation_id=escalation.id, error=str(exc))
        session.commit()
        return CaseResult("assistant_unavailable", 503)
    escalations.finish(session, escalation, agent, status="handed_back", outcome="handed_back", kind="handed_back")
    return CaseResult("handed_back")


def claim_callback(session: Session, escalation: Escalation, agent: AgentAccount) -> CaseResult:
    """Take a call-back ticket (the agent is going to ring back); 409 when another agent has it."""
    if escalations.claim_callback(session, escalation.id, agent):
        return CaseResult("claimed")
    return CaseResult("already_claimed", 409, extra={"error": "already_claimed"})


def callback_done(session: Session, escalation: Escalation, agent: AgentAccount, outcome: str | None) -> CaseResult:
    """A call-back ticket is closed once the agent who took it (or a supervisor) rang back, with an
    outcome of CALLBACK_OUTCOMES; 409 if somebody closed it first."""
    if escalation.status != "callback":
        raise NotACallback("Not a call-back ticket.")
    if escalation.claimed_by_id != agent.id and not agent.is_supervisor:
        audit.record(session, "refused", agent=agent, escalation_id=escalation.id, endpoint="callback_done")
        session.commit()
        raise NotYours(escalation.id)
    outcome = outcome or "called_back"
    if outcome not in CALLBACK_OUTCOMES:
        return CaseResult("outcome_missing", 400)
    done = escalations.finish(session, escalation, agent, status="closed", outcome=outcome, kind="callback_done")
    return CaseResult("callback_done") if done else CaseResult("already_closed", 409)

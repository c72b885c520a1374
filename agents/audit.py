"""The audit trail: every agent action (and every escalation the services create) is one AuditEntry."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from agents.models import AgentAccount, AuditEntry


def record(session: Session, action: str, *, agent: AgentAccount | None = None, actor: str | None = None,
           escalation_id: str | None = None, **detail: Any) -> AuditEntry:
    """Add an audit entry to ``session`` (committed with the action it records)."""
    entry = AuditEntry(
        agent_id=agent.id if agent else None,
        actor=agent.username if agent else (actor or "system"),
        action=action,
        escalation_id=escalation_id,
        detail=detail,
    )
    session.add(entry)
    return entry

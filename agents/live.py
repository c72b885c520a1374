"""The supervisor's live view: who is online, away or busy (the status each agent sets; offline
without a live console session), the waiting line per channel and language (depth, longest wait),
cases waiting past AGENTS_WAIT_ALERT_SECONDS, and today's CSAT and containment (agents/figures.py)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from agents import audit, figures, sessions
from agents.models import OPEN_STATUSES, AgentAccount, Escalation
from agents.stats import LOCAL_TIME
from kernel.clock import as_utc, utcnow
from kernel.fields import CHANNELS, LANGUAGES

PRESENCES = ("available", "busy", "away")


def set_presence(session: Session, agent: AgentAccount, presence: str) -> bool:
    """The agent's own status; False for a value outside PRESENCES."""
    if presence not in PRESENCES:
        return False
    if presence != agent.presence or agent.presence_at is None:  # "since" is when it changed (routing: idle time)
        agent.presence, agent.presence_at = presence, utcnow()
    audit.record(session, "presence", agent=agent, presence=presence)
    session.commit()
    return True


@dataclass(frozen=True)
class AgentRow:
    name: str
    state: str            # available | busy | away | offline
    since: datetime | None
    open_cases: int


@dataclass(frozen=True)
class Line:
    channel: str
    language: str
    waiting: int
    longest_wait_s: int | None
    over_threshold: bool


@dataclass(frozen=True)
class LateCase:
    id: str
    reference: str
    channel: str
    language: str
    waiting_s: int


@dataclass(frozen=True)
class Snapshot:
    agents: list[AgentRow]
    lines: list[Line]
    late: list[LateCase]
    threshold_s: int
    today: figures.Figures
    unrouted: list[LateCase] = ()  # waiting, and nobody accepted them within the routing time
    routing_s: int | None = None


def snapshot(session: Session, threshold_s: int, now: datetime | None = None, routing_s: int | None = None) -> Snapshot:
    now = now or utcnow()
    online = {a.id for _, a in sessions.live_sessions(session)}
    open_cases = list(session.scalars(select(Escalation).where(Escalation.status.in_(OPEN_STATUSES))
                                      .order_by(Escalation.created_at)))
    held: dict[int, int] = {}
    for e in open_cases:
        if e.claimed_by_id is not None:
            held[e.claimed_by_id] = held.get(e.claimed_by_id, 0) + 1
    agents = []
    for a in session.scalars(select(AgentAccount).where(AgentAccount.active.is_(True)).order_by(AgentAccount.display_name)):
        state = (a.presence if a.presence in PRESENCES else "away") if a.id in online else "offline"
        agents.append(AgentRow(a.display_name, state, a.presence_at, held.get(a.id, 0)))
    order = {"available": 0, "busy": 1, "away": 2, "offline": 3}
    agents.sort(key=lambda r: (order[r.state], r.name))
    waiting = [e for e in open_cases if e.status == "waiting"]
    lines, late, unrouted = [], [], []
    for channel in CHANNELS:
        for language in LANGUAGES:
            waits = [int((now - as_utc(e.created_at)).total_seconds()) for e in waiting
                     if e.channel == channel and e.language == language]
            longest = max(waits) if waits else None
            lines.append(Line(channel, language, len(waits), longest, longest is not None and longest >= threshold_s))
    for e in waiting:
        waited = int((now - as_utc(e.created_at)).total_seconds())
        if waited >= threshold_s:
            late.append(LateCase(e.id, e.reference, e.channel, e.language, waited))
        if routing_s is not None and waited >= routing_s:
            unrouted.append(LateCase(e.id, e.reference, e.channel, e.language, waited))
    start = datetime.combine(now.astimezone(LOCAL_TIME).date(), time.min, tzinfo=LOCAL_TIME)
    today = figures.report(session, start, start + timedelta(days=1), now=now).overall
    return Snapshot(agents, lines, late, threshold_s, today, unrouted, routing_s)

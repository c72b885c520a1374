"""Expected wait of a case in the queue (docs/agents.md, "Expected wait"), from recent handling times
and the agents available for its line (its channel and language):

  H    the mean handling time (claimed -> closed) of the channel's last AGENTS_WAIT_SAMPLES cases
       closed within AGENTS_WAIT_WINDOW_HOURS; with none, AGENTS_DEFAULT_HANDLING_SECONDS
  r_i  for each available agent i who takes the line (live console session, status "available",
       its language and channel): 0 if they hold no case, else max(0, H - time spent on their case)
  k    the cases of the same line waiting ahead of this one (its position - 1)

  expected wait = the (k+1)-th smallest of { r_i + m*H : every such agent i, m = 0, 1, 2, ... }

that is, the agents take the line's cases first come, first served, each case lasting H: the case
ahead is served by whoever frees up first, and so on. No such agent: no estimate (None) — the phone
line and the widget then say that they cannot tell. The phone line and the widget read it through
the gateway (agents/phone_port.expected_wait, the relay's /wait, the service API's status)."""
from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agents import routing
from agents.models import Escalation
from kernel.clock import as_utc, utcnow

DEFAULT_HANDLING_S = 300
SAMPLES = 30
WINDOW_HOURS = 8


@dataclass(frozen=True)
class WaitSettings:
    default_handling_s: int = DEFAULT_HANDLING_S
    samples: int = SAMPLES
    window_hours: int = WINDOW_HOURS

    @classmethod
    def of(cls, config) -> "WaitSettings":
        return cls(int(config.get("AGENTS_DEFAULT_HANDLING_S", DEFAULT_HANDLING_S)),
                   int(config.get("AGENTS_WAIT_SAMPLES", SAMPLES)), int(config.get("AGENTS_WAIT_WINDOW_H", WINDOW_HOURS)))


@dataclass(frozen=True)
class Estimate:
    seconds: int | None   # None: no agent available for the line, no estimate
    position: int | None  # 1-based in the line (None: not waiting)
    agents: int           # available agents who take the line
    handling_s: int       # H

    def as_json(self) -> dict:
        return {"expected_wait_s": self.seconds, "position": self.position, "agents_available": self.agents,
                "handling_s": self.handling_s}


def schedule(remaining: list[float], handling: float, ahead: int) -> float | None:
    """The (ahead+1)-th smallest of {r + m*handling}: when the case after ``ahead`` others is taken."""
    if not remaining:
        return None
    heap = list(remaining)
    heapq.heapify(heap)
    for _ in range(ahead):
        heapq.heapreplace(heap, heap[0] + handling)
    return heap[0]


def handling_time(session: Session, channel: str, settings: WaitSettings, now: datetime | None = None) -> float:
    """H: the mean handling time of the channel's recent cases (seconds)."""
    now = now or utcnow()
    rows = session.execute(select(Escalation.claimed_at, Escalation.closed_at).where(
        Escalation.channel == channel, Escalation.status == "closed", Escalation.claimed_at.is_not(None),
        Escalation.closed_at.is_not(None), Escalation.closed_at <= now,
        Escalation.closed_at > now - timedelta(hours=settings.window_hours))
        .order_by(Escalation.closed_at.desc()).limit(settings.samples)).all()
    spans = [(as_utc(closed) - as_utc(claimed)).total_seconds() for claimed, closed in rows]
    spans = [s for s in spans if s >= 0]
    return sum(spans) / len(spans) if spans else float(settings.default_handling_s)


def line_estimate(session: Session, channel: str, language: str, ahead: int, settings: WaitSettings,
                  now: datetime | None = None, position: int | None = None) -> Estimate:
    """The expected wait of a case with ``ahead`` cases of its line before it."""
    now = now or utcnow()
    handling = handling_time(session, channel, settings, now)
    agents = [a for a in routing.online_agents(session) if a.takes(channel, language)]
    started = dict(session.execute(select(Escalation.claimed_by_id, func.max(Escalation.claimed_at)).where(
        Escalation.status == "claimed", Escalation.claimed_by_id.in_([a.id for a in agents]))
        .group_by(Escalation.claimed_by_id)).all()) if agents else {}
    remaining = [max(0.0, handling - (now - as_utc(started[a.id])).total_seconds()) if a.id in started else 0.0
                 for a in agents]
    wait = schedule(remaining, handling, ahead)
    return Estimate(None if wait is None else int(round(wait)), position, len(agents), int(round(handling)))


def for_case(session: Session, escalation: Escalation, settings: WaitSettings, now: datetime | None = None) -> Estimate:
    """The expected wait of a waiting case; a case no longer waiting waits 0 (position None)."""
    if escalation.status != "waiting":
        return Estimate(0 if escalation.status == "claimed" else None, None, 0, 0)
    ahead = session.scalar(select(func.count()).select_from(Escalation).where(
        Escalation.status == "waiting", Escalation.channel == escalation.channel,
        Escalation.language == escalation.language, Escalation.created_at < escalation.created_at)) or 0
    return line_estimate(session, escalation.channel, escalation.language, int(ahead), settings, now, int(ahead) + 1)

"""Scrape-time readings of the agents' side for the gateway's metrics (telemetry.metrics.ReadingGauge):
the escalation queue's depth per channel, read from the database every gateway process shares."""
from __future__ import annotations

from sqlalchemy import func, select

from agents.models import Escalation
from kernel.fields import CHANNELS


def waiting_by_channel(session_factory) -> dict[tuple, float]:
    """{(channel,): escalations waiting for an agent} — every channel present, zero included."""
    with session_factory() as session:
        rows = session.execute(select(Escalation.channel, func.count()).where(Escalation.status == "waiting")
                               .group_by(Escalation.channel)).all()
    counts = {(channel,): 0.0 for channel in CHANNELS}
    counts.update({(channel,): float(n) for channel, n in rows if channel in CHANNELS})
    return counts

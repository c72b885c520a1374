"""Rasa's health, readiness and metrics (telemetry/): started by the help-desk channels once the
server's loop exists (bot/channels.py, a ``before_server_start`` listener).

Readiness (the side port's ``/readyz``, METRICS_PORT): the event loop answers, a model is loaded,
the tracker store answers (``exists`` of a conversation that never exists: one primary-key look-up)
and the lock store answers (Redis PING, from the side port's thread). Liveness: Rasa's own ``GET /``.
Metrics: requests per route template, turns per channel (``telemetry.sanic.counted_turns``).
"""
from __future__ import annotations

import asyncio
from typing import Any

READINESS_CONVERSATION = "helpdesk-readiness-probe"


def instrument_rasa(app: Any, loop: asyncio.AbstractEventLoop) -> None:
    from telemetry.sanic import instrument, on_loop

    async def model() -> None:
        agent = getattr(app.ctx, "agent", None)
        if agent is None or not agent.is_ready():
            raise LookupError("no model loaded")

    async def tracker_store() -> None:
        agent = getattr(app.ctx, "agent", None)
        if agent is None:
            raise LookupError("no agent")
        await agent.tracker_store.exists(READINESS_CONVERSATION)

    def lock_store() -> None:
        agent = getattr(app.ctx, "agent", None)
        red = getattr(getattr(agent, "lock_store", None), "red", None)
        if red is not None:
            red.ping()

    instrument(app, loop, "rasa", {"model": on_loop(loop, model), "tracker_store": on_loop(loop, tracker_store),
                                   "lock_store": lock_store})

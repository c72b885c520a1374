"""Per-route request metrics and the side port for a Sanic app (Rasa, the action server; engine env).

``instrument(app, loop, "rasa", checks)`` — called once the server's loop exists (a
``before_server_start`` listener): request/response middleware count and time every request under
its route template (``request.route.path``), and METRICS_PORT serves /metrics, /healthz and /readyz
from a thread. A readiness check that needs the server's loop is given as a coroutine function and
runs there (``on_loop``), so a stuck loop makes the process not ready. Both Rasa and rasa-sdk run one
Sanic worker in the main process: no multiprocess directory is needed.

Turns (``observe_turn``): a user message handed to Rasa's agent, per conversation channel, with its
duration and outcome — the socket.io widget's turns are no HTTP requests, so they are counted here.
"""
from __future__ import annotations

import asyncio
import time
from typing import Any, Awaitable, Callable, Dict, Optional

from prometheus_client import Counter, Histogram

from telemetry import metrics

TURNS = Counter("helpdesk_rasa_turns", "User messages Rasa answered, per conversation channel and outcome.",
                ["channel", "outcome"])
TURN_LATENCY = Histogram("helpdesk_rasa_turn_duration_seconds", "Time from a user message to Rasa's last answer.",
                         ["channel"], buckets=metrics.LATENCY_BUCKETS)


def observe_turn(channel: Optional[str], outcome: str, seconds: float) -> None:
    channel = channel if channel in ("chat", "phone") else "other"
    TURNS.labels(channel, outcome).inc()
    TURN_LATENCY.labels(channel).observe(max(0.0, seconds))


def counted_turns(on_new_message: Callable[[Any], Awaitable[Any]]) -> Callable[[Any], Awaitable[Any]]:
    """Wrap a channel's ``on_new_message``: every UserMessage is a turn (``ok``, ``cancelled`` on a
    timeout, ``error``); the channel comes from the message's metadata."""

    async def handle(message: Any) -> Any:
        metadata = getattr(message, "metadata", None) or {}
        channel = metadata.get("channel") if isinstance(metadata, dict) else None
        started = time.perf_counter()
        outcome = "error"
        try:
            result = await on_new_message(message)
            outcome = "ok"
            return result
        except asyncio.CancelledError:
            outcome = "cancelled"
            raise
        finally:
            observe_turn(channel, outcome, time.perf_counter() - started)

    return handle


def on_loop(loop: asyncio.AbstractEventLoop, coroutine_function: Callable[[], Awaitable[Any]],
            timeout: float = 2.0) -> metrics.Check:
    """A readiness check run on the server's loop (from the side port's thread)."""

    def check() -> None:
        asyncio.run_coroutine_threadsafe(coroutine_function(), loop).result(timeout=timeout)

    return check


async def _nothing() -> None:
    return None


def instrument(app: Any, loop: asyncio.AbstractEventLoop, process: str,
               checks: Optional[Dict[str, metrics.Check]] = None) -> None:
    """Middleware and the side port; a second call for the same app does nothing."""
    if getattr(app.ctx, "telemetry_process", None):
        return
    app.ctx.telemetry_process = process

    async def started(request) -> None:
        request.ctx.telemetry_started = time.perf_counter()

    async def finished(request, response) -> None:
        begun = getattr(request.ctx, "telemetry_started", None)
        if begun is None:
            return
        route = getattr(request, "route", None)
        template = getattr(route, "path", None) if route is not None else None
        status = getattr(response, "status", 500) if response is not None else 500
        metrics.observe_request(process, request.method, template, status, time.perf_counter() - begun)

    app.register_middleware(started, "request")
    app.register_middleware(finished, "response")
    all_checks = {"event_loop": on_loop(loop, _nothing)}
    all_checks.update(checks or {})
    app.ctx.telemetry_side_port = metrics.serve_from_env(process, all_checks)

"""The action server's metrics and readiness (telemetry/). rasa-sdk imports every module of this
package into its Sanic app ("rasa_sdk") at start-up; this one then registers, for that app only:

- per-route request metrics and the side port of METRICS_PORT (``telemetry.sanic.instrument``);
- ``helpdesk_actions_total{action, status}`` and ``helpdesk_action_duration_seconds{action}`` from the
  ``next_action`` of each ``/webhook`` call (a name from the domain, never anything a user typed);
- ``helpdesk_assistant_fallbacks_total{channel}``: turns the assistant did not understand (the
  not-understood actions of actions/handoff.py).
Imported anywhere else (tests, Rasa), it does nothing. Liveness: rasa-sdk's own ``GET /health``.
"""
from __future__ import annotations

import re
import time
from typing import Any, Optional

from actions.handoff import NOT_UNDERSTOOD_ACTIONS

_ACTION_NAME = re.compile(r"^(action|validate|utter)_[a-z0-9_]{1,80}$")


def action_label(name: Any) -> str:
    return name if isinstance(name, str) and _ACTION_NAME.match(name) else "<other>"


def _app() -> Optional[Any]:
    try:
        from sanic import Sanic

        return Sanic.get_app("rasa_sdk")
    except Exception:  # noqa: BLE001 - not inside the action server
        return None


def register(app: Any) -> None:
    from prometheus_client import Counter, Histogram

    from telemetry import metrics
    from telemetry.sanic import instrument

    actions = Counter("helpdesk_actions", "Custom action calls, per action and HTTP status.", ["action", "status"])
    latency = Histogram("helpdesk_action_duration_seconds", "Time to run a custom action.", ["action"],
                        buckets=metrics.LATENCY_BUCKETS)
    fallbacks = Counter("helpdesk_assistant_fallbacks", "Turns the assistant did not understand, per channel.",
                        ["channel"])

    async def started(request) -> None:
        request.ctx.action_started = time.perf_counter()

    async def finished(request, response) -> None:
        begun = getattr(request.ctx, "action_started", None)
        if begun is None or getattr(getattr(request, "route", None), "path", None) != "webhook":
            return
        try:
            body = request.json if isinstance(request.json, dict) else {}
        except Exception:  # noqa: BLE001 - a body that is not JSON: rasa-sdk answered it already
            body = {}
        name = action_label(body.get("next_action"))
        actions.labels(name, str(getattr(response, "status", 500))).inc()
        latency.labels(name).observe(time.perf_counter() - begun)
        if name in NOT_UNDERSTOOD_ACTIONS:
            slots = ((body.get("tracker") or {}).get("slots") or {}) if isinstance(body.get("tracker"), dict) else {}
            fallbacks.labels("phone" if slots.get("channel") == "phone" else "chat").inc()

    app.register_middleware(started, "request")
    app.register_middleware(finished, "response")

    async def serve(app_: Any, loop: Any) -> None:
        instrument(app_, loop, "actions")

    app.register_listener(serve, "before_server_start")


_server_app = _app()
if _server_app is not None and not getattr(_server_app.ctx, "helpdesk_observed", False):
    _server_app.ctx.helpdesk_observed = True
    register(_server_app)

"""Per-route request metrics, ``/healthz`` and ``/readyz`` for a Flask app (gateway, credentials backend).

``instrument(app, "gateway", checks={"database": ...})`` — one line in the app factory:
- counts and times every request under its route template (``request.url_rule.rule``), never the path;
- ``GET /healthz`` (kept when the app has its own) answers 200 while the process serves;
- ``GET /readyz`` runs the readiness checks (the database, ...): 200 when all pass, 503 with the
  failing check's error type otherwise (a load balancer stops sending traffic, the process lives on).
Metrics themselves are on the side port (``telemetry.metrics``), not on the app's routes.
"""
from __future__ import annotations

import time
from typing import Dict, Optional

from flask import Flask, g, jsonify, request

from telemetry import metrics


def database_check(engine) -> metrics.Check:
    """A readiness check: one ``SELECT 1`` on the engine (SQLAlchemy)."""
    from sqlalchemy import text

    def check() -> None:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    return check


def instrument(app: Flask, process: str, checks: Optional[Dict[str, metrics.Check]] = None,
               extra=lambda: ()) -> None:
    """Hooks, /healthz, /readyz; and the side port of METRICS_PORT when it is set (``extra``: a
    callable giving scrape-time collectors, e.g. a queue depth read from the database)."""
    checks = dict(checks or {})
    app.extensions["telemetry_checks"] = checks
    if not app.testing and "telemetry_side_port" not in app.extensions:
        app.extensions["telemetry_side_port"] = metrics.serve_from_env(process, checks, extra)

    @app.before_request
    def _started() -> None:
        g._telemetry_started = time.perf_counter()
        metrics.IN_FLIGHT.labels(process).inc()

    @app.teardown_request
    def _finished(_exc: Optional[BaseException]) -> None:
        started = g.pop("_telemetry_started", None)
        if started is None:
            return
        metrics.IN_FLIGHT.labels(process).dec()
        status = g.pop("_telemetry_status", 500 if _exc is not None else 200)
        rule = request.url_rule.rule if request.url_rule is not None else None
        metrics.observe_request(process, request.method, rule, status, time.perf_counter() - started)

    @app.after_request
    def _status(response):
        g._telemetry_status = response.status_code
        return response

    if not any(rule.rule == "/healthz" for rule in app.url_map.iter_rules()):
        app.add_url_rule("/healthz", "telemetry_healthz", lambda: jsonify(status="ok"), methods=["GET"])

    def readyz():
        status, body = metrics.readiness_body(checks)
        return jsonify(body), status

    app.add_url_rule("/readyz", "telemetry_readyz", readyz, methods=["GET"])

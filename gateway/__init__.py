"""The help-desk gateway: one Flask app (port 8000) that mounts the phone line (ivr/), the agent
console and escalation API (agents/) and the web chat assets (web/)."""
from __future__ import annotations

import importlib
import logging
from typing import Any

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from gateway.credentials_client import CredentialsClient
from gateway.db import make_engine, make_session_factory
from gateway.input_guard import refuse_nul_characters
from gateway.settings import GatewaySettings

log = logging.getLogger(__name__)

# Each room exposes ``init_app(app)`` in its package; a room that cannot be imported is an error.
ROOMS = ("agents", "ivr", "web")

MAX_BODY_BYTES = 256 * 1024
ROW_ID_MAX = 2 ** 31 - 1  # PostgreSQL's integer, the id columns' type


class RowIdConverter(IntegerConverter):
    """``<int:...>`` in a route is a row id: a number past the id columns' range is no row (404),
    never a query the database driver refuses (OverflowError on SQLite, out of range on PostgreSQL)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", ROW_ID_MAX)
        super().__init__(map, *args, **kwargs)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Application factory. ``test_config`` may hold ``SETTINGS`` (a GatewaySettings) and Flask keys."""
    app = Flask(__name__, static_folder=None)
    app.url_map.converters["int"] = RowIdConverter  # before any room adds its routes
    test_config = dict(test_config or {})
    settings: GatewaySettings = test_config.pop("SETTINGS", None) or GatewaySettings.from_env()
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.public_base_url.startswith("https://"),
        JSON_SORT_KEYS=False,
    )
    app.config.update(test_config)
    app.extensions["gateway_settings"] = settings
    engine = make_engine(settings.database_url)
    app.extensions["gateway_engine"] = engine
    app.extensions["gateway_sessions"] = make_session_factory(engine)
    app.extensions["gateway_credentials"] = CredentialsClient(settings.credentials_url,
                                                              settings.credentials_console_token)
    # Live updates across gateway processes: on PostgreSQL through LISTEN/NOTIFY (agents/notify.py);
    # on SQLite (one process) the in-memory wake-up is all there is.
    from agents.notify import changes

    changes.attach(settings.database_url)
    _serve_role(app, settings.role)
    refuse_nul_characters(app)

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
            return jsonify(error=exc.name.lower().replace(" ", "_"), message=exc.description), exc.code
        return exc

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return jsonify(error="internal_error", message="Something went wrong on our side."), 500

    for room in ROOMS:
        importlib.import_module(room).init_app(app)
    _instrument(app)
    return app


def _instrument(app: Flask) -> None:
    """Per-route metrics, /readyz (the database) and the side port of METRICS_PORT (telemetry/)."""
    from agents.metrics import waiting_by_channel
    from telemetry.flask import database_check, instrument
    from telemetry.metrics import ReadingGauge

    sessions = app.extensions["gateway_sessions"]
    queue = ReadingGauge("helpdesk_escalations_waiting", "Escalations waiting for an agent, per channel.",
                         ("channel",), lambda: waiting_by_channel(sessions))
    instrument(app, "gateway", checks={"database": database_check(app.extensions["gateway_engine"])},
               extra=lambda: [queue])


STREAM_ENDPOINT = "agents_relay.events"
# The public rooms' paths; a process of one role refuses the others' (health, readiness and metrics
# routes stay open in every role).
ROOM_PREFIXES = ("/voice", "/agents", "/api/", "/widget")


def _serve_role(app: Flask, role: str) -> None:
    """Production splits the gateway in two pools behind the proxy: "web" processes (gthread) answer
    the phone line's webhooks, the console and the APIs and refuse the relay's event streams, so no
    stream ever holds a webhook thread; "streams" processes (gevent workers, a stream is a greenlet)
    answer only the event streams. "all" (the embedded default) serves both from one process, where
    agents/streams.py keeps the streams to a share of the threads."""
    if role == "all":
        return

    @app.before_request
    def only_this_role():
        is_stream = request.endpoint == STREAM_ENDPOINT
        in_rooms = request.path == "/" or request.path.startswith(ROOM_PREFIXES)
        if (role == "web" and is_stream) or (role == "streams" and in_rooms and not is_stream):
            return jsonify(error="not_found", message=f"This gateway process ({role}) does not serve this route."), 404
        return None


def settings_of(app: Flask) -> GatewaySettings:
    return app.extensions["gateway_settings"]


def sessions_of(app: Flask):
    """The sessionmaker bound to this app's database."""
    return app.extensions["gateway_sessions"]


def credentials_of(app: Flask) -> CredentialsClient:
    """This app's client of the credentials backend's new-code call (gateway/credentials_client.py)."""
    return app.extensions["gateway_credentials"]

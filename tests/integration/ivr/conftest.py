"""Stand-ins for the assistant and the credentials backend in the phone line's integration tests:
real HTTP servers on free ports (so timeouts, refused connections and a server stopped mid-call are
real), answering from a script. The e2e tests use the real services."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import pytest
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

from tests.fixtures.ports import free_port


@dataclass
class StandIn:
    url: str
    received: list[dict[str, Any]] = field(default_factory=list)
    delay: float = 0.0
    status: int = 200
    reply: Callable[[dict[str, Any]], Any] = lambda body: []
    _server: Any = None
    _thread: Any = None

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None


def _start(path: str) -> StandIn:
    app = Flask("stand-in")
    port = free_port()
    stand_in = StandIn(url=f"http://127.0.0.1:{port}")

    @app.post(path)
    def answer():
        body = request.get_json(force=True, silent=True) or {}
        stand_in.received.append({"body": body, "headers": dict(request.headers)})
        if stand_in.delay:
            time.sleep(stand_in.delay)
        return jsonify(stand_in.reply(body)), stand_in.status

    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    stand_in._server, stand_in._thread = server, thread
    return stand_in


@pytest.fixture
def rasa_stand_in():
    """Answers POST /webhooks/helpdesk/webhook with ``stand_in.reply(body)`` (a list of bot messages)."""
    stand_in = _start("/webhooks/helpdesk/webhook")
    yield stand_in
    stand_in.stop()


@pytest.fixture
def backend_stand_in():
    """Answers POST /api/v1/reset-requests with 202 {"status": "accepted"} (like the real backend)."""
    stand_in = _start("/api/v1/reset-requests")
    stand_in.status = 202
    stand_in.reply = lambda body: {"status": "accepted"}
    yield stand_in
    stand_in.stop()

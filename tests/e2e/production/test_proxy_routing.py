"""The production proxy's own rules, on the real HAProxy with the config ops/production.py renders,
in front of stand-in replicas that say who they are and what headers reached them (seconds, not a
whole topology): which paths the public side routes where and that everything else is the proxy's
404; the client-address headers are the proxy's alone; one conversation id -> one Rasa replica,
whichever way it arrives (widget socket.io URL, REST channel body, HTTP API path); a dead replica's
conversations move to another while the others stay put."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from ops.production import Topology, ensure_certificate, proxy_servers
from tests.fixtures.production_services import free_block

HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
pytestmark = pytest.mark.skipif(not os.path.exists(HAPROXY), reason="haproxy missing: scripts/setup.sh production")


class Replica:
    """A stand-in process: answers every request with its name, the path and the headers it got."""

    def __init__(self, name: str, port: int) -> None:
        self.name = name
        self.connections: set = set()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                outer.connections.add(self.connection)

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                body = json.dumps({"replica": outer.name, "path": self.path,
                                   "headers": {k.lower(): v for k, v in self.headers.items()}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = _answer

            def log_message(self, *args) -> None:
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address) -> None:
                pass  # the proxy's health checks hang up without reading the answer

        self.server = Server(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """As a killed process: the listening socket and every open connection closed at once."""
        self.server.shutdown()
        self.server.server_close()
        for connection in list(self.connections):
            try:
                connection.shutdown(2)
            except OSError:
                pass


@pytest.fixture(scope="module")
def proxy(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("proxy")
    base = free_block(30)
    topology = Topology(
        rasa_replicas=2, action_replicas=2, gateway_replicas=2, stream_replicas=1, credentials_replicas=2,
        public_https_port=base, public_http_port=base + 1, rasa_in_port=base + 2, actions_in_port=base + 3,
        credentials_in_port=base + 4, gateway_in_port=base + 5, replica_port_base=base + 10, state_dir=tmp,
    )
    ensure_certificate(topology.certificate, topology.public_host)
    (tmp / "haproxy.cfg").write_text(topology.haproxy_config(), encoding="utf-8")
    replicas = {f"{kind}-{i + 1}": Replica(f"{kind}-{i + 1}", port)
                for kind, ports in topology.replicas().items() for i, port in enumerate(ports)}
    process = subprocess.Popen([HAPROXY, "-W", "-db", "-f", str(tmp / "haproxy.cfg")],
                               stdout=open(tmp / "haproxy.log", "w"), stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                states = proxy_servers(tmp)
                if states and all(s.startswith("UP") for s in states.values()):
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            raise RuntimeError("haproxy never saw its servers up")
        with httpx.Client(verify=False, timeout=10) as client:
            yield topology, replicas, client
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
        for replica in replicas.values():
            replica.stop()


def _public(topology, client, method: str, path: str, **kwargs) -> httpx.Response:
    return client.request(method, f"{topology.public_url}{path}", **kwargs)


@pytest.mark.parametrize("method, path", [
    ("GET", "/status"), ("GET", "/version"), ("GET", "/"), ("POST", "/model/parse"),  # Rasa's HTTP API ...
    ("GET", "/conversations/abc/tracker"), ("POST", "/conversations/abc/execute"),
    ("POST", "/webhooks/helpdesk/webhook"), ("POST", "/webhooks/rest/webhook"),  # ... and REST channels
    ("POST", "/webhook"), ("GET", "/health"), ("GET", "/actions"),  # the action server
    ("POST", "/api/v1/reset-requests"), ("POST", "/api/v1/diagnose"), ("POST", "/api/v1/office/accounts"),
    ("POST", "/api/v1/login"), ("GET", "/api/v1/openapi.json"),  # the credentials backend
    ("POST", "/api/v1/escalations"), ("GET", "/api/v1/escalations/HD-1234"),  # the gateway's service API
    ("POST", "/api/v1/conversation-events"), ("GET", "/healthz"), ("GET", "/metrics"),
    ("GET", "/socket.io/../status"), ("GET", "/socket.io/%2e%2e/status"), ("GET", "/widget/../healthz"),
    ("GET", "//status"), ("GET", "/voice/../api/v1/escalations"),
])
def test_the_public_side_refuses_every_internal_route(proxy, method, path):
    topology, _, client = proxy
    # rasa's root "/" belongs to the gateway's demo page publicly; every other path must not reach a replica
    r = _public(topology, client, method, path, extensions={"target": path.encode()})
    if path == "/":
        assert r.json()["replica"].startswith("gateway-")
        return
    if r.status_code == 200 and "replica" in r.json():
        reached = r.json()
        # dot segments are resolved by the proxy before routing: what reaches a replica is a public path
        assert not reached["path"].startswith(("/status", "/healthz", "/api/v1/escalations")), reached
        assert reached["replica"].startswith("gateway-") and ".." not in reached["path"], reached
        return
    assert r.status_code == 404
    assert r.json()["error"] == "not_found"


@pytest.mark.parametrize("path, kind", [
    ("/", "gateway"), ("/voice/incoming", "gateway"), ("/agents/", "gateway"), ("/agents/login", "gateway"),
    ("/widget/widget.js", "gateway"), ("/api/v1/chat/c1/messages", "gateway"),
    ("/api/v1/conversations/c1/rating", "gateway"), ("/api/v1/chat/c1/events", "streams"),
    ("/socket.io/?EIO=4&transport=polling", "rasa"),
])
def test_public_routes_reach_their_processes(proxy, path, kind):
    topology, _, client = proxy
    r = _public(topology, client, "POST" if "messages" in path or "rating" in path or "voice" in path else "GET", path)
    assert r.status_code == 200 and r.json()["replica"].startswith(kind + "-"), r.text


def test_plain_http_is_sent_to_https(proxy):
    topology, _, client = proxy
    r = client.get(f"http://{topology.public_host}:{topology.public_http_port}/agents/", follow_redirects=False)
    assert r.status_code == 301 and r.headers["location"].startswith("https://")


def test_the_client_address_header_is_the_proxys_alone(proxy):
    topology, _, client = proxy
    forged = {"X-Forwarded-For": "203.0.113.7", "Forwarded": "for=203.0.113.7", "X-Real-IP": "203.0.113.7",
              "X-Forwarded-Proto": "http", "X-Forwarded-Host": "evil.example"}
    headers = _public(topology, client, "GET", "/agents/login", headers=forged).json()["headers"]
    assert headers["x-forwarded-for"] == "127.0.0.1"
    assert "forwarded" not in headers and "x-real-ip" not in headers
    assert headers["x-forwarded-proto"] == "https"
    assert headers["x-forwarded-host"] == f"{topology.public_host}:{topology.public_https_port}"


def test_the_replica_name_is_never_shown_publicly(proxy):
    topology, _, client = proxy
    r = _public(topology, client, "GET", "/socket.io/?EIO=4&transport=polling&conversation=x")
    assert "x-served-by" not in r.headers and "server" not in r.headers


def _rasa_in(topology, client, how: str, conversation: str) -> str:
    """The Rasa replica one request of ``conversation`` reaches, sent ``how`` a conversation's requests come."""
    if how == "widget":
        r = _public(topology, client, "GET", f"/socket.io/?EIO=4&transport=websocket&conversation={conversation}")
    elif how == "phone":
        r = client.post(f"http://127.0.0.1:{topology.rasa_in_port}/webhooks/helpdesk/webhook",
                        json={"sender": conversation, "message": "hello", "metadata": {"channel": "phone"}})
    else:
        r = client.post(f"http://127.0.0.1:{topology.rasa_in_port}/conversations/{conversation}/tracker/events",
                        json=[{"event": "resume"}])
    return r.json()["replica"]


def test_one_conversation_reaches_one_rasa_replica_whichever_way_it_comes(proxy):
    topology, _, client = proxy
    seen = set()
    for _ in range(40):
        conversation = uuid.uuid4().hex if len(seen) % 2 else "CA" + uuid.uuid4().hex
        reached = {_rasa_in(topology, client, how, conversation) for how in ("widget", "phone", "console", "phone")}
        assert len(reached) == 1, (conversation, reached)
        seen |= reached
    assert seen == {"rasa-1", "rasa-2"}  # and the conversations are spread over both


def test_a_dead_replicas_conversations_move_and_the_others_stay(proxy):
    topology, replicas, client = proxy
    conversations = [uuid.uuid4().hex for _ in range(30)]
    before = {c: _rasa_in(topology, client, "phone", c) for c in conversations}
    assert set(before.values()) == {"rasa-1", "rasa-2"}
    port = topology.replicas()["rasa"][0]
    replicas["rasa-1"].stop()
    try:
        # at once, before the health check has noticed: the proxy retries on the live replica
        after = {c: _rasa_in(topology, client, "phone", c) for c in conversations}
        assert set(after.values()) == {"rasa-2"}
        assert all(after[c] == before[c] for c in conversations if before[c] == "rasa-2")
    finally:
        replicas["rasa-1"] = Replica("rasa-1", port)
    deadline = time.monotonic() + 20
    while not proxy_servers(topology.state_dir)["rasa/rasa1"].startswith("UP") and time.monotonic() < deadline:
        time.sleep(0.2)
    # back on the ring: every conversation is where it was (consistent hashing)
    assert {c: _rasa_in(topology, client, "phone", c) for c in conversations} == before

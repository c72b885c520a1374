"""The clients of the credentials backend and the gateway: wire JSON in, kernel.contracts objects out,
one BackendUnavailable / GatewayUnavailable for every way the other side can fail (kernel.contracts.outcome_of)."""
from __future__ import annotations

import asyncio
import json
import socket
import threading

import httpx
import pytest

from actions.credentials_client import TIMEOUT_SECONDS, BackendRejected, BackendUnavailable, CredentialsClient
from actions.gateway_client import GatewayClient, GatewayUnavailable
from kernel.contracts import ConversationEvent, Diagnosis, EscalationRequest, Rejected, TranscriptTurn, Unavailable


def answering(status, body, seen=None):
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        if isinstance(body, str):
            return httpx.Response(status, text=body)
        return httpx.Response(status, json=body)
    return httpx.MockTransport(handler)


def client(status=202, body=None, seen=None, token="svc-token"):
    return CredentialsClient("http://backend.test", token, transport=answering(status, body or {"status": "accepted"}, seen))


def test_default_timeout_is_three_seconds():
    assert TIMEOUT_SECONDS == 3.0 and CredentialsClient.from_env().timeout == 3.0


def test_reset_request_sends_bearer_token_and_the_four_fields():
    seen = []
    asyncio.run(client(seen=seen).request_new_code("kisspista77", "k@p.hu", "chat", "conv-1"))
    request = seen[0]
    assert request.url.path == "/api/v1/reset-requests"
    assert request.headers["Authorization"] == "Bearer svc-token"
    assert json.loads(request.content) == {"username": "kisspista77", "email": "k@p.hu", "channel": "chat",
                                           "source": "conv-1"}


def test_verified_diagnosis_becomes_typed_objects():
    body = {"verified": True, "state": "pending",
            "live_code": {"exists": True, "expires_at": "2026-11-29T11:30:00Z", "last_expired": False},
            "recent_failures": [{"at": "2026-11-24T10:00:00Z", "reason": "wrong_password"},
                                {"at": "2026-11-24T11:00:00Z", "reason": "code_used_as_password"}],
            "last_code_mail": {"status": "sent", "at": "2026-11-24T09:00:00Z", "detail": "250 ok"}}
    diagnosis = asyncio.run(client(200, body).diagnose("u", "e@x.hu", "chat", "s"))
    assert isinstance(diagnosis, Diagnosis) and diagnosis.verified and diagnosis.state == "pending"
    assert diagnosis.live_code.exists and diagnosis.live_code.expires_at.year == 2026
    assert diagnosis.latest_failure_reason() == "code_used_as_password"
    assert diagnosis.summary()["last_code_mail"] == "sent"


def test_unverified_diagnosis_has_no_details():
    diagnosis = asyncio.run(client(200, {"verified": False}).diagnose("u", "e@x.hu", "chat", "s"))
    assert diagnosis == Diagnosis(verified=False) and diagnosis.summary() == {"verified": False}


@pytest.mark.parametrize("status", [500, 502, 503, 401, 403])
def test_server_errors_and_a_rejected_token_are_backend_unavailable(status):
    with pytest.raises(BackendUnavailable):
        asyncio.run(client(status, {"error": "internal_error"}).request_new_code("u", "e@x.hu", "chat", "s"))


def test_a_refused_field_is_backend_rejected_with_the_field():
    with pytest.raises(BackendRejected) as caught:
        asyncio.run(client(422, {"error": "invalid_field", "field": "email"}).request_new_code("u", "x", "chat", "s"))
    assert caught.value.field == "email"


def test_missing_token_is_backend_unavailable_without_a_call():
    seen = []
    with pytest.raises(BackendUnavailable):
        asyncio.run(client(seen=seen, token="").request_new_code("u", "e@x.hu", "chat", "s"))
    assert seen == []


def test_refused_connection_is_backend_unavailable(free_tcp_port):
    real = CredentialsClient(f"http://127.0.0.1:{free_tcp_port}", "t", timeout=0.5)
    with pytest.raises(BackendUnavailable):
        asyncio.run(real.request_new_code("u", "e@x.hu", "chat", "s"))


def test_a_backend_that_never_answers_times_out_as_backend_unavailable(silent_server):
    real = CredentialsClient(silent_server, "t", timeout=0.3)
    with pytest.raises(BackendUnavailable):
        asyncio.run(real.diagnose("u", "e@x.hu", "chat", "s"))


def test_gateway_escalation_round_trip():
    seen = []
    transport = answering(201, {"id": "9", "reference": "KX-42", "status": "waiting"}, seen)
    gateway = GatewayClient("http://gw.test", "gw-token", transport=transport)
    request = EscalationRequest("chat:c:3", "chat", "c", "hu", "user_asked",
                                [TranscriptTurn("user", "segítség", "2026-11-24T12:00:00Z")], ["new_code_form"])
    escalation = asyncio.run(gateway.create_escalation(request))
    assert escalation.reference == "KX-42"
    sent = json.loads(seen[0].content)
    assert sent["idempotency_key"] == "chat:c:3" and sent["transcript"][0]["role"] == "user"
    assert seen[0].headers["Authorization"] == "Bearer gw-token"


def test_gateway_escalation_answer_carries_the_widgets_chat_token():
    answer = {"id": "9", "reference": "KX-42", "status": "waiting", "chat_token": "tok-abc"}
    gateway = GatewayClient("http://gw.test", "t", transport=answering(201, answer))
    escalation = asyncio.run(gateway.create_escalation(EscalationRequest("k", "chat", "c", "hu", "user_asked")))
    assert escalation.chat_token == "tok-abc"


def test_phone_escalation_answer_has_no_chat_token():
    gateway = GatewayClient("http://gw.test", "t", transport=answering(201, {"id": "9", "reference": "KX-42"}))
    escalation = asyncio.run(gateway.create_escalation(EscalationRequest("k", "phone", "CA1", "hu", "user_asked")))
    assert escalation.chat_token is None


def test_conversation_event_is_posted_with_the_service_token():
    seen = []
    gateway = GatewayClient("http://gw.test", "gw-token", transport=answering(201, {"status": "recorded"}, seen))
    asyncio.run(gateway.record_conversation_event(ConversationEvent("c-1", "chat", "hu", "topic", "code_expired")))
    assert seen[0].url.path == "/api/v1/conversation-events"
    assert seen[0].headers["Authorization"] == "Bearer gw-token"
    assert json.loads(seen[0].content) == {"conversation_id": "c-1", "channel": "chat", "language": "hu",
                                           "kind": "topic", "detail": "code_expired"}


@pytest.mark.parametrize("status", [422, 500, 401])
def test_refused_conversation_event_is_gateway_unavailable(status):
    gateway = GatewayClient("http://gw.test", "t", transport=answering(status, {"error": "x"}))
    with pytest.raises(GatewayUnavailable):
        asyncio.run(gateway.record_conversation_event(ConversationEvent("c", "chat", "hu", "started")))


def test_conversation_event_without_service_token_is_not_sent():
    seen = []
    gateway = GatewayClient("http://gw.test", "", transport=answering(201, {}, seen))
    with pytest.raises(GatewayUnavailable):
        asyncio.run(gateway.record_conversation_event(ConversationEvent("c", "chat", "hu", "started")))
    assert seen == []


@pytest.mark.parametrize("status,body", [(503, {"error": "x"}), (422, {"error": "invalid"}), (201, {"id": "1"})])
def test_gateway_failures_are_gateway_unavailable(status, body):
    gateway = GatewayClient("http://gw.test", "t", transport=answering(status, body))
    with pytest.raises(GatewayUnavailable):
        asyncio.run(gateway.create_escalation(EscalationRequest("k", "chat", "c", "hu", "user_asked")))


@pytest.fixture
def free_tcp_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def silent_server():
    """A real TCP server that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join(timeout=2)
    for conn in held:
        conn.close()
    server.close()


def test_the_client_address_travels_in_the_body_beside_the_source():
    seen = []
    asyncio.run(client(seen=seen).request_new_code("u", "e@x.hu", "chat", "conv-1", client_address="203.0.113.9"))
    asyncio.run(client(200, {"verified": False}, seen=seen).diagnose("u", "e@x.hu", "chat", "conv-1",
                                                                     client_address="203.0.113.9"))
    for request in seen:
        body = json.loads(request.content)
        assert body["client_address"] == "203.0.113.9" and body["source"] == "conv-1"


def test_service_calls_build_the_certificate_check_once_per_process(monkeypatch):
    """httpx loads the CA bundle for every new client that checks certificates itself (about 20 ms of
    CPU): the action server's calls to the backend and the gateway all hand their clients one TLS
    context, built once."""
    import ssl

    from actions import service_client

    given = []
    real_client = httpx.AsyncClient

    def recording_client(*args, **kwargs):
        given.append(kwargs.get("verify"))
        return real_client(*args, **kwargs)

    monkeypatch.setattr(httpx, "AsyncClient", recording_client)
    service_client.tls_context.cache_clear()
    seen = []
    for n in range(3):
        asyncio.run(client(seen=seen).request_new_code("kisspista77", "k@p.hu", "chat", f"conv-{n}"))
    asyncio.run(GatewayClient("http://gateway.test", "svc-token", transport=answering(201, {})).record_conversation_event(
        ConversationEvent("conv-9", "chat", "hu", "started")))
    assert len(seen) == 3 and len(given) == 4
    assert all(isinstance(context, ssl.SSLContext) and context is given[0] for context in given)
    assert service_client.tls_context.cache_info().misses == 1

"""The production topology as `make run-production` starts it (ops/production.py: HAProxy, two Rasa
replicas on the PostgreSQL tracker store and the Redis lock store, action-server, gateway and
backend replicas under supervisord), started once for the session (tests/fixtures/production_services.py):
the public address serves the help desk over TLS and refuses every internal; one conversation's
turns all reach one replica; after kill -9 of the replica holding a conversation its next turn is
answered by another with the slots intact, and the new code it asked for arrives; a call through
the call driver, signed for the public URL, reaches the assistant through the proxy."""
from __future__ import annotations

import email
import email.policy
import pathlib
import time
import uuid
from urllib.parse import quote

import httpx
import pytest

from tests.fixtures.production_services import https_client, turn

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.timeout(1200)]


@pytest.fixture(scope="module")
def prod(production_topology):
    return production_topology


@pytest.fixture(scope="module")
def client():
    with https_client() as c:
        yield c


def _tracker(prod, client, sender: str) -> tuple[str, dict]:
    """The conversation's tracker through the internal frontend (Rasa's HTTP API, admin JWT)."""
    from tests.fixtures.rasa_services import admin_jwt_header

    r = client.get(f"{prod.rasa_in}/conversations/{quote(sender, safe='')}/tracker",
                   headers=admin_jwt_header(prod.env["RASA_JWT_SECRET"]))
    assert r.status_code == 200, r.text[:300]
    return r.headers.get("X-Served-By", ""), r.json()


def test_the_public_address_serves_the_help_desk_over_tls(prod, client):
    page = client.get(prod.public_url + "/")
    assert page.status_code == 200
    # the widget on the page opens its socket.io connection at the public address, not at Rasa's own
    assert f'data-rasa-url="{prod.public_url}"' in page.text
    assert client.get(prod.public_url + "/widget/widget.js").status_code == 200
    assert client.get(prod.public_url + "/agents/login").status_code == 200
    polling = client.get(prod.public_url + "/socket.io/?EIO=4&transport=polling")
    assert polling.status_code == 200 and polling.text.startswith("0{")  # Engine.IO's open packet


@pytest.mark.parametrize("method, path", [
    ("POST", "/webhooks/helpdesk/webhook"), ("GET", "/status"), ("GET", "/conversations/x/tracker"),
    ("POST", "/webhook"), ("GET", "/actions"), ("POST", "/api/v1/reset-requests"),
    ("POST", "/api/v1/office/accounts"), ("POST", "/api/v1/escalations"), ("GET", "/healthz"),
])
def test_the_proxy_refuses_rasa_the_action_server_and_the_backend(prod, client, method, path):
    headers = {"X-Helpdesk-Channel-Secret": prod.env["RASA_CHANNEL_SECRET"],
               "Authorization": f"Bearer {prod.env['CREDENTIALS_ADMIN_TOKEN']}"}
    body = {"sender": "x", "message": "hi", "username": "kpista77", "email": "a@example.hu"}
    r = client.request(method, prod.public_url + path, json=body, headers=headers)
    assert r.status_code == 404 and r.json()["error"] == "not_found", (path, r.status_code, r.text[:200])


def test_the_internal_frontends_answer_on_loopback(prod, client):
    assert client.get(prod.rasa_in + "/").status_code == 200
    assert client.get(prod.actions_in + "/health").status_code == 200
    assert client.get(prod.credentials_in + "/healthz").status_code == 200
    assert client.get(prod.gateway_in + "/healthz").status_code == 200


def test_one_conversations_turns_all_reach_one_replica(prod, client):
    secret = prod.env["RASA_CHANNEL_SECRET"]
    by_replica: dict[str, list[str]] = {}
    for _ in range(12):
        sender = f"prod-{uuid.uuid4().hex}"
        served = {turn(client, prod.rasa_in, secret, sender, text, {"channel": "chat", "language": "hu"})[0]
                  for text in ("jó napot", "mi az az ügyfélkapu?", "köszönöm")}
        served.add(_tracker(prod, client, sender)[0])  # the console's path to the conversation
        assert len(served) == 1, (sender, served)
        by_replica.setdefault(served.pop(), []).append(sender)
        if len(by_replica) == 2 and all(len(v) >= 2 for v in by_replica.values()):
            break
    assert set(by_replica) == {"rasa1", "rasa2"}, by_replica


def _register(prod, client, username: str, address: str) -> None:
    r = client.post(f"{prod.credentials_in}/api/v1/office/accounts",
                    json={"username": username, "legal_name": "Kiss Pista", "email": address, "language": "hu"},
                    headers={"Authorization": f"Bearer {prod.env['CREDENTIALS_ADMIN_TOKEN']}"})
    assert r.status_code == 201, r.text


def _mails_to(prod, address: str) -> list:
    folder = pathlib.Path(prod.env["MAIL_SINK_DIR"])
    found = []
    for path in sorted(folder.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if address in str(message.get("To", "")):
            found.append(message)
    return found


def test_after_kill_9_of_the_replica_holding_a_conversation_another_answers_with_the_slots_intact(prod, client):
    secret = prod.env["RASA_CHANNEL_SECRET"]
    username, address = f"kp{uuid.uuid4().hex[:8]}", f"kiss.{uuid.uuid4().hex[:8]}@example.hu"
    _register(prod, client, username, address)
    deadline = time.monotonic() + 60
    while len(_mails_to(prod, address)) < 1:  # the first code, from the office registration
        assert time.monotonic() < deadline, "the registration mail never came"
        time.sleep(0.5)
    sender = f"prod-{uuid.uuid4().hex}"
    meta = {"channel": "chat", "language": "hu"}
    holder, _ = turn(client, prod.rasa_in, secret, sender, "nem kaptam meg a kódot", meta)
    assert turn(client, prod.rasa_in, secret, sender, username, meta)[0] == holder
    _, tracker = _tracker(prod, client, sender)
    assert tracker["slots"]["username"] == username and tracker["slots"]["requested_slot"] == "email"

    name = holder.replace("rasa", "rasa-")  # HAProxy's server rasa1 is supervisord's program rasa-1
    pid = prod.pid(name)
    import os
    import signal

    os.kill(pid, signal.SIGKILL)
    # the very next turn: answered by the other replica, from the shared tracker
    served, replies = turn(client, prod.rasa_in, secret, sender, address, meta)
    assert served and served != holder, served
    assert replies
    served_tracker, tracker = _tracker(prod, client, sender)
    assert served_tracker == served
    assert tracker["slots"]["username"] == username
    assert tracker["slots"]["requested_slot"] == "email_confirmed"
    served, _ = turn(client, prod.rasa_in, secret, sender, "igen", meta)
    assert served != holder
    deadline = time.monotonic() + 60
    while len(_mails_to(prod, address)) < 2:  # the new code, sent by one of the backend's outboxes
        assert time.monotonic() < deadline, "the new code never came"
        time.sleep(0.5)
    # supervisord brings the killed replica back; the proxy takes it in again once it answers
    assert prod.pid(name) != pid


class _PublicTransport:
    """The call driver's transport to the public https address (the test's self-signed certificate)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(verify=False, timeout=30.0)

    def post(self, path: str, data: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        r = self._http.post(self.base_url + path, data=data, headers=headers)
        return r.status_code, r.text

    def close(self) -> None:
        self._http.close()


def test_a_call_signed_for_the_public_url_reaches_the_assistant_through_the_proxy(prod, client):
    from ivr.callsim import TwilioCall

    transport = _PublicTransport(prod.public_url)
    try:
        call = TwilioCall(transport=transport, auth_token=prod.env["TWILIO_AUTH_TOKEN"],
                          public_base_url=prod.env["PUBLIC_BASE_URL"])
        call.dial()
        assert call.gather is not None, call.text
        call.say("lejárt az aktiváló kódom")
        assert call.says
        # the turn reached Rasa through the internal frontend, on the CallSid's replica
        served, tracker = _tracker(prod, client, call.call_sid)
        assert served in ("rasa1", "rasa2")
        assert (tracker.get("latest_message") or {}).get("metadata", {}).get("channel") == "phone"
        # a webhook signed for another address (here: the gateway's own port) is refused behind the proxy
        from twilio.request_validator import RequestValidator

        params = {"CallSid": "CA" + uuid.uuid4().hex, "From": "+36301234567", "To": "+3612345678"}
        wrong = RequestValidator(prod.env["TWILIO_AUTH_TOKEN"]).compute_signature(
            f"{prod.gateway_in}/voice/incoming", params)
        status, _ = transport.post("/voice/incoming", params, {"X-Twilio-Signature": wrong})
        assert status == 403
    finally:
        transport.close()

"""The actions against the REAL credentials backend and SMTP sink (both app-env processes).

The engine env cannot load the app env's fixtures, so this module starts `python -m mailsink` and
`python -m credentials serve` itself with the app env's interpreter, on free ports and temp dirs.
"""
from __future__ import annotations

import asyncio
import email
import email.policy
import pathlib
import re
import time
import uuid

import httpx
import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.email_address import sealed
from actions.credentials_client import CredentialsClient
from actions.diagnosis import ActionDiagnose
from actions.new_code import ActionRequestNewCode
from app_processes import Processes, app_importable, wait_for_port
from tests.fixtures.ports import free_port, wait_for_http

SERVICE_TOKEN = "engine-test-service-token-0123456789"
ADMIN_TOKEN = "engine-test-office-token-0123456789"
PORTAL_TOKEN = "engine-test-portal-token-0123456789"  # activation and login: the portal's, not the assistant's
CODE_LINE = re.compile(r"^ {4}([0-9A-Za-z]+(?:[- ][0-9A-Za-z]+)*)[ \t]*$", re.MULTILINE)


_OK, _WHY = app_importable("credentials.app", "mailsink.server")
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not _OK, reason=f"credentials/ is not importable in the app env yet: {_WHY}")]


class Backend:
    def __init__(self, url: str, mail_dir: pathlib.Path) -> None:
        self.url = url
        self.mail_dir = mail_dir
        self._seen: set[str] = set()

    def client(self) -> CredentialsClient:
        return CredentialsClient(self.url, SERVICE_TOKEN)

    def post(self, path: str, body: dict, admin: bool = False) -> httpx.Response:
        token = ADMIN_TOKEN if admin else PORTAL_TOKEN if path in ("/api/v1/login", "/api/v1/activate") else SERVICE_TOKEN
        return httpx.post(self.url + path, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=15)

    def register(self, username: str, legal_name: str, address: str, language: str = "hu") -> None:
        answer = self.post("/api/v1/office/accounts", {"username": username, "legal_name": legal_name,
                                                        "email": address, "language": language}, admin=True)
        assert answer.status_code == 201, answer.text

    def mails_to(self, address: str) -> list:
        found = []
        for path in sorted(self.mail_dir.rglob("*.eml")):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if address.lower() in str(message.get("To", "")).lower():
                found.append((path.name, message))
        return found

    def wait_for_new_mail(self, address: str, timeout: float = 20) -> email.message.EmailMessage:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, message in self.mails_to(address):
                if name not in self._seen:
                    self._seen.add(name)
                    return message
            time.sleep(0.1)
        raise TimeoutError(f"no new mail to {address} within {timeout}s")

    @staticmethod
    def code_in(message) -> str | None:
        text = message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
        codes = set(CODE_LINE.findall(text))
        return codes.pop() if len(codes) == 1 else None

    def wait_for_code(self, address: str, timeout: float = 20) -> str:
        """The code of the next code mail to ``address`` (notices without a code are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            code = self.code_in(self.wait_for_new_mail(address, max(0.1, deadline - time.monotonic())))
            if code:
                return code


@pytest.fixture(scope="module")
def backend(tmp_path_factory) -> Backend:
    tmp = tmp_path_factory.mktemp("backend")
    mail_dir = tmp / "mail"
    mail_dir.mkdir()
    processes = Processes(tmp)
    smtp_port, http_port = free_port(), free_port()
    sink = processes.start("mailsink", ["mailsink"], {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port),
                                                      "MAIL_SINK_DIR": str(mail_dir), "PYTHONUNBUFFERED": "1"})
    try:
        wait_for_port(smtp_port, sink)
        server = processes.start("credentials", ["credentials", "serve"], {
            "CREDENTIALS_HOST": "127.0.0.1", "CREDENTIALS_PORT": str(http_port),
            "CREDENTIALS_DATABASE_URL": f"sqlite:///{tmp / 'credentials.db'}",
            "CREDENTIALS_ASSISTANT_TOKEN": SERVICE_TOKEN, "CREDENTIALS_ADMIN_TOKEN": ADMIN_TOKEN,
            "CREDENTIALS_PORTAL_TOKEN": PORTAL_TOKEN, "CREDENTIALS_PHONE_TOKEN": "engine-test-phone-token-0123456789",
            "CREDENTIALS_CONSOLE_TOKEN": "engine-test-console-token-0123456789",
            "CREDENTIALS_KEY_FILE": str(tmp / "keys.json"), "CREDENTIALS_OUTBOX_POLL_SECONDS": "0.1",
            "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port), "SMTP_STARTTLS": "false",
            "SMTP_USERNAME": "", "SMTP_PASSWORD": "", "CODE_TTL_DAYS": "5", "PASSWORD_MIN_LENGTH": "15",
            "PYTHONUNBUFFERED": "1"})
        try:
            wait_for_http(f"http://127.0.0.1:{http_port}/healthz", timeout=60, process=server)
        except Exception as exc:
            raise RuntimeError(f"credentials backend did not start: {exc}\n{processes.log('credentials')}") from exc
        yield Backend(f"http://127.0.0.1:{http_port}", mail_dir)
    finally:
        processes.stop_all()


def run(action, slots: dict, sender: str = ""):
    sender = sender or f"engine-it-{uuid.uuid4().hex[:12]}"  # each call its own source: no shared rate limit
    all_slots = {"language": "hu", "channel": "chat", **slots}
    if all_slots.get("email"):  # the form keeps the address only sealed (kernel.sealing, CHAT_SEAL_KEY)
        all_slots["email"] = sealed(all_slots["email"])
    latest = {"text": "igen", "intent": {"name": "affirm"}, "entities": []}
    trk = Tracker(sender, all_slots, latest, [{"event": "user", "text": "igen", "parse_data": latest}],
                  False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, trk, {}))
    return events, [m.get("response") for m in dispatcher.messages]


def test_new_code_from_the_form_reaches_the_address_on_file(backend):
    backend.register("itkovacs01", "Kovács Ilona", "ilona.kovacs@example.hu")
    first = backend.wait_for_code("ilona.kovacs@example.hu")  # the first code, from the document office (S2)
    events, responses = run(ActionRequestNewCode(backend.client), {"username": "itkovacs01",
                                                                    "email": "Ilona.Kovacs@example.hu"})
    assert responses == ["utter_new_code_requested"]
    assert backend.wait_for_code("ilona.kovacs@example.hu") != first  # a fresh one-time code (S4, S8)


def test_new_code_answer_is_identical_for_unknown_account_on_the_real_backend(backend):
    backend.register("itnagy02", "Nagy Ödön", "odon.nagy@example.hu")
    backend.wait_for_new_mail("odon.nagy@example.hu")
    same_source = "engine-it-enumeration"
    known = run(ActionRequestNewCode(backend.client), {"username": "itnagy02", "email": "odon.nagy@example.hu"},
                same_source)
    unknown = run(ActionRequestNewCode(backend.client), {"username": "nincsilyen77", "email": "senki@example.hu"},
                  same_source)
    wrong_mail = run(ActionRequestNewCode(backend.client), {"username": "itnagy02", "email": "mas@example.hu"},
                     same_source)
    assert known == unknown == wrong_mail
    backend.wait_for_code("odon.nagy@example.hu")
    time.sleep(1.0)
    assert backend.mails_to("senki@example.hu") == [] and backend.mails_to("mas@example.hu") == []  # S5


def test_code_typed_as_password_is_diagnosed_s7(backend):
    backend.register("itszabo03", "Szabó Edit", "edit.szabo@example.hu")
    code = backend.wait_for_code("edit.szabo@example.hu")
    login = backend.post("/api/v1/login", {"username": "itszabo03", "password": code})
    assert login.status_code == 401
    events, responses = run(ActionDiagnose(backend.client), {"username": "itszabo03", "email": "edit.szabo@example.hu"})
    assert responses[0] == "utter_diagnosis_code_as_password"
    assert "utter_diagnosis_live_code" in responses  # pending account, code still valid (S4)
    assert responses[-1] == "utter_offer_new_code"
    diagnosis = [e for e in events if e.get("name") == "diagnosis"][0]["value"]
    assert diagnosis["verified"] is True and "edit.szabo@example.hu" not in repr(diagnosis)


def test_own_name_typed_as_username_is_diagnosed_s6(backend):
    backend.register("itmolnar04", "Molnár Béla", "bela.molnar@example.hu")
    backend.wait_for_code("bela.molnar@example.hu")
    backend.post("/api/v1/login", {"username": "Molnár Béla", "password": "valami-jelszo-2026"})
    _, responses = run(ActionDiagnose(backend.client), {"username": "itmolnar04", "email": "bela.molnar@example.hu"})
    assert responses[0] == "utter_diagnosis_own_name"


def test_unknown_account_gets_the_generic_diagnosis(backend):
    events, responses = run(ActionDiagnose(backend.client), {"username": "nincsilyen88", "email": "x@example.hu"})
    assert responses == ["utter_diagnosis_generic", "utter_offer_new_code"]


def test_backend_down_offers_a_person():
    dead = CredentialsClient(f"http://127.0.0.1:{free_port()}", SERVICE_TOKEN)
    events, responses = run(ActionRequestNewCode(lambda: dead), {"username": "u1", "email": "u@example.hu"})
    assert responses == ["utter_backend_down", "utter_offer_handoff"]

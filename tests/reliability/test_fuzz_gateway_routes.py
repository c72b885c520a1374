"""Fuzzing the gateway's routes other than the phone line (issue #12, "Bad input"): the service API
(/api/v1/escalations, /waits, /conversation-events), the chat relay (/api/v1/chat/<id>/…), the
widget's rating and leave calls (/api/v1/conversations/<id>/…) and every console route
(/agents/…, taken from ``app.url_map``: no route is left out when one is added).

The gateway's real app in-process (Flask test client, its own SQLite database). The credentials
backend is real too, in-process (its WSGI app on its own SQLite database, reached through httpx's
WSGI transport: no socket); Rasa's HTTP API, which the console calls to resume a conversation, is
the gateway fixtures' recording stand-in (answers 200). So no answer may be a 5xx, not even a 503.

For every generated input: status < 500; no "Traceback" in a body; a 4xx of the APIs is JSON
``{"error", "message"}`` (docs/agents.md); a console route answers HTML, a redirect, CSV or (asked
for JSON) JSON; a console POST without the session's CSRF token is refused (400/403); and no ERROR
record with a traceback is logged during the fuzz. A request carrying U+0000 anywhere is refused
by the gateway's input guard (400) before any token check. Inputs: generated JSON bodies (valid ones
mutated field by field: wrong types, huge strings, Unicode edge cases, unknown keys; any JSON;
raw bytes that are not JSON), path ids (the fixture's existing references, escalations,
conversations, agents and offers, and random ones), query strings, and the service token / chat
token / CSRF token right, wrong or missing. Budget and seed: tests/reliability/conftest.py.
"""
from __future__ import annotations

import json
import logging
import re
import tempfile
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.reliability.conftest import count, fuzz_settings

# --- generated values ---------------------------------------------------------------------------

EDGE_TEXT = ["", " ", "\u0000", "\u202e", "\ud7ff", "\U0001f600", "é" * 40, "x" * 5000, "9" * 40, "²", "١٢",
             "-1", "0", "1e999", "NaN", "null", "true", "<script>alert(1)</script>", "../../etc/passwd",
             "%00", "%2F", "HD-7K3R", "hd 7k3r", "kiss.pista@example.hu", "9999-12-31", "0001-01-01",
             "2026-02-30", "ABCD-EFGH-JKMN-PRTU"]
TEXT = st.one_of(st.text(max_size=40), st.sampled_from(EDGE_TEXT))
JSON_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2 ** 70), max_value=2 ** 70),
                        st.floats(allow_nan=True, allow_infinity=True), TEXT)
ANY_JSON = st.recursive(JSON_SCALAR, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                             st.dictionaries(TEXT, inner, max_size=4)),
                        max_leaves=10)
# Bodies that are not a JSON document, or hard to parse: broken UTF-8, deep nesting, huge numbers.
RAW_BODIES = st.sampled_from([b"", b"{", b"null", b"[]", b"\xff\xfe\x00", b'{"text": "\xc3"}', b"[" * 50_000,
                              b'{"a":' * 20_000, b"1" * 5000, b'{"rating": ' + b"9" * 5000 + b"}", b"NaN",
                              b'{"rating": 1e999}', b"x" * 300_000])
CONTENT_TYPES = st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain",
                                 "application/x-www-form-urlencoded", ""])


def mutated(valid: dict, values=ANY_JSON) -> st.SearchStrategy[dict]:
    """``valid`` with some fields replaced by anything, some removed, unknown keys added."""
    keys = sorted(valid) or ["unknown"]

    def build(replaced, removed, extra):
        body = {k: v for k, v in valid.items() if k not in removed}
        body.update({k: v for k, v in replaced.items()})
        body.update(extra)
        return body

    return st.builds(build, st.dictionaries(st.sampled_from(keys), values, max_size=3),
                     st.sets(st.sampled_from(keys), max_size=2),
                     st.dictionaries(st.sampled_from(["unknown", "__proto__", "id", "status", "é"]), values, max_size=2))


@dataclass
class Body:
    """A request body as it goes on the wire."""
    data: bytes
    content_type: str

    def __repr__(self) -> str:
        return f"Body({self.data[:200]!r}, {self.content_type!r})"


def json_bodies(valid: dict) -> st.SearchStrategy[Body]:
    as_json = st.one_of(mutated(valid), mutated(valid), ANY_JSON, st.just(valid)).map(
        lambda v: Body(json.dumps(v, allow_nan=True).encode(), "application/json"))
    raw = st.builds(Body, RAW_BODIES, CONTENT_TYPES)
    wrong_type = st.builds(lambda v, ct: Body(json.dumps(v).encode(), ct), mutated(valid), CONTENT_TYPES)
    return st.one_of(as_json, as_json, as_json, raw, wrong_type)


# --- the topology: the gateway, a real credentials backend, a Rasa stand-in -----------------------

class ErrorRecords(logging.Handler):
    """Every ERROR (or worse) record logged while the fuzz runs."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)

    def with_traceback(self, since: int = 0) -> list[str]:
        out = []
        for r in self.records[since:]:
            text = r.getMessage()
            if r.exc_info or r.exc_text or "Traceback" in text:
                out.append(f"{r.name}: {text} {r.exc_info[1]!r}" if r.exc_info else f"{r.name}: {text}")
        return out


@dataclass
class Desk:
    app: object
    settings: object
    errors: ErrorRecords
    agent: object = None         # test client logged in as an agent
    supervisor: object = None    # test client logged in as a supervisor
    csrf: dict = field(default_factory=dict)
    agent_ids: list = field(default_factory=list)
    chats: list = field(default_factory=list)       # (conversation_id, escalation id, reference, chat_token)
    phones: list = field(default_factory=list)      # (escalation id, reference)
    started_conversations: list = field(default_factory=list)

    def api(self):
        return self.app.test_client()

    def relogin(self, who: str) -> None:
        from tests.fixtures.gateway_services import csrf_from, login

        client = self.app.test_client()
        answer = login(client, who)
        assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
        self.csrf[who] = csrf_from(client.get("/agents/").get_data(as_text=True))
        setattr(self, "agent" if who == "anna" else "supervisor", client)

    def new_chat(self, claimed_by: str | None = None):
        """A fresh chat escalation (optionally claimed): the routes that need an open case keep getting one."""
        from tests.fixtures.gateway_services import create_escalation_via_api

        n = len(self.chats)
        conversation = f"fuzz-chat-{n}"
        answer = create_escalation_via_api(self.api(), idempotency_key=f"chat:{conversation}:1",
                                           conversation_id=conversation)
        entry = (conversation, answer["id"], answer["reference"], answer["chat_token"])
        self.chats.append(entry)
        if claimed_by:
            self.claim(claimed_by, answer["id"])
        return entry

    def claim(self, who: str, escalation_id: str) -> None:
        client = self.agent if who == "anna" else self.supervisor
        client.post(f"/agents/escalations/{escalation_id}/claim", data={"csrf_token": self.csrf[who]})


@pytest.fixture(scope="module")
def desk():
    import httpx

    from credentials import create_app as credentials_app
    from credentials.migrate import upgrade as credentials_upgrade
    from gateway.credentials_client import CredentialsClient
    from gateway.settings import GatewaySettings
    from tests.fixtures.credentials_services import CONSOLE_TOKEN, credentials_env
    from tests.fixtures.gateway_services import (GATEWAY_SECRETS, RecordingHttpServer, create_escalation_via_api,
                                                 make_gateway_app, sample_escalation)
    from agents.accounts import create_agent
    from gateway import sessions_of

    import pathlib

    tmp = pathlib.Path(tempfile.mkdtemp(prefix="gateway-fuzz-"))
    backend_url = f"sqlite:///{tmp}/credentials.db"
    credentials_upgrade(backend_url)
    backend = credentials_app(credentials_env(backend_url, tmp, CREDENTIALS_MIN_ANSWER_MS="0",
                                              CREDENTIALS_OUTBOX_WORKER="false"))
    rasa = RecordingHttpServer()
    settings = GatewaySettings.from_env({"GATEWAY_DATABASE_URL": f"sqlite:///{tmp}/gateway.db", **GATEWAY_SECRETS,
                                         "RASA_URL": rasa.url, "CREDENTIALS_URL": "http://credentials.invalid"})
    app = make_gateway_app(settings, AGENTS_STREAM_SECONDS=0)
    app.extensions["gateway_credentials"] = CredentialsClient(
        "http://credentials.invalid", CONSOLE_TOKEN, transport=httpx.WSGITransport(app=backend))
    errors = ErrorRecords()
    logging.getLogger().addHandler(errors)
    d = Desk(app, settings, errors)
    try:
        with sessions_of(app)() as session:
            for name, role in (("anna", "agent"), ("sara", "supervisor"), ("bela", "agent")):
                d.agent_ids.append(create_agent(session, name, "correct horse battery staple", role,
                                                name.title()).id)
        d.relogin("anna")
        d.relogin("sara")
        for i in range(3):
            d.new_chat(claimed_by="anna" if i else None)
        for i in range(2):
            answer = create_escalation_via_api(d.api(), **sample_escalation(
                idempotency_key=f"phone:CA{i:032d}", channel="phone", conversation_id=f"CA{i:032d}",
                caller_number_masked="+36 30 *** **12"))
            d.phones.append((answer["id"], answer["reference"]))
        d.claim("anna", d.phones[0][0])
        for i in range(2):
            conversation = f"fuzz-bot-only-{i}"
            r = d.api().post("/api/v1/conversation-events", json={"conversation_id": conversation, "channel": "chat",
                                                                  "kind": "started", "language": "hu"},
                             headers={"Authorization": f"Bearer {settings.service_token}"})
            assert r.status_code == 201, r.get_data(as_text=True)
            d.started_conversations.append(conversation)
        errors.records.clear()  # from here on, every ERROR record is the fuzz's
        yield d
    finally:
        logging.getLogger().removeHandler(errors)
        rasa.stop()
        app.extensions["gateway_engine"].dispose()
        backend.extensions["credentials"].engine.dispose()
        backend.extensions["credentials"].intake_engine.dispose()


@pytest.fixture(scope="module", autouse=True)
def no_traceback_logged(desk):
    """After the module: not one ERROR record with a traceback (a handled error is logged without one)."""
    yield
    assert desk.errors.with_traceback() == [], desk.errors.with_traceback()[:5]


def assert_no_traceback_logged(desk, where: str, since: int) -> None:
    found = desk.errors.with_traceback(since)
    assert not found, f"{where}: logged {found[:2]}"


def assert_api_answer(response, where: str) -> None:
    """< 500, no traceback, and a 4xx is the documented JSON error {"error", "message"}."""
    text = response.get_data(as_text=True)
    assert response.status_code < 500, f"{where}: {response.status_code} {text[:400]}"
    assert "Traceback" not in text, f"{where}: {text[:400]}"
    if 400 <= response.status_code < 500:
        assert response.mimetype == "application/json", f"{where}: {response.status_code} {response.mimetype} {text[:200]}"
        body = response.get_json()
        assert isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"], f"{where}: {body}"
        assert isinstance(body.get("message"), str) and body["message"], f"{where}: {body}"


def refused_for_nul(response) -> bool:
    """The gateway's input guard (gateway/input_guard.py) answers a request carrying U+0000 before any
    room reads it, so before a room's token, session or CSRF check: 400 naming the character."""
    from gateway.input_guard import MESSAGE

    return response.status_code == 400 and MESSAGE in response.get_data(as_text=True)


TOKEN_MODES = st.sampled_from(["right"] * 6 + ["wrong", "missing", "scheme", "other"])


def service_headers(desk, mode: str) -> dict:
    token = desk.settings.service_token
    return {"right": {"Authorization": f"Bearer {token}"},
            "wrong": {"Authorization": "Bearer " + "x" * len(token)},
            "missing": {},
            "scheme": {"Authorization": f"Basic {token}"},
            "other": {"Authorization": "Bearer " + token[:-1] + "é"}}[mode]


def path_id(value: str) -> str:
    return quote(value, safe="")


# --- the service API ----------------------------------------------------------------------------

def _valid_escalation() -> dict:
    from tests.fixtures.gateway_services import sample_escalation

    return sample_escalation(idempotency_key="chat:fuzz-new:1", conversation_id="fuzz-new",
                             diagnosis={"account": {"exists": True}, "verified": False})


@fuzz_settings(250)
@given(body=json_bodies(_valid_escalation()), token=TOKEN_MODES, key=st.integers(0, 3))
def test_an_escalation_post_with_any_body_is_created_or_a_json_error(desk, body, token, key):
    count("gateway service API")
    logged = len(desk.errors.records)
    if body.content_type == "application/json" and body.data.startswith(b"{"):
        # a few keys only, so that the idempotent retries (the same key again) are fuzzed as well
        try:
            parsed = json.loads(body.data)
            if isinstance(parsed.get("idempotency_key"), str):
                parsed["idempotency_key"] = f"chat:fuzz-{key}:1"
                body = Body(json.dumps(parsed).encode(), body.content_type)
        except ValueError:
            pass
    headers = service_headers(desk, token) | ({"Content-Type": body.content_type} if body.content_type else {})
    response = desk.api().post("/api/v1/escalations", data=body.data, headers=headers)
    where = f"POST /api/v1/escalations {body!r} token={token}"
    assert_api_answer(response, where)
    if token != "right" and not refused_for_nul(response):
        assert response.status_code == 401, where
    if response.status_code in (200, 201):
        answer = response.get_json()
        assert answer["reference"].startswith("HD-") and answer["status"], where
    assert_no_traceback_logged(desk, where, logged)


def reference_of(desk, data) -> str:
    """An existing reference (as stored or typed loosely: "hd 7k3r", "7K3R") or any text."""
    known = pick(data, [ref for _, _, ref, _ in desk.chats] + [ref for _, ref in desk.phones], "known reference")
    return data.draw(st.one_of(st.sampled_from([known, known.lower().replace("-", " "), known.replace("HD-", "")]),
                               TEXT), "reference")


@fuzz_settings(200)
@given(data=st.data(), token=TOKEN_MODES,
       route=st.sampled_from(["status", "waits", "events", "events"]))
def test_a_status_wait_or_statistics_call_with_any_input_answers_below_500(desk, data, token, route):
    count("gateway service API")
    logged = len(desk.errors.records)
    client, headers = desk.api(), service_headers(desk, token)
    if route == "status":
        reference = reference_of(desk, data)
        where = f"GET /api/v1/escalations/{reference!r}"
        response = client.get(f"/api/v1/escalations/{path_id(reference)}", headers=headers)
        if token == "right" and response.status_code == 200:
            assert response.get_json()["reference"].startswith("HD-"), where
    elif route == "waits":
        query = data.draw(st.dictionaries(st.sampled_from(["channel", "language", "unknown"]),
                                          st.one_of(st.sampled_from(["chat", "phone", "hu", "en"]), TEXT), max_size=3),
                          "query")
        where = f"GET /api/v1/waits?{query}"
        response = client.get("/api/v1/waits?" + urlencode(query), headers=headers)
    else:
        valid = {"conversation_id": data.draw(st.sampled_from(["fuzz-chat-0", "fuzz-bot-only-0", "new-one"]), "cid"),
                 "channel": "chat", "language": "hu", "kind": "topic", "detail": "code_expired", "account": "kpista77"}
        body = data.draw(json_bodies(valid), "body")
        where = f"POST /api/v1/conversation-events {body!r}"
        response = client.post("/api/v1/conversation-events", data=body.data,
                               headers=headers | ({"Content-Type": body.content_type} if body.content_type else {}))
    assert_api_answer(response, f"{where} token={token}")
    if token != "right" and not (route == "status" and reference == "") and not refused_for_nul(response):
        assert response.status_code == 401, where  # (".../escalations/" is no route: 404)
    assert_no_traceback_logged(desk, where, logged)


# --- the chat relay and the widget's rating / leave calls ------------------------------------------

RELAY_ROUTES = [("POST", "messages"), ("POST", "new-code"), ("GET", "events"), ("GET", "wait"),
                ("POST", "rating"), ("POST", "leave")]


def pick(data, items: list, label: str, window: int = 6):
    """One of the newest ``window`` items of a list that grows during the run (a draw of fixed shape,
    as Hypothesis needs: sampled_from over a growing list is not replayable)."""
    return items[-1 - data.draw(st.integers(0, window - 1), label) % len(items)]


def conversation_and_token(desk, data):
    """An existing conversation with its own token, another's token, a made-up one or none; or a random conversation."""
    conversation, _, _, token = pick(data, desk.chats, "chat")
    other = pick(data, [c for c in desk.chats if c[0] != conversation], "other chat")[3]
    kind = data.draw(st.sampled_from(["own"] * 5 + ["other", "made-up", "none", "random-conversation",
                                                    "bot-only"]), "token kind")
    if kind == "other":
        token = other
    elif kind == "made-up":
        token = data.draw(st.one_of(st.sampled_from([token[:-2] + "AA", token + "x", "1.2.3", "0." + "f" * 64,
                                                     "²" * 10 + "." + "f" * 64, "9" * 13 + ".x"]),
                                    st.text(min_size=1, max_size=80)), "made-up token")
    elif kind == "none":
        token = None
    elif kind == "random-conversation":
        conversation = data.draw(TEXT, "random conversation")
    elif kind == "bot-only":
        conversation, token = pick(data, desk.started_conversations, "bot conversation"), None
    return conversation, token, kind


@fuzz_settings(350)
@given(data=st.data(), route=st.sampled_from(RELAY_ROUTES))
def test_a_relay_rating_or_leave_call_with_any_token_and_body_answers_below_500(desk, data, route):
    count("chat relay")
    logged = len(desk.errors.records)
    method, name = route
    if data.draw(st.integers(0, 9), "fresh case") == 0:
        desk.new_chat(claimed_by=data.draw(st.sampled_from([None, "anna"]), "claimed by"))
    conversation, token, kind = conversation_and_token(desk, data)
    prefix = "/api/v1/conversations" if name in ("rating", "leave") else "/api/v1/chat"
    url = f"{prefix}/{path_id(conversation)}/{name}"
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    client = desk.api()
    if method == "GET":
        query = data.draw(st.dictionaries(st.sampled_from(["after", "x"]), TEXT, max_size=2), "query")
        last = data.draw(st.one_of(st.none(), TEXT), "Last-Event-ID")
        if last is not None:  # a header cannot hold a line break (the client refuses to send one)
            headers["Last-Event-ID"] = re.sub(r"[\r\n]", "", last).encode("utf-8", "surrogatepass").decode("latin-1")
        where = f"GET {url}?{query} token={kind} Last-Event-ID={last!r}"
        response = client.get(url + ("?" + urlencode(query) if query else ""), headers=headers)
        text = response.get_data(as_text=True)  # an event stream ends at once here (AGENTS_STREAM_SECONDS=0)
        response.close()
        if response.status_code == 200 and name == "events":
            assert response.mimetype == "text/event-stream" and "event: state" in text, f"{where}: {text[:300]}"
            assert "Traceback" not in text and "internal_error" not in text, f"{where}: {text[:300]}"
    else:
        valid = {"messages": {"text": "Nem jött meg a kód", "client_message_id": "m-1"},
                 "new-code": {"username": "kpista77", "email": "kiss.pista@example.hu"},
                 "rating": {"rating": 4, "comment": "Köszönöm", "language": "hu"},
                 "leave": {}}[name]
        body = data.draw(json_bodies(valid), "body")
        where = f"POST {url} {body!r} token={kind}"
        response = client.post(url, data=body.data,
                               headers=headers | ({"Content-Type": body.content_type} if body.content_type else {}))
    assert_api_answer(response, where)
    if kind in ("other", "made-up", "none") and name != "rating" and not refused_for_nul(response):
        assert response.status_code == 403, f"{where}: {response.status_code}"
    assert_no_traceback_logged(desk, where, logged)


# --- the console: every /agents/ route from the url_map ------------------------------------------

FORM_KEYS = {
    "text": st.one_of(st.just("Küldök egy új kódot."), TEXT),
    "canned": st.one_of(st.sampled_from(["", "new_code", "greeting", "x"]), TEXT),
    "username": st.one_of(st.just("kpista77"), TEXT), "email": st.one_of(st.just("kiss.pista@example.hu"), TEXT),
    "password": TEXT,
    "outcome": st.one_of(st.sampled_from(["solved", "new_code_sent", "called_back", "other", ""]), TEXT),
    "presence": st.one_of(st.sampled_from(["available", "busy", "away"]), TEXT),
    "language": st.one_of(st.sampled_from(["hu", "en"]), TEXT),
    "next": st.one_of(st.sampled_from(["/agents/", "/agents/stats", "https://evil.example/", "//evil"]), TEXT),
    "languages": st.one_of(st.sampled_from(["hu", "en"]), TEXT), "channels": st.one_of(st.sampled_from(["chat", "phone"]), TEXT),
    "kind": st.one_of(st.sampled_from(["phone", "username"]), TEXT),
    "value": st.one_of(st.sampled_from(["+36 30 123 4512", "kpista77"]), TEXT),
    "step": st.one_of(st.sampled_from(["find", "erase"]), TEXT), "confirm": st.one_of(st.just("yes"), TEXT),
    "send_key": st.one_of(st.sampled_from(["0123456789abcdef0123456789abcdef", "f" * 32]), TEXT),  # a reply's idempotency key
}
QUERY_KEYS = {
    "days": st.one_of(st.sampled_from(["1", "7", "366", "367", "0"]), TEXT),
    "from": st.one_of(st.sampled_from(["2026-11-01", "9999-12-31", "0001-01-01"]), TEXT),
    "to": st.one_of(st.sampled_from(["2026-12-01", "9999-12-31", "0001-01-01"]), TEXT),
    "after": TEXT, "part": st.sampled_from(["1", "0", "x"]), "reference": TEXT, "next": FORM_KEYS["next"],
    "idle": st.sampled_from(["1", ""]),
}


def console_rules(app):
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/agents/")]
    return sorted(((r.rule, m) for r in rules for m in sorted(r.methods - {"HEAD", "OPTIONS"})))


def console_rule_strategy():
    """Drawn at run time from the app's url_map (the fixture's app)."""
    from gateway.settings import GatewaySettings
    from tests.fixtures.gateway_services import GATEWAY_SECRETS, make_gateway_app

    tmp = tempfile.mkdtemp(prefix="gateway-fuzz-rules-")
    app = make_gateway_app(GatewaySettings.from_env({"GATEWAY_DATABASE_URL": f"sqlite:///{tmp}/g.db", **GATEWAY_SECRETS}))
    try:
        return console_rules(app)
    finally:
        app.extensions["gateway_engine"].dispose()


CONSOLE_RULES = console_rule_strategy()
PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def fill_path(desk, data, rule: str) -> str:
    def value(match):
        converter, name = match.group(1), match.group(2)
        if converter == "int":
            return str(data.draw(st.one_of(st.sampled_from(desk.agent_ids), st.integers(0, 12),
                                           st.sampled_from([2 ** 31, 2 ** 63, 10 ** 30])), name))
        if converter == "path":
            return path_id(data.draw(st.one_of(st.sampled_from(["console.js", "console.css", "../app.py"]), TEXT),
                                     name)).replace("%2F", "/")
        if name == "escalation_id":
            known = pick(data, [e for _, e, _, _ in desk.chats] + [p for p, _ in desk.phones], "known case", 8)
            return path_id(data.draw(st.one_of(st.just(known), TEXT), name))
        return path_id(data.draw(TEXT, name))

    return PARAM.sub(value, rule)


def routed(app, url: str, method: str) -> bool:
    from werkzeug.exceptions import HTTPException

    try:
        app.url_map.bind("localhost").match(unquote(url), method)
    except HTTPException:
        return False
    return True


def assert_console_answer(response, where: str, wants_json: bool) -> None:
    text = response.get_data(as_text=True)
    assert response.status_code < 500, f"{where}: {response.status_code} {text[:400]}"
    assert "Traceback" not in text, f"{where}: {text[:400]}"
    if 300 <= response.status_code < 400:
        assert response.headers.get("Location"), where
        return
    kinds = {"text/html", "text/csv", "application/json", "text/javascript", "text/css", "image/svg+xml"}
    assert response.mimetype in kinds or (response.status_code == 404 and "/static/" in where), \
        f"{where}: {response.status_code} {response.mimetype}"
    if wants_json and 400 <= response.status_code < 500 and response.mimetype == "application/json":
        body = response.get_json()
        assert isinstance(body, dict) and body.get("error") and isinstance(body.get("message"), str), f"{where}: {body}"


@fuzz_settings(450)
@given(data=st.data(), rule=st.sampled_from(CONSOLE_RULES), who=st.sampled_from(["anna", "sara", "anna", "sara", None]),
       csrf=st.sampled_from(["right"] * 8 + ["missing", "wrong"]), wants_json=st.booleans())
def test_a_console_route_with_any_form_and_a_session_answers_html_or_a_redirect(desk, data, rule, who, csrf, wants_json):
    count("agent console")
    logged = len(desk.errors.records)
    path, method = rule
    if data.draw(st.integers(0, 7), "fresh case") == 0:
        desk.new_chat(claimed_by=data.draw(st.sampled_from([None, "anna", "sara"]), "claimed by"))
    url = fill_path(desk, data, path)
    client = {"anna": desk.agent, "sara": desk.supervisor, None: desk.app.test_client()}[who]
    headers = {"Accept": "application/json"} if wants_json else {"Accept": "text/html,*/*;q=0.8"}
    if method == "GET":
        query = data.draw(st.dictionaries(st.sampled_from(sorted(QUERY_KEYS)), st.none(), max_size=3), "query keys")
        query = {k: data.draw(QUERY_KEYS[k], k) for k in query}
        where = f"GET {url}?{query} as {who}"
        response = client.get(url + ("?" + urlencode(query) if query else ""), headers=headers)
    else:
        keys = data.draw(st.lists(st.sampled_from(sorted(FORM_KEYS)), max_size=4), "form keys")
        form = [(k, data.draw(FORM_KEYS[k], k)) for k in keys]  # a list: a key may come twice (languages, channels)
        if csrf == "right":
            form.append(("csrf_token", desk.csrf.get(who) or "no-session"))
        elif csrf == "wrong":
            form.append(("csrf_token", data.draw(st.sampled_from(["x" * 43, "", desk.csrf["sara" if who == "anna" else "anna"]]),
                                                 "wrong csrf")))
        where = f"POST {url} {form} as {who} csrf={csrf}"
        encoded = urlencode([(k, v.encode("utf-8", "surrogatepass")) for k, v in form])
        response = client.post(url, data=encoded, content_type="application/x-www-form-urlencoded", headers=headers)
        no_route = not routed(desk.app, url, method)  # an empty or out-of-range id: no such route, 404/405
        if csrf != "right" and who is not None and not no_route:
            assert response.status_code in (400, 403), f"{where}: {response.status_code} (refused without its CSRF token)"
        if path in ("/agents/logout", "/agents/accounts/<int:agent_id>/revoke-sessions") and response.status_code < 400:
            desk.relogin("anna")  # the fuzz may have ended its own sessions: log in again
            desk.relogin("sara")
    assert_console_answer(response, where, wants_json)
    assert_no_traceback_logged(desk, where, logged)


@fuzz_settings(100)
@given(username=st.one_of(st.sampled_from(["anna", "sara", "ANNA", "anna "]), TEXT), password=TEXT,
       next_=QUERY_KEYS["next"], csrf=st.sampled_from(["right", "right", "right", "missing", "wrong"]))
def test_a_login_with_any_fields_answers_the_login_page_or_a_redirect(desk, username, password, next_, csrf):
    count("agent console")
    logged = len(desk.errors.records)
    from tests.fixtures.gateway_services import csrf_from

    client = desk.app.test_client()
    page = client.get("/agents/login")
    form = {"username": username, "password": password}
    if csrf == "right":
        form["csrf_token"] = csrf_from(page.get_data(as_text=True))
    elif csrf == "wrong":
        form["csrf_token"] = "y" * 43
    where = f"POST /agents/login {username!r} next={next_!r} csrf={csrf}"
    encoded = urlencode({k: v.encode("utf-8", "surrogatepass") for k, v in form.items()})
    response = client.post("/agents/login?" + urlencode({"next": next_.encode("utf-8", "surrogatepass")}),
                           data=encoded, content_type="application/x-www-form-urlencoded")
    assert_console_answer(response, where, False)
    if csrf != "right":
        assert response.status_code == 400, where
    elif not refused_for_nul(response):
        assert response.status_code in (200, 401, 429), where  # nobody's password is generated
    if response.status_code == 302:
        location = response.headers["Location"]
        assert location.startswith("/agents/"), f"{where}: redirected off the console to {location}"
    assert_no_traceback_logged(desk, where, logged)

"""Canaries, hangs and load on the real ``make run`` topology (issue #12), one start for the module
(tests/reliability/topology.py: supervisord with the config ``make run`` uses, free ports, a temp dir).

1. Canaries — no secret survives anywhere: a canary password, a canary activation code (in the shapes
   the backend accepts) and a canary full e-mail address go in through every door a user has (the
   chat's REST channel with the channel secret, Rasa's socket.io channel as the widget holds it, the
   phone's ``SpeechResult`` in signed Twilio webhooks, and an escalated chat's relay to the agent and
   the agent's reply); then every file the run wrote (databases with their WAL and journal files, every
   log, the mail sink's store) is scanned: 0 hits for the password and the code anywhere, the full
   address only in the credentials backend's database (by design: it is the account's address) and in
   the code mails sent to it.
2. Hangs — SIGSTOP (not a crash) of Rasa, the action server and the credentials backend in turn: the
   user still gets the promised fallback within its deadline, and after SIGCONT everything serves again.
3. Load — paced chat users and phone callers (locust) with p99 per turn and process RSS before/after.
"""
from __future__ import annotations

import json
import os
import pathlib
import re
import secrets
import signal
import subprocess
import sys
import time
import uuid
from email import message_from_bytes, policy

import httpx
import pytest

from tests.reliability.topology import ROOT, running_topology
from tests.reliability.faults import handoff_of

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1500)]

ENGINE_PYTHON = ROOT / ".venv" / "engine" / "bin" / "python"


@pytest.fixture(scope="module")
def topology(tmp_path_factory):
    with running_topology(tmp_path_factory.mktemp("canaries")) as topo:
        yield topo


# --- doors ---------------------------------------------------------------------------------------

def chat(topo, sender: str, text: str, language: str = "hu") -> list[dict]:
    response = httpx.post(f"{topo.url('rasa')}/webhooks/helpdesk/webhook", timeout=30,
                          json={"sender": sender, "message": text,
                                "metadata": {"channel": "chat", "language": language}},
                          headers={"X-Helpdesk-Channel-Secret": topo.env["RASA_CHANNEL_SECRET"]})
    assert response.status_code == 200, response.text
    return response.json()


def texts_of(replies: list[dict]) -> str:
    return " ".join(r.get("text") or "" for r in replies)


def call(topo):
    from ivr.callsim import HttpTransport, TwilioCall

    return TwilioCall(HttpTransport(topo.url("gateway")), topo.env["TWILIO_AUTH_TOKEN"], topo.env["PUBLIC_BASE_URL"])


def socketio_chat(topo, language: str, *texts: str) -> dict:
    done = subprocess.run([str(ENGINE_PYTHON), str(ROOT / "tests" / "reliability" / "socketio_widget.py"),
                           topo.url("rasa"), topo.env["PUBLIC_BASE_URL"], language, *texts],
                          capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def tracker(topo, sender: str) -> dict:
    from tests.fixtures.rasa_services import admin_jwt_header

    response = httpx.get(f"{topo.url('rasa')}/conversations/{sender}/tracker", timeout=15,
                         headers=admin_jwt_header(topo.env["RASA_JWT_SECRET"]))
    assert response.status_code == 200, response.text
    return response.json()


def register(topo, username: str, legal_name: str, email: str) -> None:
    response = httpx.post(f"{topo.url('credentials')}/api/v1/office/accounts", timeout=15,
                          headers={"Authorization": f"Bearer {topo.env['CREDENTIALS_ADMIN_TOKEN']}"},
                          json={"username": username, "legal_name": legal_name, "email": email, "language": "hu"})
    assert response.status_code == 201, response.text


def escalate(topo, sender: str) -> dict:
    """Ask for a person in the chat until the assistant hands over (the handoff payload)."""
    replies = chat(topo, sender, "Ügyintézővel szeretnék beszélni")
    for _ in range(4):
        handoff = handoff_of(replies)
        if handoff:
            return handoff
        buttons = [b for r in replies for b in (r.get("buttons") or [])]
        replies = chat(topo, sender, buttons[0]["payload"] if buttons else "igen")
    raise AssertionError(f"no handoff: {replies}")


def agent_console(topo, username: str, password: str) -> httpx.Client:
    env = {**os.environ, **topo.env}
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "gateway", "agents", "create-agent",
                           "--username", username, "--display-name", "Kanári", "--password", password],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    client = httpx.Client(base_url=topo.url("gateway"), timeout=15)
    page = client.get("/agents/login")
    client.post("/agents/login", data={"username": username, "password": password, "csrf_token": csrf(page.text)})
    return client


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(r'data-csrf="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


# --- canaries ------------------------------------------------------------------------------------

def canary_code() -> str:
    """A code as the backend mails it (display form, ``K7QM-3XPA-9TDE-W2HF``)."""
    from credentials.domain.codes import generate_code

    return generate_code()


class Canaries:
    def __init__(self):
        tag = secrets.token_hex(4)
        self.password = f"Kanari{tag}#Jsz9"
        self.code = canary_code()                   # XXXX-XXXX-XXXX-XXXX
        self.canonical = self.code.replace("-", "")
        self.local = f"kanari.{tag}"
        self.email = f"{self.local}@example.hu"
        self.username = f"kanari{tag[:4]}"

    def hits(self, data: bytes) -> dict[str, int]:
        """How often each canary occurs in ``data`` (case-insensitive; the code also with any separators
        between its characters, and as UTF-16 for SQLite files stored so)."""
        found = {}
        for encoding in ("utf-8", "utf-16-le"):
            text = data.decode(encoding, "replace").lower()
            squeezed = re.sub(r"[\s\-._–/]+", "", text)
            counts = {"password": text.count(self.password.lower()),
                      "code": squeezed.count(self.canonical.lower()),
                      "email": text.count(self.email.lower())}
            for kind, n in counts.items():
                found[kind] = max(found.get(kind, 0), n)
        return found


def files_of(topo) -> list[pathlib.Path]:
    skip = {topo.tmp / "helpdesk.tar.gz", topo.tmp / ".env"}
    return sorted(p for p in topo.tmp.rglob("*") if p.is_file() and p not in skip and not p.is_symlink())


def code_mail(path: pathlib.Path, email: str) -> bool:
    try:
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
    except Exception:  # noqa: BLE001 - not a mail
        return False
    return email.lower() in str(message.get("To", "")).lower()


def test_canary_secrets_typed_said_and_relayed_leave_no_trace_outside_the_credentials_backend(topology):
    c = Canaries()
    register(topology, c.username, "Kanári Kata", c.email)

    # 1. the chat's REST channel: a new-code request with the canary address, then the secrets
    sender = f"canary-rest-{uuid.uuid4().hex[:8]}"
    chat(topology, sender, "nem kaptam meg a kódot")
    chat(topology, sender, c.username)
    replies = chat(topology, sender, f"az email címem {c.email}")
    assert c.email not in texts_of(replies), "the address is read back masked"
    chat(topology, sender, "igen")
    chat(topology, sender, f"a kódom {c.code}")
    chat(topology, sender, f"a jelszavam: {c.password}")
    chat(topology, sender, f"my code is {c.canonical.lower()}")
    events = [e for e in tracker(topology, sender)["events"] if e.get("event") == "user"]
    said = json.dumps(events, ensure_ascii=False)
    assert c.password not in said and c.canonical not in said.replace("-", "") and c.email not in said
    from kernel.sealing import SEALED_EMAIL_METADATA

    assert any((e.get("metadata") or {}).get(SEALED_EMAIL_METADATA) for e in events), \
        "the tracker holds the address sealed in the metadata (and masked in the text)"

    # 2. socket.io, as the widget
    widget = socketio_chat(topology, "hu", f"a jelszavam {c.password}", f"a kódom {c.code.lower()}",
                           f"itt az email címem: {c.email}")
    assert widget["session_id"] and widget["bot"], widget
    assert not any(c.password in json.dumps(m) for m in widget["stored"] + widget["bot"]), widget

    # 3. the phone: speech in signed Twilio webhooks
    phone = call(topology)
    phone.dial()
    for speech in (f"a jelszavam {c.password}", f"a kódom {' '.join(c.canonical)}", f"az email címem {c.email}"):
        if phone.gather is None or phone.gather.attrib.get("input", "") == "dtmf":
            break
        phone.say(speech)
        assert phone.last.status == 200, phone.last.body

    # 4. an escalated chat: widget -> relay -> agent, and the agent's reply
    escalated = f"canary-relay-{uuid.uuid4().hex[:8]}"
    chat(topology, escalated, "nem tudok belépni")
    handoff = escalate(topology, escalated)
    relay = httpx.Client(base_url=topology.url("gateway"), timeout=15,
                         headers={"Authorization": f"Bearer {handoff['chat_token']}"})
    for text in (f"a jelszavam: {c.password}", f"a kódom {c.code}", f"az e-mail címem {c.email}"):
        sent = relay.post(f"/api/v1/chat/{escalated}/messages", json={"text": text, "client_message_id": uuid.uuid4().hex})
        assert sent.status_code == 201, sent.text
        assert c.password not in sent.text and c.canonical not in sent.text.replace("-", "")
    console = agent_console(topology, f"kanari{secrets.token_hex(2)}", "kanari agent pass " + secrets.token_hex(4))
    page = console.get(f"/agents/escalations/{handoff['escalation_id']}")
    assert page.status_code == 200, page.status_code
    token = csrf(page.text)
    claimed = console.post(f"/agents/escalations/{handoff['escalation_id']}/claim", data={"csrf_token": token})
    assert claimed.status_code in (200, 302, 303), claimed.text[:500]
    replied = console.post(f"/agents/escalations/{handoff['escalation_id']}/reply", data={
        "csrf_token": token, "text": f"Ne írja be a jelszavát ({c.password}) se a kódot ({c.code}); a címe {c.email}"})
    assert replied.status_code in (200, 201, 302, 303), replied.text[:500]
    relay.close()
    console.close()

    # the code mail the new-code request produced has arrived (the backend got the address)
    deadline = time.monotonic() + 30
    mail_dir = pathlib.Path(topology.env["MAIL_SINK_DIR"])
    while sum(code_mail(p, c.email) for p in mail_dir.rglob("*") if p.is_file()) < 2:
        assert time.monotonic() < deadline, "the registration and the new-code mail to the canary address"
        time.sleep(0.5)
    time.sleep(1.5)  # logs flushed, WAL written

    # 5. every file the run wrote
    leaks, places = [], {}
    credentials_db = pathlib.Path(topology.env["CREDENTIALS_DATABASE_URL"].removeprefix("sqlite:///"))
    for path in files_of(topology):
        hits = c.hits(path.read_bytes())
        rel = str(path.relative_to(topology.tmp))
        places[rel] = hits
        by_design_address = path.name.startswith(credentials_db.name) or (
            path.is_relative_to(mail_dir) and code_mail(path, c.email))
        for kind, n in hits.items():
            if n and not (kind == "email" and by_design_address):
                leaks.append(f"{rel}: {kind} ×{n}")
    scanned = [p for p in places if p.endswith((".db", ".db-wal", ".db-shm", ".db-journal", ".log"))]
    assert any(p.endswith("tracker.db") or p.endswith("tracker.db-wal") for p in scanned), sorted(places)
    assert any("gateway.db" in p for p in scanned) and any("credentials.db" in p for p in scanned), sorted(places)
    assert leaks == [], "\n".join(leaks)
    assert sum(h["email"] for p, h in places.items() if "credentials.db" in p) >= 1, \
        "the canary address is where the design keeps it (a sanity check of the scan)"
    print(f"canaries: {len(places)} files scanned, 0 leaks")


# --- hangs (SIGSTOP) -----------------------------------------------------------------------------

# What a user must get within, while the process hangs (a deadline of the design plus slack for a
# loaded 2-core machine). Twilio gives a webhook 15 s; the line's own deadline for the assistant is 2.5 s.
PHONE_BOUND_S = 6.0
CHAT_BOUND_S = 15.0  # the action server's 5 s timeout (bot/action_calls.py; a turn may call it twice), the backend's 3 s


class hung:
    """SIGSTOP of one program's whole process group (gunicorn's master with its worker), SIGCONT after."""

    def __init__(self, topo, name: str):
        self.topo, self.name = topo, name

    def __enter__(self):
        self.pgid = os.getpgid(self.topo.pids()[self.name])
        os.killpg(self.pgid, signal.SIGSTOP)
        return self

    def __exit__(self, *exc):
        os.killpg(self.pgid, signal.SIGCONT)


def timed(fn, *args, **kwargs):
    started = time.monotonic()
    result = fn(*args, **kwargs)
    return result, time.monotonic() - started


def speech_turn_falls_back_to_the_keypad_menu(topo) -> float:
    phone = call(topo)
    phone.dial()
    assert phone.gather is not None, phone.says
    _, took = timed(phone.say, "lejárt a kódom")
    assert phone.last.status == 200 and phone.gather is not None, phone.last.body
    assert phone.gather.attrib.get("input") == "dtmf", f"not the keypad menu: {phone.says}"
    assert took < PHONE_BOUND_S, f"the caller waited {took:.1f} s"
    phone.press("1")
    assert "5 napig" in phone.text(), phone.says  # the recorded answers serve
    phone.press("0") if phone.gather is not None else None
    return took


def everything_serves_again(topo) -> None:
    replies = chat(topo, f"after-{uuid.uuid4().hex[:8]}", "meddig érvényes az aktiváló kód?")
    assert "5 napig" in texts_of(replies), replies
    phone = call(topo)
    phone.dial()
    phone.say("meddig érvényes az aktiváló kód")
    assert phone.gather is not None and "5 napig" in phone.text(), phone.says
    response = httpx.post(f"{topo.url('credentials')}/api/v1/reset-requests", timeout=15,
                          headers={"Authorization": f"Bearer {topo.env['CREDENTIALS_ASSISTANT_TOKEN']}"},
                          json={"username": "nobody77", "email": "nobody@example.hu", "channel": "chat",
                                "source": "reliability"})
    assert response.status_code == 202, response.text
    assert set(topo.states().values()) == {"RUNNING"}, topo.states()


def test_sigstop_of_rasa_the_caller_gets_the_keypad_menu_in_time_and_all_serves_after_sigcont(topology):
    offset = topology.offset()
    with hung(topology, "rasa"):
        took = speech_turn_falls_back_to_the_keypad_menu(topology)
        assert httpx.get(topology.url("gateway") + "/", timeout=10).status_code == 200, "the widget's page loads"
    everything_serves_again(topology)
    assert "Traceback" not in topology.terminal()[offset:]
    print(f"SIGSTOP rasa: keypad menu after {took:.1f} s")


def test_sigstop_of_the_action_server_chat_and_phone_still_answer_in_time_and_all_serves_after(topology):
    sender = f"hang-actions-{uuid.uuid4().hex[:8]}"
    with hung(topology, "actions"):
        took_phone = speech_turn_falls_back_to_the_keypad_menu(topology)
        # REST: the turn needs a validation action; Rasa's 5 s action timeout ends it with a JSON error
        response, took_rest = timed(httpx.post, f"{topology.url('rasa')}/webhooks/helpdesk/webhook", timeout=30,
                                    json={"sender": sender, "message": "nem kaptam meg a kódot",
                                          "metadata": {"channel": "chat", "language": "hu"}},
                                    headers={"X-Helpdesk-Channel-Secret": topology.env["RASA_CHANNEL_SECRET"]})
        assert took_rest < CHAT_BOUND_S, f"the chat waited {took_rest:.1f} s"
        assert response.headers["content-type"].startswith("application/json") and "Traceback" not in response.text
        assert response.status_code in (200, 503), response.text[:300]  # an answer or "unavailable", never a 500
        # the widget (socket.io): the assistant's apology with the S11 help line, not silence
        widget, took_widget = timed(socketio_chat, topology, "hu", "nem kaptam meg a kódot")
        errors = [e.get("message", "") for e in widget["errors"] if isinstance(e, dict)]
        assert any("189" in m for m in errors), widget
        assert took_widget < CHAT_BOUND_S + 5, f"the widget waited {took_widget:.1f} s (its connection included)"
    everything_serves_again(topology)
    chat(topology, sender, "szia")  # the conversation goes on
    print(f"SIGSTOP actions: phone keypad menu after {took_phone:.1f} s; REST chat {response.status_code} after "
          f"{took_rest:.1f} s; widget's apology within {took_widget:.1f} s (connection included): {errors}")


def test_sigstop_of_the_credentials_backend_the_new_code_request_gets_the_backend_down_answer(topology):
    sender = f"hang-backend-{uuid.uuid4().hex[:8]}"
    chat(topology, sender, "nem kaptam meg a kódot")
    chat(topology, sender, "kovacsbela61")
    chat(topology, sender, "kovacs.bela61@example.hu")
    with hung(topology, "credentials"):
        replies, took = timed(chat, topology, sender, "igen")
        assert "nem érhető el" in texts_of(replies), replies
        assert took < CHAT_BOUND_S, f"the chat waited {took:.1f} s"
    everything_serves_again(topology)
    print(f"SIGSTOP credentials: backend-down answer after {took:.1f} s: {texts_of(replies)!r}")


SMTP_DEADLINE_S = 5.0   # SMTP_TIMEOUT_SECONDS: the outbox's wait for each answer of the server
FIRST_RETRY_S = 30.0    # credentials/outbox.py: the first retry after a failed attempt


def test_sigstop_of_the_smtp_sink_the_user_is_told_the_code_is_sent_and_it_arrives_once_after_sigcont(topology):
    """A hung mail server: the socket accepts, no banner comes. The user's new-code request is taken
    as always (the mail waits in the outbox); the outbox's attempt ends at its deadline, and the next
    attempt after SIGCONT delivers the code once."""
    from tests.reliability.faults import fresh_account, new_code_mails, settled_new_code_mails, \
        wait_for_registration_mail
    from tests.reliability.faults import register as register_account

    account = fresh_account()
    register_account(topology.url("credentials"), topology.env["CREDENTIALS_ADMIN_TOKEN"], account)
    mail_dir = pathlib.Path(topology.env["MAIL_SINK_DIR"])
    wait_for_registration_mail(mail_dir, account.email)
    sender = f"hang-mail-{uuid.uuid4().hex[:8]}"
    with hung(topology, "mail"):
        chat(topology, sender, "nem kaptam meg a kódot")
        chat(topology, sender, account.username)
        chat(topology, sender, account.email)
        replies, took = timed(chat, topology, sender, "igen")
        assert "egyeznek" in texts_of(replies), replies  # the user is told as always: nothing visible
        assert took < CHAT_BOUND_S
        # the outbox takes the request within its poll (1 s), connects, waits for the banner: past its
        # deadline the attempt has ended, and the next one is due 30 s later
        time.sleep(1.0 + SMTP_DEADLINE_S + 3.0)
        assert new_code_mails(mail_dir, account.email) == []
        resumed = time.monotonic()
    mails = settled_new_code_mails(mail_dir, account.email, at_least=1, timeout=FIRST_RETRY_S + 30)
    arrived = time.monotonic() - resumed
    assert len(mails) == 1, f"{len(mails)} mails for one request"
    assert arrived < FIRST_RETRY_S + 15, f"the code came {arrived:.0f} s after SIGCONT"
    everything_serves_again(topology)
    print(f"SIGSTOP mail: the user was told after {took:.1f} s; the code arrived once, "
          f"{arrived:.1f} s after SIGCONT (settling included)")


def test_sigstop_of_the_gateway_the_assistant_answers_a_failed_handoff_gives_the_help_line_and_one_case(topology):
    """A hung gateway: the assistant (Rasa, the action server) still answers chats; asking for a person
    gets the help line's contacts (S11) within the action server's deadline; the phone line gets no
    answer (Twilio's fallback URL is the same gateway: the caller hears Twilio's own error). After
    SIGCONT every door serves, and the user who asks for a person again has one case, not two."""
    from tests.reliability.faults import escalations_of

    sender = f"hang-gateway-{uuid.uuid4().hex[:8]}"
    chat(topology, sender, "nem tudok belépni")
    with hung(topology, "gateway"):
        replies, took_answer = timed(chat, topology, f"hang-gw-q-{uuid.uuid4().hex[:8]}",
                                     "meddig érvényes az aktiváló kód?")
        assert "5 napig" in texts_of(replies), replies
        assert took_answer < CHAT_BOUND_S
        replies = chat(topology, sender, "Ügyintézővel szeretnék beszélni")
        buttons = [b for r in replies for b in (r.get("buttons") or [])]
        replies, took_handoff = timed(chat, topology, sender, buttons[0]["payload"] if buttons else "igen")
        assert "189" in texts_of(replies), replies  # S11: the help line, 24 hours a day
        assert took_handoff < CHAT_BOUND_S
        with pytest.raises(httpx.TimeoutException):
            httpx.post(topology.url("gateway") + "/voice/fallback", timeout=5)
    everything_serves_again(topology)
    replies = chat(topology, sender, "Ügyintézővel szeretnék beszélni")
    buttons = [b for r in replies for b in (r.get("buttons") or [])]
    replies = chat(topology, sender, buttons[0]["payload"] if buttons else "igen")
    assert any((r.get("custom") or {}).get("handoff") for r in replies), replies
    time.sleep(1.0)
    cases = escalations_of(topology.env["GATEWAY_DATABASE_URL"], sender)
    assert len(cases) == 1, f"the conversation's escalations: {cases}"
    print(f"SIGSTOP gateway: chat answered in {took_answer:.1f} s; a person asked for: the help line after "
          f"{took_handoff:.1f} s; after SIGCONT one case {cases}")


# --- load ----------------------------------------------------------------------------------------

LOAD_FULL = os.environ.get("RELIABILITY_LOAD") == "full"
LOAD = {"callers": 50, "chats": 100, "seconds": 300} if LOAD_FULL else {"callers": 10, "chats": 20, "seconds": 30}
# RSS bound: the run's processes together may grow by at most this much over the load
# (Rasa's and the gateway's caches warm up; a leak grows with every turn).
RSS_GROWTH_BOUND = 0.25 if not LOAD_FULL else 0.35
RSS_GROWTH_FLOOR_MB = 80


def rss_mb(topo) -> dict[str, float]:
    """Resident memory per program (its whole process tree), MB."""
    out = {}
    children: dict[int, list[int]] = {}
    for entry in pathlib.Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    for name, pid in topo.pids().items():
        total, frontier = 0, [pid]
        while frontier:
            p = frontier.pop()
            frontier.extend(children.get(p, []))
            try:
                for line in pathlib.Path(f"/proc/{p}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except OSError:
                pass
        out[name] = total / 1024
    return out


def test_paced_chat_users_and_callers_get_every_answer_with_p99_reported_and_rss_bounded(topology, tmp_path):
    before = rss_mb(topology)
    users = LOAD["callers"] + LOAD["chats"]
    env = {**os.environ, "LOAD_RASA_URL": topology.url("rasa"), "LOAD_GATEWAY_URL": topology.url("gateway"),
           "LOAD_PUBLIC_BASE_URL": topology.env["PUBLIC_BASE_URL"],
           "LOAD_CHANNEL_SECRET": topology.env["RASA_CHANNEL_SECRET"],
           "LOAD_TWILIO_TOKEN": topology.env["TWILIO_AUTH_TOKEN"],
           "LOAD_CHATS": str(LOAD["chats"]), "LOAD_CALLERS": str(LOAD["callers"])}
    csv = tmp_path / "load"
    done = subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(ROOT / "tests" / "reliability" / "locustfile.py"), "--headless",
         "-u", str(users), "-r", str(max(5, users // 5)), "-t", f"{LOAD['seconds']}s", "--stop-timeout", "20",
         "--csv", str(csv), "--only-summary", "--loglevel", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=LOAD["seconds"] + 180)
    after = rss_mb(topology)
    import csv as csvlib

    rows = list(csvlib.DictReader(open(f"{csv}_stats.csv", encoding="utf-8")))
    failures = list(csvlib.DictReader(open(f"{csv}_failures.csv", encoding="utf-8")))
    report = {r["Name"]: {"requests": int(r["Request Count"]), "failures": int(r["Failure Count"]),
                          "p50_ms": r["50%"], "p99_ms": r["99%"], "max_ms": r["Max Response Time"]}
              for r in rows}
    print(f"load ({LOAD}): {json.dumps(report, ensure_ascii=False)}")
    print("RSS MB before -> after: " + ", ".join(f"{n} {before[n]:.0f} -> {after.get(n, 0):.0f}" for n in before))
    total = report.get("Aggregated", {})
    assert total.get("requests", 0) > 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert failures == [] and total["failures"] == 0, failures
    assert report.get("chat turn", {}).get("requests", 0) > 0 and report.get("phone turn", {}).get("requests", 0) > 0
    grown = sum(after.values()) - sum(before.values())
    bound = max(RSS_GROWTH_FLOOR_MB, RSS_GROWTH_BOUND * sum(before.values()))
    assert grown <= bound, f"RSS grew {grown:.0f} MB (bound {bound:.0f} MB): {before} -> {after}"
    assert set(topology.states().values()) == {"RUNNING"}, topology.states()

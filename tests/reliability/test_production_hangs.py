"""Hangs (SIGSTOP) of each replicated kind in the production topology (issue #12): one Rasa replica (the
one the conversation is routed to), one action-server replica, one gateway web replica, the gateway
stream replica holding a chat's event stream, one credentials-backend replica — each stopped in the
middle of a user's request, as people reach the help desk: the widget over socket.io through the public
HTTPS proxy (tests/reliability/socketio_session.py), the phone as signed Twilio webhooks through the
proxy, the agent console over the proxy.

For each: what the user got and within what time; when HAProxy took the replica out (its stats
socket: the server's status leaves UP for DOWN; the health check runs every second and takes a server
out after two misses, deploy/haproxy/haproxy.cfg.in); SIGCONT; the replica is UP again and serves; and
nothing was lost or doubled: every new-code request the backend accepted (202 in either replica's
access log) produced exactly one mail, the conversation has one case, an agent's reply is stored
once, the same conversation goes on with its slots.

A Rasa turn, an action call and a request to the backend take ~0.1 s, so a stop timed after the
request leaves lands after its answer. The test therefore stops the process first and then sends the
request, which waits in the stopped process's socket — in its hands. For the round-robin kinds
(actions, gateway, credentials) it first aims HAProxy's round robin at the stopped replica: a probe
through the same backend answered by the other replica means the next request goes to the stopped one.

One topology for the module, two replicas of each kind that is stopped (tests/fixtures/production_services.py).
"""
from __future__ import annotations

import json
import os
import re
import pathlib
import queue
import signal
import socket
import subprocess
import threading
import time
import uuid
from typing import Any, Optional
from urllib.parse import quote

import httpx
import pytest

from tests.fixtures.production_services import _haproxy_present, attach, start_topology
from tests.reliability.faults import (CONFIRMED, LogWindow, accepted_requests, assert_one_mail_per_accepted_request, during, escalations_of,
                                      fresh_account, handoff_of, register, settled_new_code_mails, speaks,
                                      spoken_new_code_up_to_the_confirmation, wait_for_registration_mail)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.rabbitmq, pytest.mark.slow,
              pytest.mark.timeout(1500)]

ROOT = pathlib.Path(__file__).resolve().parents[2]
ENGINE_PYTHON = ROOT / ".venv" / "engine" / "bin" / "python"
# As in the other fault modules: a loaded machine must not push an ordinary spoken turn to the keypad
# menu before the moment under test; a stopped replica is past any deadline anyway.
PHONE_DEADLINE_S = 8.0
TWILIO_WEBHOOK_S = 15.0  # Twilio's wait for a webhook's answer before it fetches the fallback URL
TAKEN_OUT_BOUND_S = 6.0  # the proxy's check: every 1 s, out after 2 misses (check timeout 1 s); slack for load
CHAT_BOUND_S = 15.0


# --- the topology ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def prod(tmp_path_factory, rasa_model):
    if not _haproxy_present():
        pytest.skip("haproxy missing: scripts/setup.sh production (Debian's haproxy)")
    if os.environ.get("PRODUCTION_ATTACH"):  # a topology this module's settings started already (iterating)
        yield attach(int(os.environ["PRODUCTION_ATTACH"]))
        return
    running = start_topology(
        tmp_path_factory.mktemp("production-hangs"), rasa_replicas=2, RASA_MODEL=str(rasa_model),
        timeout=float(os.environ.get("PRODUCTION_START_TIMEOUT", "900")),
        ACTION_REPLICAS=2, GATEWAY_REPLICAS=2, GATEWAY_STREAM_REPLICAS=2, CREDENTIALS_REPLICAS=2,
        OUTBOX_REPLICAS=1, IVR_RASA_TIMEOUT_SECONDS=str(PHONE_DEADLINE_S))
    try:
        yield running
    finally:
        running.stop()


def stats(prod) -> dict[str, dict[str, str]]:
    """"backend/server" -> HAProxy's stats row (status, scur current sessions, stot total)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(2.0)
        s.connect(str(prod.topology.state_dir / "haproxy.sock"))
        s.sendall(b"show stat\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    lines = data.decode().splitlines()
    header = lines[0].lstrip("# ").split(",")
    out = {}
    for line in lines[1:]:
        cols = line.split(",")
        if len(cols) > 17 and cols[1] not in ("FRONTEND", "BACKEND"):
            out[f"{cols[0]}/{cols[1]}"] = dict(zip(header, cols))
    return out


def program_of(server: str) -> str:
    """HAProxy's "rasa/rasa1" is supervisord's program "rasa-1" ("gateway_streams/streams2": "streams-2")."""
    name = server.split("/", 1)[1]
    return name.rstrip("0123456789") + "-" + name[len(name.rstrip("0123456789")):]


class hung:
    """SIGSTOP of one replica's whole process group; a thread watches the proxy's view of it (when it
    leaves UP, when it is DOWN); SIGCONT on leaving; ``back_up()`` waits until the proxy has it UP."""

    def __init__(self, prod, server: str):
        self.prod, self.server = prod, server
        self.down_after: Optional[float] = None
        self._stop = threading.Event()

    def __enter__(self) -> "hung":
        self.pid = self.prod.pid(program_of(self.server))
        self.pgid = os.getpgid(self.pid)
        assert stats(self.prod)[self.server]["status"] == "UP", stats(self.prod)[self.server]
        os.killpg(self.pgid, signal.SIGSTOP)
        self.stopped = time.monotonic()
        self._watch = threading.Thread(target=self._watcher, daemon=True)
        self._watch.start()
        return self

    def _watcher(self) -> None:
        while not self._stop.is_set():
            try:
                status = stats(self.prod)[self.server]["status"]
            except (OSError, KeyError):
                status = ""
            if status.startswith("DOWN") and self.down_after is None:
                self.down_after = time.monotonic() - self.stopped
            self._stop.wait(0.1)

    def wait_taken_out(self, timeout: float = 20.0) -> float:
        deadline = time.monotonic() + timeout
        while self.down_after is None:
            assert time.monotonic() < deadline, f"the proxy never took {self.server} out"
            time.sleep(0.05)
        return self.down_after

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._watch.join(timeout=5)
        os.killpg(self.pgid, signal.SIGCONT)
        self.resumed = time.monotonic()

    def back_up(self, timeout: float = 60.0) -> float:
        """Seconds from SIGCONT until the proxy has the replica UP again (it is the same process)."""
        deadline = time.monotonic() + timeout
        while not stats(self.prod)[self.server]["status"].startswith("UP"):
            assert time.monotonic() < deadline, f"{self.server} not UP again: {stats(self.prod)[self.server]}"
            time.sleep(0.1)
        assert self.prod.pid(program_of(self.server)) == self.pid, "a hang is not a crash: the same process"
        return time.monotonic() - self.resumed


def aim_round_robin_at(url: str, server: str) -> None:
    """Make the next request through ``url``'s round-robin backend go to ``server`` (stopped): a probe
    answered at once was served by the other replica (round robin alternates), so the next one goes to
    the stopped one; a probe that is not answered went to it, and the one after it will not."""
    for _ in range(4):
        try:
            r = httpx.get(url, timeout=1.0, verify=False)
        except httpx.TimeoutException:
            continue  # the stopped one took this probe: the next goes to the other
        served = r.headers.get("X-Served-By")
        assert r.status_code < 500 and (served is None or served != server.split("/")[1]), (r.status_code, served)
        return
    raise AssertionError(f"could not aim the round robin at {server}")


def state_of(prod, server: str) -> str:
    return stats(prod)[server]["status"]


# --- the doors -------------------------------------------------------------------------------------

class Widget:
    """A widget's socket.io connection through the public address (tests/reliability/socketio_session.py)."""

    def __init__(self, prod, language: str = "hu"):
        self.events: "queue.Queue[dict]" = queue.Queue()
        self.seen: list[dict] = []
        self.process = subprocess.Popen(
            [str(ENGINE_PYTHON), str(ROOT / "tests" / "reliability" / "socketio_session.py"), prod.public_url,
             prod.public_url, language], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, cwd=ROOT, start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()
        ready = self.next("ready", timeout=60)
        self.session_id = ready["data"]["session_id"]

    def _read(self) -> None:
        for line in self.process.stdout:
            try:
                self.events.put(json.loads(line))
            except ValueError:
                pass

    def next(self, *names: str, timeout: float = 30.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {names} from the widget within {timeout} s; seen {self.seen[-8:]}; "
                                     f"stderr {self._stderr()}")
            try:
                event = self.events.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                if self.process.poll() is not None:
                    raise AssertionError(f"the widget process ended: {self._stderr()}")
                continue
            self.seen.append(event)
            if event["ev"] in names:
                return event

    def _stderr(self) -> str:
        if self.process.poll() is None:
            return "(running)"
        return self.process.stderr.read()[-2000:]

    def say(self, text: str) -> float:
        self.process.stdin.write(json.dumps({"say": text}) + "\n")
        self.process.stdin.flush()
        return self.next("sent", "not_sent")["t"]

    def turn(self, text: str, timeout: float = 30.0) -> tuple[str, float]:
        """Send ``text``; the bot's text (every bot message of the turn, 0.7 s after the first) and seconds."""
        sent = self.say(text)
        first = self.next("bot_uttered", "helpdesk_error", timeout=timeout)
        said = [first]
        try:
            while True:
                said.append(self.next("bot_uttered", "helpdesk_error", timeout=0.7))
        except AssertionError:
            pass
        return " ".join(texts(e["data"]) for e in said), first["t"] - sent

    def close(self) -> None:
        try:
            self.process.stdin.write(json.dumps({"close": True}) + "\n")
            self.process.stdin.flush()
            self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired, ValueError):
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def texts(data: Any) -> str:
    if isinstance(data, dict):
        return " ".join(str(data.get(k) or "") for k in ("text", "message")).strip()
    return str(data or "")


class TwilioTransport:
    """The call driver's transport to the public https address, as Twilio posts a webhook: it waits
    TWILIO_WEBHOOK_S for the answer; an answer that is not a 2xx, a transport error or no answer in
    time -> Twilio fetches the number's fallback URL (docs/phone.md: /voice/fallback on the same public
    address), and the caller hears that. ``outcomes`` records each webhook's fate."""

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(verify=False, timeout=TWILIO_WEBHOOK_S)
        self.outcomes: list[dict] = []

    def post(self, path: str, data: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        started = time.monotonic()
        try:
            r = self._http.post(self.base_url + path, data=data, headers=headers)
            status, body, failure = r.status_code, r.text, None if r.status_code < 400 else f"HTTP {r.status_code}"
        except httpx.HTTPError as exc:
            status, body, failure = 0, "", type(exc).__name__
        took = time.monotonic() - started
        self.outcomes.append({"path": path, "status": status, "failure": failure, "took": took})
        if failure is None or path == "/voice/fallback":
            return status, body
        # Twilio: the primary handler failed -> the fallback URL, signed for its own address
        from twilio.request_validator import RequestValidator

        fallback = dict(data, ErrorCode="11200" if status else "11205", ErrorUrl=self.base_url + path)
        signature = RequestValidator(self.auth_token).compute_signature(self.base_url + "/voice/fallback", fallback)
        return self.post("/voice/fallback", fallback, {"X-Twilio-Signature": signature})

    auth_token = ""


def call(prod):
    from ivr.callsim import TwilioCall

    transport = TwilioTransport(prod.public_url)
    transport.auth_token = prod.env["TWILIO_AUTH_TOKEN"]
    phone = TwilioCall(transport=transport, auth_token=prod.env["TWILIO_AUTH_TOKEN"],
                       public_base_url=prod.env["PUBLIC_BASE_URL"])
    return phone, transport


def rasa_replica_of(prod, conversation: str) -> str:
    """"rasa/rasaN": the replica the proxy routes the conversation to (the console's path: the tracker)."""
    from tests.fixtures.rasa_services import admin_jwt_header

    r = httpx.get(f"{prod.rasa_in}/conversations/{quote(conversation, safe='')}/tracker", timeout=30,
                  headers=admin_jwt_header(prod.env["RASA_JWT_SECRET"]))
    assert r.status_code == 200, r.text[:300]
    return "rasa/" + r.headers["X-Served-By"]


def tracker_of(prod, conversation: str) -> tuple[str, dict]:
    from tests.fixtures.rasa_services import admin_jwt_header

    r = httpx.get(f"{prod.rasa_in}/conversations/{quote(conversation, safe='')}/tracker", timeout=30,
                  headers=admin_jwt_header(prod.env["RASA_JWT_SECRET"]))
    assert r.status_code == 200, r.text[:300]
    return r.headers["X-Served-By"], r.json()


def rest_chat(prod, sender: str, text: str) -> httpx.Response:
    return httpx.post(f"{prod.rasa_in}/webhooks/helpdesk/webhook", timeout=40,
                      json={"sender": sender, "message": text, "metadata": {"channel": "chat", "language": "hu"}},
                      headers={"X-Helpdesk-Channel-Secret": prod.env["RASA_CHANNEL_SECRET"]})


def registered(prod):
    account = fresh_account()
    register(prod.credentials_in, prod.env["CREDENTIALS_ADMIN_TOKEN"], account)
    wait_for_registration_mail(pathlib.Path(prod.env["MAIL_SINK_DIR"]), account.email)
    return account


class Accepted:
    """New-code requests either backend replica answered 202 from now on (their access logs)."""

    def __init__(self, prod):
        self.windows = [LogWindow(prod.topology.state_dir / "logs" / f"credentials-{i + 1}.log")
                        for i in range(prod.topology.credentials_replicas)]

    def count(self) -> int:
        return sum(accepted_requests(w.text()) for w in self.windows)

    def answered_to_nobody(self, replica: int) -> int:
        """Requests replica ``replica`` (1-based) accepted after its caller had gone: 202 with an empty
        body in its access log (the answer written to a connection the proxy had closed)."""
        return len(re.findall(r'"POST /api/v1/reset-requests[^"]*" 202 0 ', self.windows[replica - 1].text()))


def superseded(prod, address: str) -> int:
    """Code mails to ``address`` the backend cancelled unsent because a newer request replaced them."""
    import psycopg

    with psycopg.connect(prod.topology.database_url("credentials", driver="postgresql"), connect_timeout=5) as conn:
        return conn.execute("SELECT count(*) FROM outbox WHERE kind = 'activation_code' AND status = 'cancelled'"
                            " AND to_address = %s", (address,)).fetchone()[0]


def one_mail_per_accepted_request(prod, account, accepted: Accepted, at_least: int = 1) -> tuple[int, int, int]:
    mails = settled_new_code_mails(pathlib.Path(prod.env["MAIL_SINK_DIR"]), account.email, at_least=at_least,
                                   quiet=4.0, timeout=90)
    n_accepted, n_superseded = accepted.count(), superseded(prod, account.email)
    assert n_accepted >= 1
    assert_one_mail_per_accepted_request(mails, n_accepted, superseded=n_superseded)
    return n_accepted, len(mails), n_superseded


REPORT: list[str] = []


def report(line: str) -> None:
    REPORT.append(line)
    print(line)


@pytest.fixture(scope="module", autouse=True)
def _summary():
    yield
    if REPORT:
        print("\n--- production hangs ---\n" + "\n".join(REPORT))


# --- Rasa ------------------------------------------------------------------------------------------

def test_sigstop_of_the_rasa_replica_holding_a_widget_chat_mid_new_code_the_proxy_moves_it_and_it_goes_on(prod):
    """(a) a chat new-code request: the confirming "igen" goes into the conversation's hung Rasa
    replica over the widget's open websocket."""
    account = registered(prod)
    accepted = Accepted(prod)
    widget = Widget(prod)
    try:
        for text in ("nem kaptam meg a kódot", account.username, account.email):
            widget.turn(text)
        server = rasa_replica_of(prod, widget.session_id)
        _, tracker = tracker_of(prod, widget.session_id)
        assert tracker["slots"]["requested_slot"] == "email_confirmed", tracker["slots"]
        with hung(prod, server) as h:
            sent = widget.say("igen")
            taken_out = h.wait_taken_out()
            dropped = widget.next("disconnect", timeout=20)["t"] - sent
            widget.next("ready", "session_confirm", timeout=20)  # reconnected: the other replica
            reconnected = widget.seen[-1]["t"] - sent
            answered_meanwhile = [e for e in widget.seen if e["ev"] in ("bot_uttered", "helpdesk_error")
                                  and e["t"] > sent]
            moved_to = rasa_replica_of(prod, widget.session_id)
            assert moved_to != server, "the conversation still routed to the hung replica"
            # the user, who got no answer, says it again: the other replica answers from the shared tracker
            again, took_again = widget.turn("igen", timeout=CHAT_BOUND_S + 30)
        back = h.back_up()
        assert CONFIRMED in again or "nem érhető el" in again, again
        # the same conversation goes on, back on its own replica (consistent hashing), slots intact
        time.sleep(3.0)  # the held frame, if the resumed replica reads it, is handled by now
        follow, _ = widget.turn("köszönöm")
        assert follow
        served, tracker = tracker_of(prod, widget.session_id)
        assert "rasa/" + served == server, "back on its replica"
        assert tracker["slots"]["username"] == account.username, tracker["slots"]
        said = [e.get("text") for e in tracker["events"] if e.get("event") == "user"]
        assert said.count("igen") == 1, f"the held message handled as well as the one typed again: {said}"
        n_accepted, n_mails, n_superseded = one_mail_per_accepted_request(prod, account, accepted)
    finally:
        widget.close()
    report(f"SIGSTOP {server} (widget chat, confirming 'igen' in its hands): no answer; taken out after "
           f"{taken_out:.1f} s; the websocket dropped at {dropped:.1f} s, reconnected to {moved_to} at "
           f"{reconnected:.1f} s; answered meanwhile {len(answered_meanwhile)}; the user says it again: "
           f"{again[:70]!r} in {took_again:.1f} s; UP {back:.1f} s after SIGCONT; user turns in the tracker "
           f"{said.count('igen')}x 'igen'; accepted {n_accepted}, mails {n_mails}, superseded {n_superseded}")


def test_sigstop_of_the_rasa_replica_of_a_call_mid_spoken_new_code_the_caller_is_answered_and_it_goes_on(prod):
    """(b) a phone new-code request: the confirming "igen" of a spoken call; the gateway's REST turn
    to the call's hung Rasa replica."""
    account = registered(prod)
    accepted = Accepted(prod)
    phone, transport = call(prod)
    spoken_new_code_up_to_the_confirmation(phone, account)
    server = rasa_replica_of(prod, phone.call_sid)
    with hung(prod, server) as h:
        with during(phone.say, "igen") as confirming:
            pass
        _, took = confirming.result()
        heard = phone.text()
        in_menu = not speaks(phone)
        taken_out = h.wait_taken_out()
    back = h.back_up()
    assert phone.last.status == 200 and phone.says, phone.last.body[:300]
    assert took < PHONE_DEADLINE_S + 4, f"the caller waited {took:.1f} s"
    # the call goes on; a caller not told the code was sent calls again and asks again
    if speaks(phone):
        phone.say("köszönöm")
    else:
        phone.press("1")
    assert phone.last.status == 200 and phone.says
    if CONFIRMED not in heard:
        again, _ = call(prod)
        spoken_new_code_up_to_the_confirmation(again, account)
        again.say("igen")
        assert CONFIRMED in again.text(), again.says
    served, tracker = tracker_of(prod, phone.call_sid)
    assert "rasa/" + served == server
    n_accepted, n_mails, n_superseded = one_mail_per_accepted_request(prod, account, accepted)
    report(f"SIGSTOP {server} (call, confirming 'igen' in its hands): the caller heard {heard[:80]!r} "
           f"({'keypad menu' if in_menu else 'the assistant'}) after {took:.1f} s; taken out after {taken_out:.1f} s; "
           f"UP {back:.1f} s after SIGCONT; webhooks {[(o['path'], o['status'], round(o['took'], 1)) for o in transport.outcomes[-2:]]}; "
           f"accepted {n_accepted}, mails {n_mails}, superseded {n_superseded}")


# --- the action server -----------------------------------------------------------------------------

def test_sigstop_of_an_action_server_replica_mid_widget_new_code_the_user_is_answered_and_one_mail(prod):
    """(a) the confirming turn's first action call aimed at the hung action-server replica."""
    account = registered(prod)
    accepted = Accepted(prod)
    widget = Widget(prod)
    server = "actions/actions1"
    try:
        for text in ("nem kaptam meg a kódot", account.username, account.email):
            widget.turn(text)
        before = int(stats(prod)[server]["stot"])
        with hung(prod, server) as h:
            aim_round_robin_at(prod.actions_in + "/health", server)
            answer, took = widget.turn("igen", timeout=CHAT_BOUND_S + 30)
            taken_out = h.wait_taken_out()
            reached = int(stats(prod)[server]["stot"]) - before
        back = h.back_up()
        assert reached >= 1, "the turn never reached the hung replica"
        assert took < CHAT_BOUND_S, f"the widget waited {took:.1f} s"
        time.sleep(3.0)  # what the resumed replica does with the held call
        if CONFIRMED not in answer:  # not told it was sent: the user asks again in the same chat
            for text in ("nem kaptam meg a kódot", account.username, account.email):
                widget.turn(text)
            again, _ = widget.turn("igen")
            assert CONFIRMED in again, again
        follow, _ = widget.turn("köszönöm")
        assert follow
        n_accepted, n_mails, n_superseded = one_mail_per_accepted_request(prod, account, accepted)
        for _ in range(2):  # both replicas answer again
            assert httpx.get(prod.actions_in + "/health", timeout=5).status_code == 200
    finally:
        widget.close()
    report(f"SIGSTOP {server} (widget chat, the confirming turn's action call in its hands): {answer[:90]!r} "
           f"after {took:.1f} s; taken out after {taken_out:.1f} s; UP {back:.1f} s after SIGCONT; "
           f"accepted {n_accepted}, mails {n_mails}, superseded {n_superseded}")


# --- the credentials backend -----------------------------------------------------------------------

def test_sigstop_of_a_credentials_replica_mid_phone_new_code_the_caller_is_told_and_one_mail(prod):
    """(b) the spoken call's confirming "igen": the action server's new-code request aimed at the hung
    backend replica."""
    account = registered(prod)
    accepted = Accepted(prod)
    phone, transport = call(prod)
    spoken_new_code_up_to_the_confirmation(phone, account)
    server = "credentials/credentials1"
    before = int(stats(prod)[server]["stot"])
    with hung(prod, server) as h:
        aim_round_robin_at(prod.credentials_in + "/healthz", server)
        with during(phone.say, "igen") as confirming:
            pass
        _, took = confirming.result()
        heard = phone.text()
        taken_out = h.wait_taken_out()
        reached = int(stats(prod)[server]["stot"]) - before
    back = h.back_up()
    assert reached >= 1, "the request never reached the hung replica"
    assert phone.last.status == 200 and phone.says, phone.last.body[:300]
    assert took < PHONE_DEADLINE_S + 4, f"the caller waited {took:.1f} s"
    time.sleep(3.0)  # the resumed replica handles what it held
    if CONFIRMED not in heard:
        again, _ = call(prod)
        spoken_new_code_up_to_the_confirmation(again, account)
        again.say("igen")
        assert CONFIRMED in again.text(), again.says
    n_accepted, n_mails, n_superseded = one_mail_per_accepted_request(prod, account, accepted)
    held_done = accepted.answered_to_nobody(1)
    served = {httpx.get(prod.credentials_in + "/healthz", timeout=5).headers["X-Served-By"] for _ in range(2)}
    assert served == {"credentials1", "credentials2"}, served
    report(f"SIGSTOP {server} (call, the new-code request in its hands): the caller heard {heard[:90]!r} after "
           f"{took:.1f} s; taken out after {taken_out:.1f} s; UP {back:.1f} s after SIGCONT; the held request done "
           f"after SIGCONT (202 to nobody) {held_done}; accepted {n_accepted}, mails {n_mails}, superseded {n_superseded}")


# --- the gateway -----------------------------------------------------------------------------------

def test_sigstop_of_a_gateway_replica_mid_phone_new_code_the_other_answers_the_webhook_and_one_mail(prod):
    """(b) the confirming "igen" webhook (public /voice/*) aimed at the hung gateway web replica. The
    proxy's voice backend resends the webhook the hung replica took to the other one when it takes the
    replica out (deploy/haproxy/haproxy.cfg.in, backend gateway_voice); before it did, Twilio got no
    answer (the connection closed) and fetched the fallback URL: the caller was queued for a person
    ("Elnézést, műszaki hiba történt. Kapcsolom az ügyintézőt ..."). The copy the hung replica held is
    answered from the replay store after SIGCONT: one new-code request."""
    account = registered(prod)
    accepted = Accepted(prod)
    phone, transport = call(prod)
    spoken_new_code_up_to_the_confirmation(phone, account)
    server = "gateway_voice/gateway1"
    with hung(prod, server) as h:
        aim_round_robin_at(prod.public_url + "/voice/fallback", server)  # GET: 405 from a live replica
        with during(phone.say, "igen") as confirming:
            pass
        _, took = confirming.result()
        heard = phone.text()
        taken_out = h.wait_taken_out()
        outcomes = [dict(o) for o in transport.outcomes[-2:]]
    back = h.back_up()
    time.sleep(3.0)  # the resumed replica handles the webhook it held
    n_accepted, n_mails, n_superseded = one_mail_per_accepted_request(prod, account, accepted)
    served = {httpx.get(prod.gateway_in + "/healthz", timeout=5).headers["X-Served-By"] for _ in range(2)}
    report(f"SIGSTOP {server} (call, the confirming webhook in its hands): webhooks "
           f"{[(o['path'], o['status'] or o['failure'], round(o['took'], 1)) for o in outcomes]}; the caller heard "
           f"{heard[:90]!r} after {took:.1f} s; taken out after {taken_out:.1f} s; UP {back:.1f} s after SIGCONT; "
           f"accepted {n_accepted}, mails {n_mails}, superseded {n_superseded}")
    assert phone.last.status == 200 and speaks(phone), phone.last.body[:300]
    assert CONFIRMED in heard, f"not the assistant's confirmation: {heard}"
    assert not any(o["path"] == "/voice/fallback" for o in outcomes), outcomes
    assert took < TWILIO_WEBHOOK_S, f"Twilio would have given up: {took:.1f} s"
    assert n_accepted == 1, f"{n_accepted} new-code requests from one confirmation"
    assert served == {"gateway1", "gateway2"}, served


def ask_for_a_person(prod, sender: str) -> str:
    r = rest_chat(prod, sender, "Ügyintézővel szeretnék beszélni")
    assert r.status_code == 200, r.text[:300]
    buttons = [b for m in r.json() for b in (m.get("buttons") or [])]
    return buttons[0]["payload"] if buttons else "igen"


def test_sigstop_of_a_gateway_replica_mid_escalation_the_user_gets_an_answer_and_one_case(prod):
    """(c) the action server's escalation request aimed at the hung gateway web replica (gateway_in)."""
    sender = f"hang-esc-{uuid.uuid4().hex[:10]}"
    gateway_log = LogWindow(prod.topology.state_dir / "logs" / "gateway-1.log")
    assert rest_chat(prod, sender, "nem tudok belépni").status_code == 200
    yes = ask_for_a_person(prod, sender)
    server = "gateway/gateway1"
    with hung(prod, server) as h:
        aim_round_robin_at(prod.gateway_in + "/healthz", server)
        started = time.monotonic()
        r = rest_chat(prod, sender, yes)
        took = time.monotonic() - started
        taken_out = h.wait_taken_out()
    back = h.back_up()
    assert r.status_code == 200, r.text[:300]
    said = " ".join(m.get("text") or "" for m in r.json())
    handoff = handoff_of(r.json())
    assert handoff or "189" in said, r.json()  # S11: the help line
    assert took < CHAT_BOUND_S
    time.sleep(3.0)  # the resumed replica stores what it held
    if handoff is None:  # told it failed: the user asks again
        r2 = rest_chat(prod, sender, ask_for_a_person(prod, sender))
        handoff = handoff_of(r2.json())
        assert handoff, r2.json()
    cases = escalations_of(prod.env["GATEWAY_DATABASE_URL"], sender)
    assert len(cases) == 1, f"the conversation's escalations: {cases}"
    held_done = len(re.findall(r'"POST /api/v1/escalations[^"]*" 20[01] 0 ', gateway_log.text()))
    sent = httpx.post(f"{prod.public_url}/api/v1/chat/{sender}/messages", timeout=15, verify=False,
                      headers={"Authorization": f"Bearer {handoff['chat_token']}"},
                      json={"text": "itt vagyok még", "client_message_id": f"m{time.monotonic_ns()}"})
    assert sent.status_code == 201, sent.text
    report(f"SIGSTOP {server} (the escalation request in its hands): {'the handoff' if handoff_of(r.json()) else 'the help line'}"
           f" {said[:80]!r} after {took:.1f} s; taken out after {taken_out:.1f} s; UP {back:.1f} s after SIGCONT; "
           f"the held request stored after SIGCONT (answered to nobody) {held_done}; cases {cases}")


def agent_console(prod, username: str, password: str) -> httpx.Client:
    import re
    import sys

    env = {**os.environ, **prod.env}
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "gateway", "agents", "create-agent",
                           "--username", username, "--display-name", "Hiba Anna", "--password", password],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    client = httpx.Client(base_url=prod.public_url, timeout=20, verify=False)
    page = client.get("/agents/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    client.post("/agents/login", data={"username": username, "password": password, "csrf_token": token})
    return client


def csrf(html: str) -> str:
    import re

    match = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(r'data-csrf="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def reply_send_key(html: str) -> str:
    """The case page's reply form's idempotency key (``send_key``), as the agent's browser holds it."""
    import re

    form = re.search(r'<form[^>]*id="reply-form".*?</form>', html, re.S)
    match = form and re.search(r'name="send_key" value="([^"]+)"', form.group(0))
    assert match, "no send key in the case page's reply form"
    return match.group(1)


def agent_messages(prod, reference: str) -> list[str]:
    import psycopg

    with psycopg.connect(prod.topology.database_url("gateway", driver="postgresql"), connect_timeout=5) as conn:
        return [r[0] for r in conn.execute(
            "SELECT m.text FROM agents_escalation_messages m JOIN agents_escalations e ON e.id = m.escalation_id"
            " WHERE e.reference = %s AND m.sender = 'agent' ORDER BY m.id", (reference,))]


class EventStream:
    """The widget's relay stream (GET /api/v1/chat/<id>/events through the public address), reconnected
    as widget.js does (0.8 s after it ends, with Last-Event-ID); ``events`` with their arrival time."""

    def __init__(self, prod, conversation: str, chat_token: str):
        self.url = f"{prod.public_url}/api/v1/chat/{conversation}/events"
        self.token, self.last_id = chat_token, 0
        self.events: list[tuple[float, str, dict]] = []
        self.ends: list[float] = []
        self._stop = threading.Event()
        self._response: Optional[httpx.Response] = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        with httpx.Client(verify=False, timeout=httpx.Timeout(10.0, read=None)) as client:
            while not self._stop.is_set():
                try:
                    with client.stream("GET", self.url, headers={"Authorization": f"Bearer {self.token}",
                                                                 "Last-Event-ID": str(self.last_id)}) as r:
                        self._response = r
                        name, data, event_id = "message", "", None
                        for line in r.iter_lines():
                            if self._stop.is_set():
                                return
                            if line.startswith("event: "):
                                name = line[7:]
                            elif line.startswith("data: "):
                                data += line[6:]
                            elif line.startswith("id: "):
                                event_id = int(line[4:])
                            elif line == "":
                                if data:
                                    self.events.append((time.monotonic(), name, json.loads(data)))
                                    if event_id is not None:
                                        self.last_id = event_id
                                name, data, event_id = "message", "", None
                except (httpx.HTTPError, AttributeError, ValueError):  # also: closed from close()
                    pass
                self.ends.append(time.monotonic())
                self._stop.wait(0.8)

    def texts(self) -> list[str]:
        return [d.get("text") for _, n, d in self.events if isinstance(d, dict) and d.get("text")]

    def wait_for(self, text: str, timeout: float) -> float:
        deadline = time.monotonic() + timeout
        while True:
            for at, _, d in self.events:
                if isinstance(d, dict) and d.get("text") == text:
                    return at
            assert time.monotonic() < deadline, f"{text!r} never reached the widget's stream: {self.texts()}"
            time.sleep(0.05)

    def close(self) -> None:
        self._stop.set()
        if self._response is not None:
            try:
                self._response.close()
            except Exception:  # noqa: BLE001 - already closed
                pass
        self._thread.join(timeout=5)


@pytest.fixture(scope="module")
def claimed_chat(prod):
    """A chat handed to a person and claimed by an agent in the console (over the public address)."""
    sender = f"hang-reply-{uuid.uuid4().hex[:10]}"
    assert rest_chat(prod, sender, "nem tudok belépni").status_code == 200
    r = rest_chat(prod, sender, ask_for_a_person(prod, sender))
    handoff = handoff_of(r.json())
    assert handoff, r.json()
    console = agent_console(prod, f"hiba{uuid.uuid4().hex[:6]}", "hiba agent pass " + uuid.uuid4().hex[:8])
    case = f"/agents/escalations/{handoff['escalation_id']}"
    token = csrf(console.get(case).text)
    claimed = console.post(f"{case}/claim", data={"csrf_token": token})
    assert claimed.status_code in (200, 302, 303), claimed.text[:300]
    yield sender, handoff, console, case, token
    console.close()


def test_sigstop_of_a_gateway_replica_mid_agent_reply_it_is_stored_once_and_reaches_the_user(prod, claimed_chat):
    """(d) the agent's reply (the console's POST through the public address) aimed at the hung gateway
    web replica. The agent sends it again with the reply form's send key, as the console's page does
    after a failed send (agents/static/console.js): the POST the hung replica held, carried out after
    SIGCONT, finds that send stored and stores nothing (issue #12)."""
    import secrets

    from tests.reliability.faults import CONSONANTS

    sender, handoff, console, case, token = claimed_chat
    stream = EventStream(prod, sender, handoff["chat_token"])
    server = "gateway/gateway1"
    text = f"Kérem, nézze meg a levélszemét mappát ({''.join(secrets.choice(CONSONANTS) for _ in range(6))})"
    send_key = reply_send_key(console.get(case).text)  # the page the agent types the reply into
    held_log = LogWindow(prod.topology.state_dir / "logs" / "gateway-1.log")
    try:
        time.sleep(1.0)
        with hung(prod, server) as h:
            aim_round_robin_at(prod.gateway_in + "/healthz", server)
            started = time.monotonic()
            try:
                r = console.post(f"{case}/reply", data={"csrf_token": token, "send_key": send_key, "text": text},
                                 timeout=TWILIO_WEBHOOK_S + 15)
                outcome = f"HTTP {r.status_code}"
            except httpx.HTTPError as exc:
                outcome = type(exc).__name__
            took = time.monotonic() - started
            taken_out = h.wait_taken_out()
            stored_meanwhile = agent_messages(prod, handoff["reference"]).count(text)
            if stored_meanwhile == 0:  # the case page shows it missing: the agent sends it again, same key
                assert text not in console.get(case).text
                again = console.post(f"{case}/reply", data={"csrf_token": token, "send_key": send_key, "text": text})
                assert again.status_code in (200, 201, 302, 303), again.text[:300]
        back = h.back_up()
        # One more copy of the same send (as the held POST is, whenever the resumed replica carries it
        # out, or a browser's resubmission): answered as the first was, through either replica
        late = console.post(f"{case}/reply", data={"csrf_token": token, "send_key": send_key, "text": text})
        assert late.status_code in (302, 303), late.text[:300]
        time.sleep(3.0)  # the resumed replica handles the POST it held; a doubled reply would reach the stream
        stored = agent_messages(prod, handoff["reference"]).count(text)
        arrived = stream.wait_for(text, timeout=20) - started
        shown = stream.texts().count(text)
    finally:
        stream.close()
    # the hung replica's own answers to a reply POST: the one it held, carried out after SIGCONT
    held_done = len(re.findall(r'"POST /agents/escalations/[^"]*/reply[^"]*" 30[23] ', held_log.text()))
    report(f"SIGSTOP {server} (an agent's reply in its hands): the console got {outcome} after {took:.1f} s; "
           f"taken out after {taken_out:.1f} s; stored while hung {stored_meanwhile}; UP {back:.1f} s after SIGCONT; "
           f"the held POST carried out after SIGCONT: {held_done}; a later copy of the send answered {late.status_code}; "
           f"stored {stored} time(s) in the end; the widget's stream showed it {shown} time(s), first "
           f"{arrived:.1f} s after the agent pressed send")
    assert stored == 1 and shown == 1, (stored, shown)


def test_sigstop_of_the_stream_replica_holding_a_chats_events_the_widget_reconnects_and_gets_the_reply(prod, claimed_chat):
    """The gateway's stream role: the replica holding the widget's event stream hangs; an agent's reply
    is sent meanwhile (through the live web replicas)."""
    import secrets

    from tests.reliability.faults import CONSONANTS

    sender, handoff, console, case, token = claimed_chat
    before = {k: int(v["stot"]) for k, v in stats(prod).items() if k.startswith("gateway_streams/")}
    stream = EventStream(prod, sender, handoff["chat_token"])
    try:
        deadline = time.monotonic() + 15
        while True:  # the stream is open (its first event, the case's state): the replica that took it
            holders = [k for k, v in stats(prod).items() if k in before and int(v["stot"]) > before[k]]
            if len(holders) == 1 and any(n == "state" for _, n, _ in stream.events):
                break
            assert time.monotonic() < deadline, f"not one stream replica took the stream: {holders}"
            time.sleep(0.2)
        server = holders[0]
        ends_before = len(stream.ends)
        text = f"Itt vagyok, segítek ({''.join(secrets.choice(CONSONANTS) for _ in range(6))})"
        with hung(prod, server) as h:
            time.sleep(0.3)
            r = console.post(f"{case}/reply", data={"csrf_token": token, "text": text})
            assert r.status_code in (200, 201, 302, 303), r.text[:300]
            sent_at = time.monotonic()
            taken_out = h.wait_taken_out()
            arrived = stream.wait_for(text, timeout=30) - sent_at
            dropped = (stream.ends[ends_before] - h.stopped) if len(stream.ends) > ends_before else None
        back = h.back_up()
        assert stream.texts().count(text) == 1, stream.texts()
        assert dropped is not None, "the stream on the hung replica was never cut"
        reconnected = {k: int(v["stot"]) for k, v in stats(prod).items() if k in before}
        now_on = [k for k in before if k != server and reconnected[k] > before[k]]
        assert now_on, f"the stream never reconnected to another replica: {reconnected}"
    finally:
        stream.close()
    report(f"SIGSTOP {server} (the chat's event stream on it): the stream ended "
           f"{'%.1f s' % dropped if dropped is not None else 'never'} after the stop; taken out after {taken_out:.1f} s; "
           f"the agent's reply reached the widget {arrived:.1f} s after it was sent (once), over {now_on}; "
           f"UP {back:.1f} s after SIGCONT")


# --- a turn already inside the hung Rasa replica ---------------------------------------------------

def answer_of(turn: during) -> tuple[Any, float]:
    """(the status, or the transport error's name; the seconds it took) of a REST turn run by ``during``."""
    turn._thread.join(timeout=120)
    error = turn.error()
    if error is not None:
        assert isinstance(error, httpx.HTTPError), repr(error)
        return type(error).__name__, turn._took
    response, took = turn.result()
    assert "Traceback" not in response.text
    return response.status_code, took


def test_sigstop_of_a_rasa_replica_in_the_middle_of_a_turn_its_conversation_waits_for_the_lock_until_sigcont(prod):
    """Not covered by the proxy: the replica hangs while a turn is inside it, holding the conversation's
    ticket in the Redis lock store. The proxy takes it out and retries the turn on the other replica,
    which waits for the ticket: the conversation is stuck until the hung replica resumes (it then ends
    its turn and gives the ticket back) or the ticket expires (Rasa's TICKET_LOCK_LIFETIME, 60 s).
    To hold the turn inside Rasa, both action-server replicas are stopped while it starts (the turn
    waits on its first action call), then Rasa is stopped and the action servers resumed."""
    hold_s = 10.0
    sender = f"hang-lock-{uuid.uuid4().hex[:10]}"
    first = rest_chat(prod, sender, "nem kaptam meg a kódot")
    assert first.status_code == 200, first.text[:300]
    server = "rasa/" + first.headers["X-Served-By"]
    action_groups = [os.getpgid(prod.pid(f"actions-{i + 1}")) for i in range(prod.topology.action_replicas)]
    for group in action_groups:
        os.killpg(group, signal.SIGSTOP)
    try:
        held_sent = time.monotonic()
        with during(rest_chat, prod, sender, "meddig érvényes az aktiváló kód?") as held:
            time.sleep(0.8)  # the turn is inside Rasa: its ticket issued, its first action call waiting
            with hung(prod, server) as h:
                for group in action_groups:
                    os.killpg(group, signal.SIGCONT)
                action_groups = []
                taken_out = h.wait_taken_out()
                next_sent = time.monotonic()
                next_turn = during(rest_chat, prod, sender, "szia")  # the user types again
                next_turn.__enter__()  # not joined here: SIGCONT comes at hold_s whatever the turns do
                time.sleep(max(0.0, hold_s - (time.monotonic() - h.stopped)))
                stuck = held._thread.is_alive() and next_turn._thread.is_alive()
                other = rest_chat(prod, f"hang-lock-other-{uuid.uuid4().hex[:8]}", "szia")
                assert other.status_code == 200, "another conversation is answered meanwhile"
            back = h.back_up()
            held_answer, held_took = answer_of(held)
            next_answer, next_took = answer_of(next_turn)
    finally:
        for group in action_groups:
            os.killpg(group, signal.SIGCONT)
    held_after = held_sent + held_took - h.resumed  # seconds after SIGCONT
    next_after = next_sent + next_took - h.resumed
    assert stuck, "the conversation's turns were answered while its ticket was held"
    assert next_answer == 200, next_answer
    _, tracker = tracker_of(prod, sender)
    said = [e.get("text") for e in tracker["events"] if e.get("event") == "user"]
    after = rest_chat(prod, sender, "köszönöm")  # not stuck afterwards
    assert after.status_code == 200 and after.json()
    report(f"SIGSTOP {server} with a turn inside it (its lock ticket held): taken out after {taken_out:.1f} s; the "
           f"held turn and the next one of the conversation unanswered for the {hold_s:.0f} s of the hang (other "
           f"conversations answered); after SIGCONT the held turn {held_answer} "
           f"{held_after:+.1f} s after SIGCONT, the next {next_answer} {next_after:+.1f} s after SIGCONT "
           f"({next_took:.1f} s after it was typed); "
           f"UP {back:.1f} s after SIGCONT; the tracker has the held message {said.count('meddig érvényes az aktiváló kód?')}x")

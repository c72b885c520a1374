"""The production topology's services fail (issue #12): Redis stopped, RabbitMQ cut, PostgreSQL's
connections killed, the outbox worker hung and killed; and the canaries scanned in Redis's keys,
RabbitMQ's messages and the PostgreSQL databases.

The topology is ops/production.py's (`make run-production`: HAProxy, Rasa on the PostgreSQL tracker
store and the Redis lock store, Rasa's event broker on RabbitMQ with the statistics' consumer, the
outbox worker as a process of its own), one replica of each, started once for the module
(tests/fixtures/production_services.py) — but never against the machine's own Redis or RabbitMQ
as they are: those are shared with other test runs and CI, and stopping them would fail those.

- Redis: a private ``redis-server`` on a free port (no persistence, as the lock store needs none),
  stopped with SIGKILL and started again on the same port.
- RabbitMQ: the machine's broker through a TCP forwarder of the test's own (``socat``) that the
  test cuts: SIGKILL of socat's process group closes the listening port (new connections refused)
  and drops every established connection — what Rasa's publisher and the consumer see when the broker
  goes away — while the broker's queues survive, as a durable queue survives a broker restart.
  A private RabbitMQ node would need an Erlang VM, its own cookie and ports, and ~20 s to start.
- PostgreSQL: ``pg_terminate_backend`` of the connections to the topology's own three databases
  (``prodtest_<random>_credentials|gateway|rasa``), nobody else's.

Events are counted on a queue of the test's own bound to the topology's fanout exchange (on the
broker directly, not through the forwarder): every event Rasa publishes is seen there.
"""
from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import time
import uuid

import httpx
import pytest

from tests.fixtures.ports import free_port
from tests.fixtures.production_services import PG_ADMIN_URL, _haproxy_present, start_topology
from tests.reliability.faults import (CONFIRMED, Account, LogWindow, accepted_requests,
                                      assert_one_mail_per_accepted_request, during, fresh_account, kill_group,
                                      new_code_mails, register, settled_new_code_mails, speaks,
                                      spoken_new_code_up_to_the_confirmation, wait_for_registration_mail)

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq, pytest.mark.slow, pytest.mark.timeout(1500)]

CHAT_BOUND_S = 15.0
PHONE_DEADLINE_S = 8.0  # as in test_kill_each_process: a loaded machine must not push a turn to the keypad
LEASE_S = 10  # the outbox lease (300 s by default): a killed worker's claimed mail is sent after it


class PrivateRedis:
    """A redis-server of the test's own (the binary Debian installs), on a free port."""

    def __init__(self, folder: pathlib.Path):
        self.port, self.folder, self.process = free_port(), folder, None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder), "--logfile", str(self.folder / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        import redis

        deadline = time.monotonic() + 20
        while True:
            try:
                if redis.Redis.from_url(self.url, socket_timeout=1).ping():
                    return
            except redis.RedisError:
                assert time.monotonic() < deadline, "the private redis-server did not start"
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def dump(self) -> bytes:
        """Every key and every value (strings, hashes, lists, sets, sorted sets, streams), as bytes."""
        import redis

        r = redis.Redis.from_url(self.url, socket_timeout=5)
        out = []
        for key in r.scan_iter(count=500):
            kind = r.type(key).decode()
            value = {"string": lambda: r.get(key), "hash": lambda: r.hgetall(key),
                     "list": lambda: r.lrange(key, 0, -1), "set": lambda: r.smembers(key),
                     "zset": lambda: r.zrange(key, 0, -1), "stream": lambda: r.xrange(key)}.get(kind, lambda: b"")()
            out.append(key + b" " + repr(value).encode())
        return b"\n".join(out)


class RedisSampler:
    """Every key and value Redis held while the block ran, sampled every 20 ms: the lock store's keys
    live only while a turn holds them (Rasa deletes a lock with its last ticket), so a scan after the
    fact would find an empty database."""

    def __init__(self, redis_server: PrivateRedis):
        import threading

        self.redis_server, self.seen, self.samples = redis_server, set(), 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                dump = self.redis_server.dump()
            except Exception:  # noqa: BLE001 - a key gone between SCAN and GET
                continue
            self.samples += 1
            self.seen.update(line for line in dump.split(b"\n") if line)
            self._stop.wait(0.02)

    def __enter__(self) -> "RedisSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        try:
            self.seen.update(line for line in self.redis_server.dump().split(b"\n") if line)
        except Exception:  # noqa: BLE001
            pass

    def data(self) -> bytes:
        return b"\n".join(sorted(self.seen))


class Forwarder:
    """socat between the topology and the machine's RabbitMQ; ``cut()`` is the broker going away."""

    def __init__(self, target: int = 5672):
        self.port, self.target, self.process = free_port(), target, None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["socat", f"TCP-LISTEN:{self.port},bind=127.0.0.1,reuseaddr,fork", f"TCP:127.0.0.1:{self.target}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        import socket

        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                assert time.monotonic() < deadline, "socat did not listen"
                time.sleep(0.05)

    def cut(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


class Tap:
    """A queue of the test's own on the broker itself, bound to the topology's fanout exchange."""

    def __init__(self, exchange: str):
        import pika

        self.connection = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", 5672, socket_timeout=5, heartbeat=0))
        self.channel = self.connection.channel()
        self.queue = self.channel.queue_declare(queue="", exclusive=True).method.queue
        self.channel.queue_bind(queue=self.queue, exchange=exchange)
        self.bodies: list[bytes] = []

    def drain(self) -> list[bytes]:
        while True:
            method, _, body = self.channel.basic_get(queue=self.queue, auto_ack=True)
            if method is None:
                return self.bodies
            self.bodies.append(body)

    def events_of(self, sender: str) -> list[dict]:
        events = []
        for body in self.drain():
            try:
                event = json.loads(body)
            except ValueError:
                continue
            if event.get("sender_id") == sender:
                events.append(event)
        return events

    def close(self) -> None:
        try:
            self.connection.close()
        except Exception:  # noqa: BLE001 - the broker already closed it
            pass


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    if not _haproxy_present():
        pytest.skip("haproxy missing: scripts/setup.sh production (Debian's haproxy)")
    tmp = tmp_path_factory.mktemp("production-faults")
    redis_server, forwarder = PrivateRedis(tmp / "redis"), Forwarder()
    redis_server.start()
    forwarder.start()
    yield tmp, redis_server, forwarder
    forwarder.cut()
    redis_server.stop()


@pytest.fixture(scope="module")
def prod(services, rasa_model):
    tmp, redis_server, forwarder = services
    running = start_topology(
        tmp / "topology", rasa_replicas=1, RASA_MODEL=str(rasa_model),
        timeout=float(os.environ.get("PRODUCTION_START_TIMEOUT", "900")),
        ACTION_REPLICAS=1, GATEWAY_REPLICAS=1, GATEWAY_STREAM_REPLICAS=0, CREDENTIALS_REPLICAS=1, OUTBOX_REPLICAS=1,
        REDIS_URL=redis_server.url, RABBITMQ_HOST="127.0.0.1", RABBITMQ_PORT=str(forwarder.port),
        RABBITMQ_URL=f"amqp://guest:guest@127.0.0.1:{forwarder.port}/%2F",
        CREDENTIALS_OUTBOX_LEASE_SECONDS=str(LEASE_S), IVR_RASA_TIMEOUT_SECONDS=str(PHONE_DEADLINE_S))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def tap(prod):
    t = Tap(prod.env["RASA_EVENTS_EXCHANGE"])
    yield t
    t.close()


def chat(prod, sender: str, text: str) -> httpx.Response:
    return httpx.post(f"{prod.rasa_in}/webhooks/helpdesk/webhook", timeout=30,
                      json={"sender": sender, "message": text, "metadata": {"channel": "chat", "language": "hu"}},
                      headers={"X-Helpdesk-Channel-Secret": prod.env["RASA_CHANNEL_SECRET"]})


def answered(response: httpx.Response) -> bool:
    return response.status_code == 200 and bool(response.json())


def fell_back(response: httpx.Response) -> bool:
    """The REST channel's "assistant unavailable" (the phone line's cue for its keypad menu)."""
    return response.status_code == 503 and "Traceback" not in response.text and \
        response.headers.get("content-type", "").startswith("application/json")


class PublicTransport:
    """The call driver's transport to the public https address (self-signed certificate)."""

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(verify=False, timeout=30.0)

    def post(self, path: str, data: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        r = self._http.post(self.base_url + path, data=data, headers=headers)
        return r.status_code, r.text


def call(prod):
    from ivr.callsim import TwilioCall

    return TwilioCall(transport=PublicTransport(prod.public_url), auth_token=prod.env["TWILIO_AUTH_TOKEN"],
                      public_base_url=prod.env["PUBLIC_BASE_URL"])


def new_code_request(prod, account) -> httpx.Response:
    return httpx.post(f"{prod.credentials_in}/api/v1/reset-requests", timeout=15,
                      headers={"Authorization": f"Bearer {prod.env['CREDENTIALS_ASSISTANT_TOKEN']}"},
                      json={"username": account.username, "email": account.email, "channel": "chat",
                            "source": "reliability"})


def registered(prod):
    account = fresh_account()
    register(prod.credentials_in, prod.env["CREDENTIALS_ADMIN_TOKEN"], account)
    wait_for_registration_mail(pathlib.Path(prod.env["MAIL_SINK_DIR"]), account.email)
    return account


def phone_speech_turn(prod, text: str = "meddig érvényes az aktiváló kód") -> tuple[object, float]:
    phone = call(prod)
    phone.dial()
    started = time.monotonic()
    phone.say(text)
    return phone, time.monotonic() - started


# --- canaries ------------------------------------------------------------------------------------

def pg_dump_text(prod, what: str) -> bytes:
    """Every row of every table of one of the topology's databases, as text."""
    import psycopg

    url = prod.topology.database_url(what, driver="postgresql")
    out = []
    with psycopg.connect(url, connect_timeout=5) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT quote_ident(table_name) FROM information_schema.tables WHERE table_schema = 'public'")]
        for table in tables:
            for (row,) in conn.execute(f"SELECT t::text FROM {table} t"):
                out.append(row)
    return "\n".join(out).encode()


def test_canaries_leave_no_trace_in_redis_rabbitmq_postgresql_or_any_file(prod, services, tap):
    from tests.reliability.test_canaries_hangs_load import Canaries, code_mail

    tmp, redis_server, _ = services
    c = Canaries()
    register(prod.credentials_in, prod.env["CREDENTIALS_ADMIN_TOKEN"], Account(c.username, c.email))
    tap.drain()
    sender = f"canary-prod-{uuid.uuid4().hex[:8]}"
    with RedisSampler(redis_server) as redis_seen:
        for text in ("nem kaptam meg a kódot", c.username, f"az email címem {c.email}", "igen", f"a kódom {c.code}",
                     f"a jelszavam: {c.password}", f"my code is {c.canonical.lower()}"):
            assert answered(chat(prod, sender, text))
        phone = call(prod)
        phone.dial()
        for speech in (f"a jelszavam {c.password}", f"a kódom {' '.join(c.canonical)}", f"az email címem {c.email}"):
            if not speaks(phone):
                break
            phone.say(speech)
            assert phone.last.status == 200, phone.last.body
    mail_dir = pathlib.Path(prod.env["MAIL_SINK_DIR"])
    deadline = time.monotonic() + 60
    while sum(code_mail(p, c.email) for p in mail_dir.glob("*.eml")) < 2:
        assert time.monotonic() < deadline, "the registration and the new-code mail to the canary address"
        time.sleep(0.5)
    time.sleep(2.0)  # the last events published, logs flushed
    events = tap.events_of(sender)
    assert len([e for e in events if e.get("event") == "user"]) >= 7, "the tap sees the conversation's events"
    places = {"redis": redis_seen.data(), "rabbitmq": b"\n".join(tap.bodies),
              "postgresql rasa": pg_dump_text(prod, "rasa"), "postgresql gateway": pg_dump_text(prod, "gateway"),
              "postgresql credentials (the account's address)": pg_dump_text(prod, "credentials")}
    for path in sorted(p for p in tmp.rglob("*") if p.is_file() and not p.name.endswith(".tar.gz")
                       and p.suffix not in (".pem",) and not p.is_symlink()):
        if path.is_relative_to(mail_dir) and code_mail(path, c.email):
            places[str(path.relative_to(tmp)) + " (a mail to the address)"] = path.read_bytes()
        else:
            places[str(path.relative_to(tmp))] = path.read_bytes()
    assert any(b"lock" in key for key in redis_seen.seen), f"the lock store's keys are seen ({redis_seen.samples} samples)"
    leaks = []
    for place, data in places.items():
        for kind, n in c.hits(data).items():
            if n and not (kind == "email" and place.endswith(("(a mail to the address)", "(the account's address)"))):
                leaks.append(f"{place}: {kind} ×{n}")
    assert leaks == [], "\n".join(leaks)
    print(f"canaries (production): Redis {len(redis_seen.seen)} keys/values in {redis_seen.samples} samples, RabbitMQ {len(tap.bodies)} "
          f"messages, 3 PostgreSQL databases, {len(places) - 5} files: 0 leaks")


# --- Redis ---------------------------------------------------------------------------------------

def test_redis_stopped_turns_fall_back_in_time_and_the_same_conversation_goes_on_when_it_returns(prod, services):
    _, redis_server, _ = services
    sender = f"redis-{uuid.uuid4().hex[:8]}"
    assert answered(chat(prod, sender, "nem kaptam meg a kódot"))
    redis_server.stop()
    try:
        started = time.monotonic()
        during_outage = chat(prod, sender, "meddig érvényes az aktiváló kód?")
        took_chat = time.monotonic() - started
        assert answered(during_outage) or fell_back(during_outage), during_outage.text[:300]
        assert took_chat < CHAT_BOUND_S
        phone, took_phone = phone_speech_turn(prod)
        assert phone.last.status == 200 and phone.says and phone.gather is not None, phone.last.body[:300]
        assert took_phone < PHONE_DEADLINE_S + 4
        phone_fell_back = not speaks(phone)
    finally:
        redis_server.start()  # the same port; empty (the lock store keeps nothing between turns)
    deadline, retries = time.monotonic() + 30, 0
    while not answered(after := chat(prod, sender, "köszönöm")):  # the same conversation goes on
        assert time.monotonic() < deadline, after.text[:300]
        retries += 1
        time.sleep(1)
    fresh = chat(prod, f"redis-after-{uuid.uuid4().hex[:8]}", "meddig érvényes az aktiváló kód?")
    assert answered(fresh) and "5 napig" in json.dumps(fresh.json(), ensure_ascii=False), fresh.text[:300]
    phone, _ = phone_speech_turn(prod)
    assert speaks(phone) and "5 napig" in phone.text(), phone.says
    print(f"Redis stopped: chat {during_outage.status_code} after {took_chat:.1f} s, phone "
          f"{'keypad menu' if phone_fell_back else 'the assistant'} after {took_phone:.1f} s; after the restart "
          f"{retries} turn(s) unanswered before the conversation went on")


# --- RabbitMQ ------------------------------------------------------------------------------------

def test_rabbitmq_cut_turns_are_answered_and_no_event_is_lost_when_it_returns(prod, services, tap):
    _, _, forwarder = services
    sender = f"broker-{uuid.uuid4().hex[:8]}"
    assert answered(chat(prod, sender, "szia"))
    tap.drain()
    typed = ["meddig érvényes az aktiváló kód?", "mi az az ügyfélkapu?", "köszönöm"]
    forwarder.cut()
    try:
        took = []
        for text in typed:
            started = time.monotonic()
            assert answered(chat(prod, sender, text)), "a turn with the broker away"
            took.append(time.monotonic() - started)
        assert max(took) < CHAT_BOUND_S, took
        time.sleep(2.0)
    finally:
        forwarder.start()
    deadline = time.monotonic() + 90
    seen = []
    while time.monotonic() < deadline:
        seen += [e.get("text") for e in tap.events_of(sender) if e.get("event") == "user"]
        if all(t in seen for t in typed):
            break
        time.sleep(1)
    lost = [t for t in typed if t not in seen]
    # the statistics' consumer reconnected
    port = prod.topology.replicas()["consumer"][0]
    deadline = time.monotonic() + 60
    while httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code != 200:
        assert time.monotonic() < deadline, "the broker consumer did not reconnect"
        time.sleep(1)
    assert answered(chat(prod, sender, "szia"))
    print(f"RabbitMQ cut: turns answered in {max(took):.1f} s at most; user events lost {len(lost)} of {len(typed)}")
    assert lost == [], f"events lost while the broker was away: {lost}"


# --- PostgreSQL ----------------------------------------------------------------------------------

def terminate_connections(prod) -> int:
    """pg_terminate_backend of every connection to the topology's own databases; how many."""
    import psycopg

    names = [prod.topology.database(w) for w in ("credentials", "gateway", "rasa")]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        rows = conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = ANY(%s) AND pid <> pg_backend_pid()", (names,)).fetchall()
    return sum(1 for (ok,) in rows if ok)


def test_postgresql_connections_killed_every_door_answers_and_nothing_committed_is_lost(prod):
    account = registered(prod)
    mail_dir = pathlib.Path(prod.env["MAIL_SINK_DIR"])
    sender = f"pg-{uuid.uuid4().hex[:8]}"
    assert answered(chat(prod, sender, "nem kaptam meg a kódot"))
    killed = terminate_connections(prod)
    assert killed >= 3, "the topology's processes hold connections"
    first = {"chat": chat(prod, sender, "meddig érvényes az aktiváló kód?"),
             "new code": new_code_request(prod, account),
             "console": httpx.get(f"{prod.gateway_in}/agents/login", timeout=15)}
    phone, took_phone = phone_speech_turn(prod)
    assert phone.last.status == 200 and phone.says, phone.last.body[:300]
    failed_first = {k: r.status_code for k, r in first.items() if r.status_code >= 300}
    for name, response in first.items():
        assert response.status_code < 500 or fell_back(response), (name, response.status_code, response.text[:300])
    # every door answers the next request; the conversation goes on
    assert answered(chat(prod, sender, "köszönöm"))
    accepted = 1 if first["new code"].status_code == 202 else 0
    if not accepted:
        assert new_code_request(prod, account).status_code == 202
    assert httpx.get(f"{prod.gateway_in}/agents/login", timeout=15).status_code == 200
    mails = settled_new_code_mails(mail_dir, account.email, at_least=1)
    assert_one_mail_per_accepted_request(mails, 1)
    print(f"pg_terminate_backend of {killed} connections: first requests {dict((k, r.status_code) for k, r in first.items())}"
          f" (not answered: {failed_first or 'none'}), phone {'keypad menu' if not speaks(phone) else 'assistant'} "
          f"after {took_phone:.1f} s; one mail")


# --- the outbox worker ---------------------------------------------------------------------------

def test_sigstop_of_the_outbox_worker_the_request_is_taken_and_mailed_once_after_sigcont(prod):
    account = registered(prod)
    mail_dir = pathlib.Path(prod.env["MAIL_SINK_DIR"])
    pid = prod.pid("outbox-1")
    kill_group(pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        assert new_code_request(prod, account).status_code == 202
        took = time.monotonic() - started
        time.sleep(4.0)
        assert new_code_mails(mail_dir, account.email) == [], "mailed while the only outbox worker hangs?"
    finally:
        kill_group(pid, signal.SIGCONT)
    resumed = time.monotonic()
    mails = settled_new_code_mails(mail_dir, account.email, at_least=1, quiet=2.0, timeout=60)
    arrived = time.monotonic() - resumed
    assert_one_mail_per_accepted_request(mails, 1)
    assert prod.pid("outbox-1") == pid, "a hang is not a crash: supervisord sees it RUNNING"
    print(f"SIGSTOP outbox: request 202 in {took:.2f} s; the mail once, {arrived:.1f} s after SIGCONT (settling incl.)")


def test_kill_9_of_the_outbox_worker_in_the_middle_of_a_phone_new_code_one_mail(prod):
    account = registered(prod)
    mail_dir = pathlib.Path(prod.env["MAIL_SINK_DIR"])
    accepted_log = LogWindow(prod.topology.state_dir / "logs" / "credentials-1.log")
    phone = call(prod)
    spoken_new_code_up_to_the_confirmation(phone, account)
    pid = prod.pid("outbox-1")
    with during(phone.say, "igen") as confirming:
        time.sleep(0.8)  # the request is in; the worker evaluates it and sends
        kill_group(pid)
    _, took = confirming.result()
    assert CONFIRMED in phone.text(), phone.says  # the outbox is not on the caller's path
    mails = settled_new_code_mails(mail_dir, account.email, at_least=1, quiet=3.0, timeout=LEASE_S + 60)
    assert_one_mail_per_accepted_request(mails, accepted_requests(accepted_log.text()))
    assert prod.pid("outbox-1") != pid, "supervisord restarted the worker"
    print(f"kill -9 outbox mid phone new code: the caller was told after {took:.1f} s; one mail")

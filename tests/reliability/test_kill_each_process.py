"""`make run` survives `kill -9` of any one of its processes (issue #12): the real topology under its
supervisor (ops/supervise.py, started once for the module on free ports and a temp dir, see
tests/reliability/topology.py), each process killed in turn. For each: the supervisor restarts it, the
others keep serving meanwhile, ``ready`` is printed again, and the process is back and serving a real
request. While Rasa is down the phone line falls back to its keypad menu (and a person, key 0), and
after the restart the same chat conversation goes on (its tracker is kept). Ctrl-C then stops
everything, leaving no process behind.

One start of the topology for the whole module (Rasa's model load dominates: ~30 s on a quiet
2-core machine, and its restart costs as much again)."""
from __future__ import annotations

import os
import signal
import smtplib
import time

import httpx
import pytest

from tests.reliability.topology import start_topology

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]  # Rasa loads twice; minutes on a busy machine

# Rasa last: its restart is the slow one, and the phone fallback is checked while it is down.
ORDER = ["mail", "credentials", "actions", "gateway", "rasa"]


@pytest.fixture(scope="module")
def topology(tmp_path_factory):
    topo = start_topology(tmp_path_factory.mktemp("make-run"))
    try:
        yield topo
    finally:
        topo.stop(timeout=90)
        topo.kill()  # nothing is left when the Ctrl-C test already stopped it


def _health(topo, name: str) -> bool:
    from ops.wait_ready import answers
    from kernel.settings import EnvReader
    from ops.supervise import health_checks

    return answers(health_checks("embedded", EnvReader(topo.env))[name])


def _chat(topo, sender: str, text: str) -> list[dict]:
    response = httpx.post(f"{topo.url('rasa')}/webhooks/helpdesk/webhook", timeout=30,
                          json={"sender": sender, "message": text, "metadata": {"channel": "chat", "language": "hu"}},
                          headers={"X-Helpdesk-Channel-Secret": topo.env["RASA_CHANNEL_SECRET"]})
    assert response.status_code == 200, response.text
    return response.json()


def _call(topo):
    from ivr.callsim import HttpTransport, TwilioCall

    return TwilioCall(HttpTransport(topo.url("gateway")), topo.env["TWILIO_AUTH_TOKEN"], topo.env["PUBLIC_BASE_URL"])


def _serves(topo, name: str) -> None:
    """One real request of the process's own kind."""
    if name == "mail":
        with smtplib.SMTP("127.0.0.1", int(topo.env["SMTP_PORT"]), timeout=10) as smtp:
            assert smtp.noop()[0] == 250
    elif name == "credentials":
        response = httpx.post(f"{topo.url('credentials')}/api/v1/reset-requests", timeout=15,
                              headers={"Authorization": f"Bearer {topo.env['CREDENTIALS_ASSISTANT_TOKEN']}"},
                              json={"username": "nobody77", "email": "nobody@example.hu", "channel": "chat",
                                    "source": "reliability"})
        assert response.status_code == 202, response.text
    elif name == "actions":
        assert httpx.get(f"{topo.url('actions')}/health", timeout=10).status_code == 200
        assert httpx.get(f"{topo.url('actions')}/actions", timeout=10).status_code == 200
    elif name == "gateway":
        call = _call(topo)
        call.dial()
        assert call.gather is not None and call.says, "the phone line answers with a menu"
    elif name == "rasa":
        assert _chat(topo, f"alive-{time.monotonic_ns()}", "szia"), "the assistant answers"


def test_the_topology_came_up_under_its_supervisor_with_prefixed_lines(topology):
    terminal = topology.terminal()
    assert set(ORDER) <= set(topology.pids())
    for name in ORDER:
        assert f"\n{name:<12}| " in terminal, f"no line prefixed with {name}"
    assert "Traceback" not in terminal


@pytest.mark.parametrize("name", ORDER)
def test_kill_9_of_a_process_is_restarted_while_the_others_keep_serving(topology, name):
    before = topology.pids()
    offset = topology.offset()
    chat_sender = f"kept-{name}-{time.monotonic_ns()}"
    if name == "rasa":
        _chat(topology, chat_sender, "nem kaptam meg a kódot")  # a conversation that must go on
        call = _call(topology)
        call.dial()  # a caller in the menu when Rasa dies
    killed_at = time.monotonic()
    os.kill(before[name], signal.SIGKILL)
    topology.wait_for(f"{name} is down", after=offset, timeout=30)
    others = [n for n in ORDER if n != name]
    for other in others:
        assert _health(topology, other), f"{other} stopped answering when {name} was killed"
    if name == "rasa":
        # Rasa down: the caller's speech gets the keypad menu (recorded answers), which serves
        call.say("lejárt a kódom")
        assert call.gather is not None and call.gather.attrib.get("input") == "dtmf", call.says
        call.press("1")
        assert "5 napig" in call.text(), call.says
    topology.wait_for("ready: ", after=offset, timeout=float(os.environ.get("RASA_START_TIMEOUT", "300")) + 60)
    back_in = time.monotonic() - killed_at
    after = topology.pids()
    assert after[name] != before[name], "a new process"
    for other in others:
        assert after[other] == before[other], f"{other} was restarted too"
    assert f"{name} is back" in topology.terminal()[offset:]
    _serves(topology, name)
    if name == "rasa":
        _chat(topology, chat_sender, "kpista77")  # the same conversation goes on after the restart
        tracker = httpx.get(f"{topology.url('rasa')}/conversations/{chat_sender}/tracker", timeout=15,
                            headers=_admin(topology)).json()
        said = [e.get("text") for e in tracker["events"] if e.get("event") == "user"]
        assert said[:2] == ["nem kaptam meg a kódot", "kpista77"], said
    print(f"{name}: back and serving {back_in:.1f} s after kill -9")


def _admin(topo) -> dict[str, str]:
    from tests.fixtures.rasa_services import admin_jwt_header

    return admin_jwt_header(topo.env["RASA_JWT_SECRET"])


def test_ctrl_c_stops_every_process_and_leaves_no_orphan(topology):
    processes = topology.descendants()
    assert len(processes) >= len(ORDER)
    started = time.monotonic()
    status = topology.stop(signal.SIGINT, timeout=120)
    assert status == 0, topology.terminal()[-3000:]
    left = [pid for pid in processes if os.path.exists(f"/proc/{pid}") and
            open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"]
    assert left == [], f"left running after Ctrl-C: {left}"
    print(f"Ctrl-C stopped {len(processes)} processes in {time.monotonic() - started:.1f} s")

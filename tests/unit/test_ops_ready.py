"""The supervisor's ready process (ops/wait_ready.py) and the supervisor's config (ops/supervise.py):
addresses come from the processes' own settings, read by the one settings reader; a bad value is one
line, never a traceback; every line of every process reaches the terminal prefixed with its name."""
from __future__ import annotations

import configparser
import io
import pathlib
import subprocess
import sys

from kernel.settings import EnvReader
from ops import supervise, wait_ready

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_health_checks_follow_the_port_settings():
    checks = wait_ready.health_checks(EnvReader({"RASA_PORT": "5999", "GATEWAY_PORT": "", "SMTP_PORT": "2025"}))
    assert checks["rasa"] == "http://127.0.0.1:5999/"
    assert checks["gateway"] == "http://127.0.0.1:8000/healthz"  # empty is unset, like in .env.example
    assert checks["mail"] == "tcp://127.0.0.1:2025"


def test_every_supervised_process_of_make_run_has_a_health_check_waited_for():
    names = {p.name for p in supervise.processes("embedded")}
    assert names == {"mail", "credentials", "rasa", "actions", "gateway", "purge", "credentials-purge"} | (
        names & {"outbox"})
    # The retention purges (periodic jobs without a port) are the processes not waited for.
    assert set(wait_ready.health_checks(EnvReader({}))) == names - {"purge", "credentials-purge"}


def test_the_config_restarts_every_process_and_stops_its_whole_group(tmp_path):
    parser = configparser.RawConfigParser()
    parser.read_string(supervise.config("embedded", tmp_path))
    programs = [s for s in parser.sections() if s.startswith("program:")]
    assert {s.split(":", 1)[1] for s in programs} == {p.name for p in supervise.processes("embedded")}
    for section in programs:
        assert parser.get(section, "autorestart") == "true"
        assert int(parser.get(section, "startretries")) >= 5  # backoff 1, 2, 3 … s before giving up
        assert parser.get(section, "stopasgroup") == parser.get(section, "killasgroup") == "true"
        assert parser.get(section, "stdout_events_enabled") == "true"  # prefixed by the relay
    assert parser.get("eventlistener:ready", "events") == "PROCESS_STATE"
    assert parser.get("eventlistener:logs", "events") == "PROCESS_LOG"


def test_an_unknown_process_set_is_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "ops.supervise", "--set", "nope", "--print-config"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "unknown process set 'nope' (known: embedded" in result.stderr
    assert "Traceback" not in result.stderr


def _event(name: str, data: bytes) -> bytes:
    payload = f"processname:{name} groupname:{name} pid:1 channel:stdout\n".encode() + data
    return f"ver:3.0 server:supervisor serial:1 pool:logs poolserial:1 eventname:PROCESS_LOG_STDOUT len:{len(payload)}\n".encode() + payload


def test_the_log_relay_prefixes_whole_lines_even_when_a_chunk_ends_mid_line():
    stdin = io.BytesIO(_event("rasa", b"Loading mo") + _event("gateway", b"GET /healthz 200\n")
                       + _event("rasa", b"del...\nStarted\n"))
    stdout, out = io.BytesIO(), io.BytesIO()
    supervise.relay(stdin, stdout, out)
    assert out.getvalue().decode().splitlines() == [
        "gateway     | GET /healthz 200", "rasa        | Loading model...", "rasa        | Started"]
    assert stdout.getvalue().count(b"RESULT 2\nOK") == 3


def test_a_bad_setting_is_one_line_not_a_traceback():
    env = {"PATH": "/usr/bin:/bin", "RASA_PORT": "not-a-port"}
    result = subprocess.run([sys.executable, "-m", "ops.wait_ready"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "RASA_PORT: must be a port number" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_both_retention_purges_run_daily_in_both_topologies(tmp_path):
    """docs/privacy.md: the gateway's purge and the credentials backend's, once a day, under make run and
    make run-production alike (Kubernetes: the CronJobs of deploy/kubernetes/purge.yaml)."""
    from ops.production import Topology

    embedded = {p.name: p.command for p in supervise.processes("embedded")}
    production = {name: command for name, command, _env in
                  Topology.from_env({"PRODUCTION_STATE_DIR": str(tmp_path)}).programs()}
    for programs in (embedded, production):
        assert programs["purge"].endswith("-m agents purge --every 86400")
        assert programs["credentials-purge"].endswith("-m credentials purge --every 86400")

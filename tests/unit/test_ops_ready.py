"""The supervisor's ready process (ops/wait_ready.py): its addresses come from the processes' own
settings, read by the one settings reader; a bad value is one line, never a traceback."""
from __future__ import annotations

import pathlib
import subprocess
import sys

from kernel.settings import EnvReader
from ops import wait_ready

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_health_checks_follow_the_port_settings():
    checks = wait_ready.health_checks(EnvReader({"RASA_PORT": "5999", "GATEWAY_PORT": "", "SMTP_PORT": "2025"}))
    assert checks["rasa"] == "http://127.0.0.1:5999/"
    assert checks["gateway"] == "http://127.0.0.1:8000/healthz"  # empty is unset, like in .env.example
    assert checks["mail"] == "tcp://127.0.0.1:2025"


def test_every_procfile_process_with_a_health_check_is_waited_for():
    names = wait_ready.procfile_names()
    assert set(wait_ready.health_checks(EnvReader({}))) == set(names) - {"ready"}


def test_a_bad_setting_is_one_line_not_a_traceback():
    env = {"PATH": "/usr/bin:/bin", "RASA_PORT": "not-a-port"}
    result = subprocess.run([sys.executable, "-m", "ops.wait_ready"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "RASA_PORT: must be a port number" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr

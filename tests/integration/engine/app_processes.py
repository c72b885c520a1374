"""Starting app-env processes (credentials backend, SMTP sink, gateway) from engine-env tests.

The app env's fixtures do not load in the engine env, so the engine integration tests start the
real processes with the app env's interpreter themselves: free ports, temp dirs, stopped after use.
"""
from __future__ import annotations

import os
import pathlib
import signal
import socket
import subprocess
import time

ROOT = pathlib.Path(__file__).resolve().parents[3]
APP_PYTHON = ROOT / ".venv" / "app" / "bin" / "python"


def app_importable(*modules: str) -> tuple[bool, str]:
    """Whether the app env can import ``modules`` (and why not)."""
    if not APP_PYTHON.exists():
        return False, "the app env (.venv/app) is not set up"
    probe = subprocess.run([str(APP_PYTHON), "-c", "import " + ", ".join(modules)], cwd=ROOT,
                           capture_output=True, text=True, timeout=60)
    lines = probe.stderr.strip().splitlines()
    return probe.returncode == 0, lines[-1] if lines else ""


class Processes:
    """App-env processes started by one test module, logging into its temp dir."""

    def __init__(self, tmp: pathlib.Path) -> None:
        self.tmp = tmp
        self.started: list[subprocess.Popen] = []

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "wb")
        process = subprocess.Popen([str(APP_PYTHON), "-m", *args], cwd=ROOT, env={**os.environ, **env},
                                   stdout=log, stderr=subprocess.STDOUT)
        self.started.append(process)
        return process

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the mail sink exited")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError("the mail sink did not listen")

"""The supervisor's "ready" process: waits until every process in the Procfile answers its health
check, says ready with the addresses a person needs, then stays up (honcho stops everything when
any process exits)."""
from __future__ import annotations

import pathlib
import signal
import socket
import sys
import time

import httpx

from kernel.settings import EnvReader, SettingsError

ROOT = pathlib.Path(__file__).resolve().parent.parent


def health_checks(read: EnvReader) -> dict[str, str]:
    """Process name -> health URL (http://...) or tcp://host:port, for the processes we know."""
    return {
        "mail": f"tcp://127.0.0.1:{read.port('SMTP_PORT', 1025)}",
        "credentials": f"http://{read.host('CREDENTIALS_HOST', '127.0.0.1')}:{read.port('CREDENTIALS_PORT', 8001)}/healthz",
        "rasa": f"http://127.0.0.1:{read.port('RASA_PORT', 5005)}/",
        "actions": f"http://127.0.0.1:{read.port('ACTION_SERVER_PORT', 5055)}/health",
        "gateway": f"http://{read.host('GATEWAY_HOST', '127.0.0.1')}:{read.port('GATEWAY_PORT', 8000)}/healthz",
    }


def procfile_names(path: pathlib.Path = ROOT / "Procfile") -> list[str]:
    """The process names of the Procfile."""
    names = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if ":" in line and not line.lstrip().startswith("#"):
            names.append(line.split(":", 1)[0].strip())
    return names


def answers(target: str) -> bool:
    """Whether ``target`` (http(s) URL or tcp://host:port) answers its health check now."""
    if target.startswith("tcp://"):
        host, port = target[6:].rsplit(":", 1)
        try:
            with socket.create_connection((host, int(port)), timeout=1.0):
                return True
        except OSError:
            return False
    try:
        return httpx.get(target, timeout=2.0).status_code < 300
    except httpx.HTTPError:
        return False


def main() -> int:
    """Wait for every process, print ready and the addresses, then stay up; 1 when one never answers."""
    read = EnvReader()
    timeout = read.number("READY_TIMEOUT_SECONDS", 300.0, 1.0, 3600.0)
    checks = {n: u for n, u in health_checks(read).items() if n in procfile_names()}
    mail_dir = read.get("MAIL_SINK_DIR", "var/mail")
    try:
        read.raise_errors(SettingsError, "bad settings")
    except SettingsError as exc:
        print(f"NOT READY: {exc}", flush=True)
        return 1
    gateway_port = read.port("GATEWAY_PORT", 8000)  # read above without complaint
    pending = dict(checks)
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        for name, target in list(pending.items()):
            if answers(target):
                print(f"{name} is up ({target})", flush=True)
                del pending[name]
        time.sleep(0.5)
    if pending:
        print(f"NOT READY after {timeout:.0f}s: {', '.join(sorted(pending))}", flush=True)
        return 1
    gw = f"http://127.0.0.1:{gateway_port}"
    print("ready: " + ", ".join(sorted(checks)), flush=True)
    if "gateway" in checks:
        print(f"  web chat demo: {gw}/   agent console: {gw}/agents/   phone line: {gw}/voice/incoming", flush=True)
    print(f"  mail sink: {mail_dir}/*.eml   stop everything: Ctrl-C", flush=True)
    signal.pause() if hasattr(signal, "pause") else time.sleep(10**9)
    return 0


if __name__ == "__main__":
    sys.exit(main())

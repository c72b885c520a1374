"""The real ``make run`` topology for tests: ``python -m ops.supervise --set embedded`` (supervisord
with the config ``make run`` uses) on free ports with every file in a temp dir.

``start_topology(tmp) -> Topology``: writes ``tmp/.env`` (``.env.example`` with fresh secrets by
ops/new_env.py, then free ports and temp paths), starts the supervisor in its own process group with
its terminal output in ``tmp/terminal.log``, and returns once ``ready`` is printed. ``Topology``:
``.env`` (the settings), ``.pids()`` (name -> pid from supervisord's XML-RPC), ``.terminal()``,
``.wait_for(text, after=offset)``, ``.stop(sig=SIGINT)`` (Ctrl-C: returns supervisord's exit status
and checks that none of the processes is left).
"""
from __future__ import annotations

import contextlib
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time
import xmlrpc.client
from dataclasses import dataclass, field
from http.client import HTTPConnection
from typing import Iterator, Optional

from tests.fixtures.ports import free_port

ROOT = pathlib.Path(__file__).resolve().parents[2]
START_TIMEOUT = float(os.environ.get("RASA_START_TIMEOUT", "300"))


class _UnixHTTPConnection(HTTPConnection):
    def __init__(self, path: str):
        super().__init__("localhost")
        self._path = path

    def connect(self) -> None:
        import socket

        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(self._path)


class _UnixTransport(xmlrpc.client.Transport):
    def __init__(self, path: str):
        super().__init__()
        self._path = path

    def make_connection(self, host):
        _, self._extra_headers, _ = self.get_host_info(host)  # the basic auth of the URL
        return _UnixHTTPConnection(self._path)


def _read_conf_password(conf: pathlib.Path) -> str:
    for line in conf.read_text().splitlines():
        if line.startswith("password="):
            return line.split("=", 1)[1]
    raise RuntimeError("no password in supervisord.conf")


@dataclass
class Topology:
    tmp: pathlib.Path
    env: dict[str, str]
    process: subprocess.Popen
    log_path: pathlib.Path
    run_dir: pathlib.Path
    _rpc: Optional[xmlrpc.client.ServerProxy] = field(default=None, repr=False)

    @property
    def rpc(self) -> xmlrpc.client.ServerProxy:
        if self._rpc is None:
            password = _read_conf_password(self.run_dir / "supervisord.conf")
            self._rpc = xmlrpc.client.ServerProxy(
                f"http://ops:{password}@localhost/RPC2", transport=_UnixTransport(str(self.run_dir / "supervisor.sock")))
        return self._rpc

    def url(self, name: str) -> str:
        return {"gateway": self.env["GATEWAY_URL"], "rasa": self.env["RASA_URL"],
                "credentials": self.env["CREDENTIALS_URL"],
                "actions": f"http://127.0.0.1:{self.env['ACTION_SERVER_PORT']}"}[name]

    def pids(self) -> dict[str, int]:
        """Process name -> pid of every RUNNING program (the ``logs`` listener included)."""
        return {info["name"]: info["pid"] for info in self.rpc.supervisor.getAllProcessInfo()
                if info["statename"] == "RUNNING"}

    def states(self) -> dict[str, str]:
        return {info["name"]: info["statename"] for info in self.rpc.supervisor.getAllProcessInfo()}

    def terminal(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def offset(self) -> int:
        return len(self.terminal())

    def wait_for(self, text: str, *, after: int = 0, timeout: float = 120.0) -> float:
        """Seconds until ``text`` appears in the terminal output past ``after``; AssertionError on timeout."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if text in self.terminal()[after:]:
                return time.monotonic() - start
            if self.process.poll() is not None:
                raise AssertionError(f"the supervisor exited ({self.process.returncode}) before {text!r}:\n"
                                     + self.terminal()[-4000:])
            time.sleep(0.2)
        raise AssertionError(f"{text!r} not printed within {timeout}s:\n" + self.terminal()[after:][-4000:])

    def descendants(self) -> set[int]:
        """Every live process whose ancestry leads to the supervisor (from /proc)."""
        parents: dict[int, int] = {}
        for entry in pathlib.Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                fields = stat.rsplit(")", 1)[1].split()
                if fields[0] != "Z":
                    parents[int(entry.name)] = int(fields[1])
        found, frontier = set(), {self.process.pid}
        while frontier:
            children = {pid for pid, ppid in parents.items() if ppid in frontier and pid not in found}
            found |= children
            frontier = children
        return found

    def stop(self, sig: int = signal.SIGINT, timeout: float = 90.0) -> int:
        """Stop as Ctrl-C does (SIGINT to the supervisor); its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.process.returncode

    def kill(self) -> None:
        """Last resort (test failure): SIGKILL every process of the run."""
        for pid in self.descendants() | {self.process.pid}:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass


def topology_env(tmp: pathlib.Path) -> dict[str, str]:
    """The settings of a test run: free ports, every file under ``tmp``."""
    ports = set()

    def port() -> str:
        while True:
            p = free_port()
            if p not in ports:
                ports.add(p)
                return str(p)

    gateway, rasa, actions, credentials, smtp = port(), port(), port(), port(), port()
    (tmp / "var" / "mail").mkdir(parents=True, exist_ok=True)
    (tmp / "var" / "rasa").mkdir(parents=True, exist_ok=True)
    return {
        # people answer around the clock, as in every test process (tests/conftest.py), not .env.example's hours
        "AGENTS_HOURS": os.environ.get("AGENTS_HOURS", "always"),
        "CREDENTIALS_PORT": credentials, "CREDENTIALS_URL": f"http://127.0.0.1:{credentials}",
        "CREDENTIALS_DATABASE_URL": f"sqlite:///{tmp}/var/credentials.db",
        "CREDENTIALS_KEY_FILE": f"{tmp}/var/credentials-keys.json",
        "SMTP_PORT": smtp, "MAIL_SINK_DIR": f"{tmp}/var/mail",
        "RASA_PORT": rasa, "RASA_URL": f"http://127.0.0.1:{rasa}",
        "RASA_TRACKER_SQLITE": f"{tmp}/var/rasa/tracker.db",
        "ACTION_SERVER_PORT": actions, "ACTION_SERVER_URL": f"http://127.0.0.1:{actions}/webhook",
        "GATEWAY_PORT": gateway, "GATEWAY_URL": f"http://127.0.0.1:{gateway}",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{gateway}", "RASA_CORS_ORIGINS": f"http://127.0.0.1:{gateway}",
        "GATEWAY_DATABASE_URL": f"sqlite:///{tmp}/var/gateway.db",
        "CREDENTIALS_MIN_ANSWER_MS": "50",
        "READY_TIMEOUT_SECONDS": str(int(START_TIMEOUT)),
    }


def start_topology(tmp: pathlib.Path, **overrides: str) -> Topology:
    """Start the embedded topology under its supervisor; return once it printed ``ready``."""
    from tests.fixtures.rasa_services import ensure_model

    model = ensure_model()
    tmp.mkdir(parents=True, exist_ok=True)
    own_model = tmp / "helpdesk.tar.gz"  # another test's training may replace models/ meanwhile
    shutil.copyfile(model, own_model)
    overrides.setdefault("RASA_MODEL", str(own_model))
    env_file = tmp / ".env"
    subprocess.run([sys.executable, "-m", "ops.new_env", "--env", str(env_file)], cwd=ROOT, check=True,
                   capture_output=True, timeout=60)
    settings = {**topology_env(tmp), **overrides}
    with open(env_file, "a", encoding="utf-8") as f:
        f.write("\n# tests/reliability/topology.py\n")
        for key, value in settings.items():
            f.write(f"{key}={value}\n")
    from dotenv import dotenv_values

    env = {k: v or "" for k, v in dotenv_values(env_file, interpolate=False).items()}
    run_dir = tmp / "supervisor"
    log_path = tmp / "terminal.log"
    child_env = {k: v for k, v in os.environ.items() if not k.startswith(("RASA_", "CREDENTIALS_", "GATEWAY_"))}
    child_env["RASA_TELEMETRY_ENABLED"] = "false"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "ops.supervise", "--set", "embedded", "--env-file", str(env_file),
             "--run-dir", str(run_dir)],
            cwd=ROOT, env=child_env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
    topology = Topology(tmp=tmp, env=env, process=process, log_path=log_path, run_dir=run_dir)
    try:
        topology.wait_for("ready: ", timeout=START_TIMEOUT + 60)
    except BaseException:
        topology.stop(timeout=60)
        topology.kill()
        raise
    return topology


@contextlib.contextmanager
def running_topology(tmp: pathlib.Path, **overrides: str) -> Iterator[Topology]:
    """:func:`start_topology` for a test module: stopped as Ctrl-C stops it at the end, then anything
    left is killed (nothing is, when a test already stopped it)."""
    topo = start_topology(tmp, **overrides)
    try:
        yield topo
    finally:
        topo.stop(timeout=90)
        topo.kill()

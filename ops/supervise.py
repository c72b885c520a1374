"""The supervisor of ``make run``: supervisord (the ``supervisor`` package) runs every process of a
*process set*, restarts one that crashes with backoff while the others keep serving, prefixes each
line of each process with its name on the terminal, and stops them all on Ctrl-C (SIGINT/SIGTERM).

Interface (for ``make run`` and ``make run-production``; nothing else needs to know supervisord):

- :class:`Process` ``(name, command, health=None, stop_seconds=20, priority=500)``: one supervised
  program. ``command`` is a shell command line run from the project root; ``health`` maps the
  settings (:class:`kernel.settings.EnvReader`) to the address ``ops/wait_ready.py`` polls:
  ``http(s)://...`` (answers < 300) or ``tcp://host:port`` (accepts), or None for no check.
- :data:`PROCESS_SETS`: set name -> a list of :class:`Process`, or ``"module:attribute"`` naming such
  a list (imported when that set is used, so a set can live in its own module). ``embedded`` is
  ``make run``'s. Add a set by adding one entry here; :func:`processes` resolves a name.
- :func:`config` ``(set_name, run_dir) -> str``: the supervisord.conf text for a set: a program per
  process, plus two event listeners, ``ready`` (``python -m ops.wait_ready --listener --set NAME``:
  prints ``ready`` when every health check answers, and again after a restart) and ``logs``
  (prints every line of every process as ``name | line``).
- ``python -m ops.supervise [--set embedded] [--env-file .env] [--run-dir var/supervisor]``: loads
  the env file over the inherited environment (its values win, as honcho's ``-e`` did), writes
  ``RUN_DIR/supervisord.conf`` (mode 0600) and becomes ``supervisord -n``. ``--print-config`` only
  prints the config. Each process's full log is also kept in ``RUN_DIR/<name>.log`` (rotated at 10 MB).
- ``python -m ops.supervise ctl [supervisorctl args]`` (same ``--run-dir``): supervisorctl on that
  run, e.g. ``status`` or ``restart rasa``.

Restart policy: a process that exits (crash, ``kill -9``) is started again at once; one that dies
again within ``startsecs`` (1 s) is retried after 1, 2, 3 … s (supervisord's backoff), up to
``START_RETRIES`` times, then left FATAL and named by ``ready``'s "NOT READY" line.
"""
from __future__ import annotations

import argparse
import getpass
import importlib
import os
import pathlib
import secrets
import shlex
import sys
from dataclasses import dataclass
from typing import Callable, Optional, Union

ROOT = pathlib.Path(__file__).resolve().parent.parent
APP_PY = ".venv/app/bin/python"
START_RETRIES = 10  # 1+2+…+10 s of backoff before a process that cannot start is given up (FATAL)


@dataclass(frozen=True)
class Process:
    """One supervised program of a process set."""

    name: str
    command: str
    health: Optional[Callable[..., str]] = None
    stop_seconds: int = 20
    priority: int = 500


def _mail(read) -> str:
    return f"tcp://127.0.0.1:{read.port('SMTP_PORT', 1025)}"


def _credentials(read) -> str:
    return f"http://{read.host('CREDENTIALS_HOST', '127.0.0.1')}:{read.port('CREDENTIALS_PORT', 8001)}/healthz"


def _rasa(read) -> str:
    return f"http://127.0.0.1:{read.port('RASA_PORT', 5005)}/"


def _actions(read) -> str:
    return f"http://127.0.0.1:{read.port('ACTION_SERVER_PORT', 5055)}/health"


def _gateway(read) -> str:
    return f"http://{read.host('GATEWAY_HOST', '127.0.0.1')}:{read.port('GATEWAY_PORT', 8000)}/healthz"


# make run: the embedded default (SQLite, in-memory lock store, local SMTP sink).
EMBEDDED: list[Process] = [
    Process("mail", f"{APP_PY} -m mailsink", _mail, stop_seconds=10, priority=100),
    Process("credentials", f"{APP_PY} -m credentials serve", _credentials, priority=200),
    Process("actions", "scripts/actions-serve.sh", _actions, priority=300),
    Process("rasa", "scripts/rasa-serve.sh", _rasa, priority=300),
    Process("gateway", f"{APP_PY} -m gateway", _gateway, priority=400),
    # The retention purges (agents/retention.py, credentials/retention.py, docs/privacy.md): once a day,
    # no port, no health check.
    Process("purge", f"{APP_PY} -m agents purge --every 86400", None, stop_seconds=5, priority=600),
    Process("credentials-purge", f"{APP_PY} -m credentials purge --every 86400", None, stop_seconds=5, priority=600),
]

PROCESS_SETS: dict[str, Union[list[Process], str]] = {
    "embedded": EMBEDDED,
}


def processes(set_name: str) -> list[Process]:
    """The processes of a set (``KeyError`` naming the known sets for an unknown one)."""
    if set_name not in PROCESS_SETS:
        raise KeyError(f"unknown process set {set_name!r} (known: {', '.join(sorted(PROCESS_SETS))})")
    entry = PROCESS_SETS[set_name]
    if isinstance(entry, str):
        module, _, attribute = entry.partition(":")
        entry = getattr(importlib.import_module(module), attribute)
    return list(entry)


def health_checks(set_name: str, read) -> dict[str, str]:
    """Process name -> health address, for the processes of the set that have one."""
    return {p.name: p.health(read) for p in processes(set_name) if p.health is not None}


def _quote(value: str) -> str:
    return value.replace("%", "%%")  # supervisord expands %(name)s in its values


def _program(name: str, command: str, run_dir: pathlib.Path, *, stop_seconds: int, priority: int,
             startsecs: int = 1) -> str:
    log = run_dir / f"{name}.log"
    return "\n".join([
        f"[program:{name}]",
        # exec: supervisord's pid for the program is the program's own, not a shell's
        f"command=/bin/sh -c {_quote(shlex.quote('exec ' + command))}",
        f"directory={_quote(str(ROOT))}",
        f"priority={priority}",
        "autostart=true",
        "autorestart=true",
        f"startsecs={startsecs}",
        f"startretries={START_RETRIES}",
        "stopsignal=TERM",
        f"stopwaitsecs={stop_seconds}",
        "stopasgroup=true",  # gunicorn's worker, a shell's child: the whole group stops
        "killasgroup=true",
        "redirect_stderr=true",
        f"stdout_logfile={_quote(str(log))}",
        "stdout_logfile_maxbytes=10MB",
        "stdout_logfile_backups=3",
        "stdout_events_enabled=true",  # every chunk to the `logs` listener, which prefixes it
        "",
    ])


def config(set_name: str, run_dir: pathlib.Path, *, password: Optional[str] = None) -> str:
    """The supervisord.conf text of a process set, with its files under ``run_dir``."""
    run_dir = run_dir.resolve()
    password = password or secrets.token_urlsafe(24)
    sock = run_dir / "supervisor.sock"
    head = [
        "[supervisord]",
        "nodaemon=true",
        f"logfile={_quote(str(run_dir / 'supervisord.log'))}",
        "logfile_maxbytes=10MB",
        "logfile_backups=3",
        "loglevel=info",
        f"pidfile={_quote(str(run_dir / 'supervisord.pid'))}",
        f"childlogdir={_quote(str(run_dir))}",
        "",
        "[unix_http_server]",  # for `python -m ops.supervise ctl` (supervisorctl) and the tests
        f"file={_quote(str(sock))}",
        "chmod=0700",
        "username=ops",
        f"password={password}",
        "",
        "[supervisorctl]",
        f"serverurl=unix://{_quote(str(sock))}",
        "username=ops",
        f"password={password}",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "",
    ]
    if os.geteuid() == 0:
        # as root supervisord warns on every start unless told whom to run as: the same user
        head[1:1] = [f"user={getpass.getuser()}"]
    parts = ["\n".join(head)]
    for p in processes(set_name):
        parts.append(_program(p.name, p.command, run_dir, stop_seconds=p.stop_seconds, priority=p.priority))
    parts.append("\n".join([
        "[eventlistener:ready]",  # ops/wait_ready.py: "ready", and again after a restart
        f"command={_quote(APP_PY)} -m ops.wait_ready --listener --set {_quote(shlex.quote(set_name))}",
        f"directory={_quote(str(ROOT))}",
        "events=PROCESS_STATE",
        "buffer_size=1000",
        "priority=900",
        "autorestart=true",
        "stopwaitsecs=5",
        "stderr_logfile=/dev/stderr",  # its lines, prefixed by itself
        "stderr_logfile_maxbytes=0",
        f"stdout_logfile={_quote(str(run_dir / 'ready-protocol.log'))}",
        "stdout_logfile_maxbytes=1MB",
        "",
    ]))
    parts.append("\n".join([
        "[eventlistener:logs]",
        f"command={_quote(APP_PY)} -m ops.supervise relay",
        f"directory={_quote(str(ROOT))}",
        "events=PROCESS_LOG",
        "buffer_size=10000",  # Rasa's start-up is a burst of lines; none may be dropped
        "priority=1",
        "autorestart=true",
        "stderr_logfile=/dev/stderr",  # the relay's prefixed lines: supervisord's own terminal
        "stderr_logfile_maxbytes=0",
        f"stdout_logfile={_quote(str(run_dir / 'logs-relay.log'))}",
        "stdout_logfile_maxbytes=1MB",
        "",
    ]))
    return "\n".join(parts)


def relay(stdin=None, stdout=None, out=None) -> None:
    """The ``logs`` event listener: each PROCESS_LOG event's complete lines to ``out`` (stderr) as
    ``name | line``; a partial line waits for the rest of it (or 8 KB)."""
    stdin = stdin or sys.stdin.buffer
    stdout = stdout or sys.stdout.buffer
    out = out or sys.stderr.buffer
    pending: dict[str, bytes] = {}
    width = 12
    while True:
        stdout.write(b"READY\n")
        stdout.flush()
        header_line = stdin.readline()
        if not header_line:
            return
        header = dict(token.split(b":", 1) for token in header_line.split())
        payload = stdin.read(int(header[b"len"]))
        head, _, data = payload.partition(b"\n")
        fields = dict(token.split(b":", 1) for token in head.split())
        name = fields.get(b"processname", b"?").decode("utf-8", "replace")
        buffered = pending.pop(name, b"") + data
        *lines, rest = buffered.split(b"\n")
        if len(rest) > 8192:
            lines.append(rest)
            rest = b""
        if rest:
            pending[name] = rest
        prefix = f"{name:<{width}}| ".encode()
        if lines:
            out.write(b"".join(prefix + line.rstrip(b"\r") + b"\n" for line in lines))
            out.flush()
        stdout.write(b"RESULT 2\nOK")
        stdout.flush()


def _load_env_file(path: pathlib.Path) -> None:
    from dotenv import dotenv_values

    for key, value in dotenv_values(path, interpolate=False).items():
        os.environ[key] = value if value is not None else ""


def main(argv: Optional[list[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["relay"]:
        relay()
        return 0
    parser = argparse.ArgumentParser(prog="python -m ops.supervise", description=__doc__.split("\n")[0])
    parser.add_argument("--set", default="embedded", dest="set_name")
    parser.add_argument("--env-file", default=".env")
    parser.add_argument("--run-dir", default="var/supervisor")
    parser.add_argument("--print-config", action="store_true")
    ctl = argv[:1] == ["ctl"]
    args, rest = parser.parse_known_args(argv[1:] if ctl else argv)
    run_dir = (ROOT / args.run_dir).resolve() if not os.path.isabs(args.run_dir) else pathlib.Path(args.run_dir)
    conf = run_dir / "supervisord.conf"
    if ctl:
        os.execv(str(ROOT / ".venv/app/bin/supervisorctl"), ["supervisorctl", "-c", str(conf), *rest])
    if rest:
        parser.error(f"unknown arguments: {' '.join(rest)}")
    try:
        text = config(args.set_name, run_dir)
    except KeyError as exc:
        print(exc.args[0], file=sys.stderr)
        return 2
    if args.print_config:
        print(text)
        return 0
    env_file = pathlib.Path(args.env_file)
    env_file = env_file if env_file.is_absolute() else ROOT / env_file
    if env_file.exists():
        _load_env_file(env_file)
    os.environ.setdefault("PYTHONUNBUFFERED", "1")  # lines reach the terminal as they are written
    run_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chdir(ROOT)
    supervisord = ROOT / ".venv/app/bin/supervisord"
    os.execv(str(supervisord), ["supervisord", "-n", "-c", str(conf)])
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())

"""`python -m gateway`: validate settings, migrate the database, serve on GATEWAY_HOST:GATEWAY_PORT.

GATEWAY_ROLE chooses what the process serves (gateway/settings.py):
  all      (default) one process, GATEWAY_THREADS threads: the phone line's webhooks, the console,
           the APIs and the relay's event streams share them; the streams may hold at most
           AGENTS_SSE_STREAMS of them (agents/streams.py). The embedded default, on SQLite.
  web      gthread workers (GATEWAY_WORKERS processes × GATEWAY_THREADS threads): everything but the
           event streams, which it refuses; the phone line keeps every thread.
  streams  gevent workers (GATEWAY_WORKERS × GATEWAY_STREAM_CONNECTIONS): only the event streams;
           each open stream is a greenlet waiting on a wake-up, not a thread.
Several processes need PostgreSQL: their live updates cross through LISTEN/NOTIFY (agents/notify.py)."""
from __future__ import annotations

import os
import sys

from gateway.settings import GatewaySettings, SettingsError
from kernel.settings import EnvReader


def gunicorn_argv(settings: GatewaySettings, env=None) -> list[str]:
    """The gunicorn command line for this process's role; raises SettingsError on a bad value."""
    read = EnvReader(env)
    workers = read.integer("GATEWAY_WORKERS", 1, 1, 64)
    threads = read.integer("GATEWAY_THREADS", 32, 2, 1024)
    connections = read.integer("GATEWAY_STREAM_CONNECTIONS", 1000, 10, 100_000)
    if settings.database_url.startswith("sqlite") and (workers > 1 or settings.role != "all"):
        read.errors.append("GATEWAY_WORKERS > 1 and GATEWAY_ROLE web/streams need PostgreSQL "
                           "(GATEWAY_DATABASE_URL): SQLite wakes live views only inside one process")
    read.raise_errors(SettingsError, "bad gateway settings")
    argv = [sys.executable, "-m", "gunicorn", "--bind", f"{settings.host}:{settings.port}",
            "--workers", str(workers), "--timeout", "120", "--graceful-timeout", "30",
            "--access-logfile", "-", "--logger-class", "gateway.access_log.MaskingAccessLogger"]
    if settings.role == "streams":
        argv += ["--worker-class", "gevent", "--worker-connections", str(connections), "gateway.wsgi:app"]
    else:
        argv += ["--worker-class", "gthread", "--threads", str(threads), "gateway.wsgi:app"]
    return argv


def main() -> int:
    from agents.settings import AgentsSettings

    try:
        settings = GatewaySettings.from_env()
        AgentsSettings.from_env()  # the console's and relay's limits: one line per bad value, before serving
        argv = gunicorn_argv(settings)
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    from gateway.migrate import upgrade

    upgrade(settings.database_url)
    os.execv(sys.executable, argv)


if __name__ == "__main__":
    sys.exit(main())

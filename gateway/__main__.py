"""`python -m gateway`: validate settings, migrate the database, serve on GATEWAY_HOST:GATEWAY_PORT."""
from __future__ import annotations

import os
import sys

from gateway.settings import GatewaySettings, SettingsError


def main() -> int:
    from agents.settings import AgentsSettings

    try:
        settings = GatewaySettings.from_env()
        AgentsSettings.from_env()  # the console's and relay's limits: one line per bad value, before serving
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    from gateway.migrate import upgrade

    upgrade(settings.database_url)
    # One process, GATEWAY_THREADS threads: the phone line's webhooks, the console and the APIs share
    # them; the relay's event streams may hold at most AGENTS_SSE_STREAMS of them (agents/streams.py).
    threads = os.environ.get("GATEWAY_THREADS", "32")
    os.execv(
        sys.executable,
        [sys.executable, "-m", "gunicorn", "--bind", f"{settings.host}:{settings.port}",
         "--worker-class", "gthread", "--workers", "1", "--threads", threads,
         "--timeout", "120", "--access-logfile", "-",
         "--logger-class", "gateway.access_log.MaskingAccessLogger", "gateway.wsgi:app"],
    )


if __name__ == "__main__":
    sys.exit(main())

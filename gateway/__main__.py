"""`python -m gateway`: validate settings, migrate the database, serve on GATEWAY_HOST:GATEWAY_PORT."""
from __future__ import annotations

import os
import sys

from gateway.settings import GatewaySettings, SettingsError


def main() -> int:
    try:
        settings = GatewaySettings.from_env()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    from gateway.migrate import upgrade

    upgrade(settings.database_url)
    threads = os.environ.get("GATEWAY_THREADS", "32")
    os.execv(
        sys.executable,
        [sys.executable, "-m", "gunicorn", "--bind", f"{settings.host}:{settings.port}",
         "--worker-class", "gthread", "--workers", "1", "--threads", threads,
         "--timeout", "120", "--access-logfile", "-", "gateway.wsgi:app"],
    )


if __name__ == "__main__":
    sys.exit(main())

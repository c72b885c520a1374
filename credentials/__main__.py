"""``python -m credentials serve``: validate settings, migrate the database (alembic upgrade head),
then serve with gunicorn (gthread) on CREDENTIALS_HOST:CREDENTIALS_PORT. The outbox worker runs as
a daemon thread inside the gunicorn worker process (started in its ``post_worker_init`` hook).

``python -m credentials migrate`` only migrates; ``python -m credentials office ...`` is the
office CLI (same as ``flask --app credentials office ...``)."""
from __future__ import annotations

import sys

from credentials.settings import CredentialsSettings, SettingsError


def migrate(settings: CredentialsSettings) -> bool:
    """Bring the schema up to date (alembic upgrade head; at head this changes nothing). A database
    that cannot be opened or written is reported in one line, not a traceback."""
    from sqlalchemy.exc import SQLAlchemyError

    from credentials.migrate import upgrade

    try:
        upgrade(settings.database_url)
    except (SQLAlchemyError, OSError) as exc:
        # the type only: a driver's message may quote the database URL, password included
        print(f"the credentials database cannot be used ({type(exc).__name__}); check CREDENTIALS_DATABASE_URL",
              file=sys.stderr)
        return False
    return True


def serve(settings: CredentialsSettings) -> int:
    from gunicorn.app.base import BaseApplication

    if not migrate(settings):
        return 1

    class _Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{settings.host}:{settings.port}")
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("workers", 1)
            self.cfg.set("threads", settings.threads)
            self.cfg.set("timeout", 60)
            self.cfg.set("accesslog", "-")
            self.cfg.set("post_worker_init", _start_outbox)
            self.cfg.set("worker_exit", _stop_outbox)

        def load(self):
            from credentials import create_app

            return create_app()

    _Server().run()
    return 0


_outbox = {}


def _start_outbox(worker) -> None:
    app = worker.wsgi  # the app loaded in this worker process
    backend = app.extensions["credentials"]
    if backend.settings.outbox_worker:
        from credentials.outbox import OutboxWorker

        _outbox["thread"], _outbox["stop"] = OutboxWorker(backend.uow, backend.kit).start_thread()


def _stop_outbox(server, worker) -> None:
    if "stop" in _outbox:
        _outbox["stop"].set()
        _outbox["thread"].join(timeout=10)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    if command == "office":
        # A clerk or developer types this in a second terminal next to `make run`: read the same
        # .env the supervisor uses (variables already set win).
        from dotenv import load_dotenv

        load_dotenv(".env", override=False)
    if command in ("serve", "migrate", "office"):
        try:
            settings = CredentialsSettings.from_env()
        except SettingsError as exc:
            print(exc, file=sys.stderr)
            return 2
    if command in ("serve", "migrate"):
        if command == "migrate":
            return 0 if migrate(settings) else 1
        return serve(settings)
    if command == "office":
        from flask.cli import FlaskGroup

        from credentials import create_app

        # The clerk may run this before the backend has ever started (its start migrates too).
        if not migrate(settings):
            return 1

        cli = FlaskGroup(create_app=lambda: create_app(), add_default_commands=False, load_dotenv=False)
        return cli.main(args=argv, prog_name="python -m credentials", standalone_mode=True) or 0
    print("usage: python -m credentials serve | migrate | office <register|correct-email|disclose-username> ...",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

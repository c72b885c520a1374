"""``python -m credentials serve``: validate settings, migrate the database (alembic upgrade head),
then serve with gunicorn (gthread) on CREDENTIALS_HOST:CREDENTIALS_PORT. With CREDENTIALS_OUTBOX_WORKER
(default true: the embedded default) the outbox worker runs as a daemon thread inside the gunicorn
worker process (started in its ``post_worker_init`` hook).

``python -m credentials outbox``: the outbox worker as a process of its own (the production topology
runs one or more next to backend processes started with CREDENTIALS_OUTBOX_WORKER=false). It waits
for the schema (it never migrates: the backend or ``migrate`` does), then evaluates queued new-code
requests and sends due mails until SIGTERM/SIGINT, after which it finishes the mail in hand and exits 0.

``python -m credentials migrate`` only migrates; ``python -m credentials office ...`` is the
office CLI (same as ``flask --app credentials office ...``).

``python -m credentials purge [--dry-run] [--every SECONDS]`` deletes the backend's stored personal data
past its retention period (credentials/retention.py, docs/privacy.md); ``--dry-run`` only counts;
``--every`` runs again every SECONDS (the supervised daily job), retrying a failed run a minute later."""
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
            # the default line plus the time the worker took for the request, in microseconds (a benchmark
            # reads it to tell the server's part from the client's: scripts/bench_credentials.py)
            self.cfg.set("access_log_format", '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)sus')
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
        import sys

        from credentials.outbox import OutboxWorker

        # The outbox thread is CPU-bound Python (composing mail, HMACs); a request thread that released the
        # GIL for a database or socket call waits up to the switch interval (5 ms) to get it back, each
        # time: a shorter interval keeps that convoy out of the requests' latency.
        sys.setswitchinterval(0.0005)
        _outbox["thread"], _outbox["stop"] = OutboxWorker(backend.background_uow, backend.kit,
                                                                  activity=backend.activity).start_thread()


def _stop_outbox(server, worker) -> None:
    if "stop" in _outbox:
        _outbox["stop"].set()
        _outbox["thread"].join(timeout=10)


def outbox(settings: CredentialsSettings) -> int:
    """Run the outbox worker in the foreground until SIGTERM or SIGINT."""
    import logging
    import signal
    import threading

    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from credentials import create_app
    from credentials.outbox import OutboxWorker
    from kernel.privacy import MaskingLogFilter

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(MaskingLogFilter())
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    log = logging.getLogger("credentials.outbox")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    backend = create_app().extensions["credentials"]
    said = False
    while not stop.is_set():  # the schema is the backend's to make: wait for it
        try:
            with backend.engine.connect() as conn:
                conn.execute(text("SELECT 1 FROM outbox WHERE 1 = 0"))
                conn.execute(text("SELECT 1 FROM reset_requests WHERE 1 = 0"))
            break
        except SQLAlchemyError as exc:
            if not said:
                log.warning("waiting for the credentials database and its schema (%s)", type(exc).__name__)
                said = True
            stop.wait(1.0)
    worker = OutboxWorker(backend.uow, backend.kit)
    log.info("outbox worker started (batch %d, lease %gs, poll %gs)", worker.batch,
             worker.lease.total_seconds(), settings.outbox_poll_seconds)
    worker.run_forever(stop)
    backend.engine.dispose()
    backend.intake_engine.dispose()
    log.info("outbox worker stopped")
    return 0


def purge(settings: CredentialsSettings, argv: list[str]) -> int:
    """One purge (or one every ``--every`` seconds until stopped); counts per kind on stdout."""
    import argparse

    from sqlalchemy.exc import SQLAlchemyError

    from kernel import periodic

    from credentials.adapters.db import make_engine, make_session_factory
    from credentials.retention import RetentionSettings
    from credentials.retention import purge as purge_rows

    parser = argparse.ArgumentParser(prog="python -m credentials purge",
                                     description="Delete the credentials backend's stored personal data past "
                                                 "its retention period (docs/privacy.md).")
    parser.add_argument("--dry-run", action="store_true", help="count what is past its period; delete nothing")
    parser.add_argument("--every", type=int, default=None, metavar="SECONDS",
                        help="run again every SECONDS (at least 60) until stopped; a failed run is retried a minute later")
    args = parser.parse_args(argv)
    if args.every is not None and args.every < 60:
        parser.error("--every: at least 60 seconds")
    try:
        retention = RetentionSettings.from_env()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url, settings.sqlite_synchronous)
    sessions = make_session_factory(engine)

    def once():
        with sessions() as session:
            return purge_rows(session, retention, dry_run=args.dry_run)

    try:
        return periodic.repeat(once, every=args.every, dry_run=args.dry_run, failures=(SQLAlchemyError,),
                               echo=lambda line: print(line, flush=True),
                               complain=lambda line: print(line, file=sys.stderr, flush=True))
    finally:
        engine.dispose()


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    if command == "office":
        # A clerk or developer types this in a second terminal next to `make run`: read the same
        # .env the supervisor uses (variables already set win).
        from dotenv import load_dotenv

        load_dotenv(".env", override=False)
    if command in ("serve", "migrate", "office", "outbox", "purge"):
        try:
            settings = CredentialsSettings.from_env()
        except SettingsError as exc:
            print(exc, file=sys.stderr)
            return 2
    if command == "outbox":
        return outbox(settings)
    if command == "purge":
        return purge(settings, argv[1:])
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
    print("usage: python -m credentials serve | outbox | migrate | purge [--dry-run] [--every SECONDS] | "
          "office <register|correct-email|disclose-username> ...",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The application factory of the credentials backend."""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Callable

from flask import Flask, g
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from credentials.adapters.db import make_engine, make_intake_engine, make_session_factory
from credentials.adapters.unit_of_work import SqlAlchemyUnitOfWork, WriteLock
from credentials.domain.ports import UnitOfWork
from credentials.outbox import RequestActivity
from credentials.services import Toolkit
from credentials.settings import CredentialsSettings


@dataclass
class Backend:
    """What a request needs, kept in ``app.extensions["credentials"]``."""

    settings: CredentialsSettings
    engine: Engine
    session_factory: sessionmaker
    kit: Toolkit
    write_lock: WriteLock | None = field(default=None)
    unit_of_work: Callable[[], UnitOfWork] | None = None
    intake_engine: Engine | None = None  # new-code requests are queued through it (adapters/db.py)
    activity: RequestActivity = field(default_factory=RequestActivity)  # requests' units of work in progress (the outbox thread yields)

    def uow(self) -> UnitOfWork:
        """A fresh unit of work for one use case."""
        if self.unit_of_work is not None:
            return self.unit_of_work()
        return SqlAlchemyUnitOfWork(self.session_factory, self.write_lock, intake_engine=self.intake_engine,
                                    activity=self.activity)

    def background_uow(self) -> UnitOfWork:
        """A unit of work for the outbox worker: on SQLite it lets every waiting request go first."""
        if self.unit_of_work is not None:
            return self.unit_of_work()
        return SqlAlchemyUnitOfWork(self.session_factory, self.write_lock, background=True,
                                    intake_engine=self.intake_engine)


def create_app(test_config: dict | None = None, *, unit_of_work: Callable[[], UnitOfWork] | None = None) -> Flask:
    """Settings come from the environment; ``test_config`` overrides individual variables.
    ``unit_of_work`` replaces the database (the unit tests pass an in-memory one)."""
    env = dict(os.environ)
    env.update({k: str(v) for k, v in (test_config or {}).items()})
    settings = CredentialsSettings.from_env(env)
    app = Flask("credentials")
    app.config.update(MAX_CONTENT_LENGTH=settings.max_body_bytes, TESTING=bool(test_config))
    engine = make_engine(settings.database_url, settings.sqlite_synchronous)
    app.extensions["credentials"] = Backend(settings=settings, engine=engine,
                                            session_factory=make_session_factory(engine),
                                            kit=Toolkit.from_settings(settings),
                                            write_lock=WriteLock() if engine.dialect.name == "sqlite" else None,
                                            unit_of_work=unit_of_work,
                                            intake_engine=make_intake_engine(settings.database_url, engine))
    from credentials.api.errors import register_error_handlers
    from credentials.api.routes import api, health
    from credentials.cli import office

    app.register_blueprint(health)
    app.register_blueprint(api)
    app.cli.add_command(office)
    register_error_handlers(app)
    backend = app.extensions["credentials"]

    @app.teardown_request
    def _request_finished(_exc) -> None:  # started by api/routes.py once the body is read
        if g.pop("credentials_in_flight", False):
            backend.activity.finished()
    from credentials.metrics import readings
    from telemetry.flask import database_check, instrument

    instrument(app, "credentials", checks={"database": database_check(engine)},
               extra=lambda: readings(backend.session_factory))
    log = logging.getLogger("credentials")
    log.setLevel(logging.INFO)
    if not log.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)
    return app

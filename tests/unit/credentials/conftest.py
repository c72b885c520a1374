"""The credentials unit tests run on the in-memory unit of work (fake_unit_of_work.py), never on a
database: ``credentials_app_factory`` and ``desk`` here replace the database-backed fixtures of
tests/fixtures/credentials_services.py (whose ``credentials_app`` and ``credentials_client`` are
then built by this factory); tests/integration/credentials keeps the database."""
from __future__ import annotations

import pathlib

import pytest

from tests.fixtures.credentials_services import credentials_env
from tests.unit.credentials.fake_unit_of_work import FakeDesk, FakeUnitOfWork, Store


@pytest.fixture
def credentials_app_factory(tmp_path: pathlib.Path):
    """Make in-process apps, each on its own in-memory store, with setting overrides."""
    from credentials import create_app

    def make(**overrides: str):
        store = Store()
        env = dict(CREDENTIALS_MIN_ANSWER_MS="0", CREDENTIALS_OUTBOX_WORKER="false")
        env.update(overrides)
        app = create_app(credentials_env("sqlite:///:memory:", tmp_path, **env),
                         unit_of_work=lambda: FakeUnitOfWork(store))
        app.config["FAKE_STORE"] = store
        return app

    return make


@pytest.fixture
def desk(credentials_app) -> FakeDesk:
    """The use cases on a fresh in-memory backend."""
    return FakeDesk(credentials_app)

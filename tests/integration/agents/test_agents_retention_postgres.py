"""The purge and the erasure on PostgreSQL (the production database and the production Rasa tracker
store): the same seeded ages give exactly the same deletions as on SQLite."""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

from test_agents_retention import (  # noqa: F401  (the tests run again here, on PostgreSQL)
    RASA_EVENTS, test_an_erasure_request_leaves_no_row_of_that_phone_number_anywhere,
    test_erasure_of_a_username_through_the_cli_and_dry_run_deletes_nothing,
    test_purge_removes_exactly_what_is_past_its_period_in_every_store)
from tests.fixtures.gateway_services import make_gateway_app

pytestmark = pytest.mark.postgres


@pytest.fixture
def gateway_app(gateway_pg_settings):
    app = make_gateway_app(gateway_pg_settings)
    yield app
    app.extensions["gateway_engine"].dispose()


@pytest.fixture
def tracker_url():
    """Rasa's tracker store in a database of its own (as in production), made for this test alone."""
    base = os.environ.get("GATEWAY_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    name = f"rasa_retention_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.rsplit("/", 1)[0] + "/" + name
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(RASA_EVENTS.replace("id INTEGER PRIMARY KEY", "id SERIAL PRIMARY KEY")))
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

"""The seeded-history figures and the one-rating rule on PostgreSQL (the production database):
the same history gives exactly the same numbers as on SQLite (time zones compared as timestamps)."""
from __future__ import annotations

import pytest

from test_agents_figures import (  # noqa: F401  (the fixture and the tests run again here, on PostgreSQL)
    history, test_a_period_in_budapest_time_counts_what_happened_after_local_midnight, test_csv_export_carries_the_same_numbers,
    test_one_rating_per_conversation_and_the_comment_is_redacted, test_seeded_history_gives_exactly_the_expected_figures)
from tests.fixtures.gateway_services import make_gateway_app

pytestmark = pytest.mark.postgres


@pytest.fixture
def gateway_app(gateway_pg_settings):
    app = make_gateway_app(gateway_pg_settings)
    yield app
    app.extensions["gateway_engine"].dispose()

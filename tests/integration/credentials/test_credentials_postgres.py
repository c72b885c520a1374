"""The same whole life of an account, against the production-settings PostgreSQL."""
from __future__ import annotations

import pytest

from tests.integration.credentials.test_credentials_account_life import account_life


@pytest.mark.postgres
def test_account_life_over_http_on_postgresql(credentials_server_factory, smtp_sink, credentials_pg_url):
    server = credentials_server_factory(smtp_sink, database_url=credentials_pg_url)
    account_life(server, smtp_sink, "nagyeva", "eva.nagy@example.hu")

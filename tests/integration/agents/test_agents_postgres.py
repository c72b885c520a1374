"""The escalation rules on the production database (PostgreSQL): migrations apply, concurrent
duplicates make one row, and of many simultaneous claims exactly one wins."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from agents.models import AgentAccount, Escalation
from tests.fixtures.gateway_services import make_gateway_app, sample_escalation

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_app(gateway_pg_settings):
    app = make_gateway_app(gateway_pg_settings)
    yield app
    app.extensions["gateway_engine"].dispose()


def test_concurrent_duplicate_escalations_make_one_row_on_postgres(pg_app):
    from agents import escalations
    from gateway import sessions_of

    sessions = sessions_of(pg_app)
    barrier = threading.Barrier(8)
    ids: list[str] = []

    def create():
        with sessions() as s:
            barrier.wait()
            ids.append(escalations.create_or_get_escalation(s, sample_escalation())[0].id)

    threads = [threading.Thread(target=create) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(ids) == 8 and len(set(ids)) == 1
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Escalation)) == 1


def test_only_one_of_simultaneous_claims_wins_on_postgres(pg_app):
    from agents import escalations
    from agents.accounts import create_agent
    from gateway import sessions_of

    sessions = sessions_of(pg_app)
    with sessions() as s:
        e, _ = escalations.create_or_get_escalation(s, sample_escalation())
        agent_ids = [create_agent(s, f"agent{i}", "x" * 12).id for i in range(6)]
    barrier = threading.Barrier(6)
    wins: list[bool] = []

    def claim(agent_id):
        with sessions() as s:
            agent = s.get(AgentAccount, agent_id)
            barrier.wait()
            wins.append(escalations.claim(s, e.id, agent))

    threads = [threading.Thread(target=claim, args=(a,)) for a in agent_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wins.count(True) == 1

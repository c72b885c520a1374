"""The escalation rules on the production database (PostgreSQL): migrations apply, concurrent
duplicates make one row, and of many simultaneous claims exactly one wins."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from agents.models import AgentAccount, Escalation
from tests.fixtures.gateway_services import make_gateway_app, sample_escalation
from tests.integration.agents.test_agents_routing import race_accept_and_claim

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


def test_routing_in_many_processes_at_once_offers_each_case_and_each_agent_once_on_postgres(pg_app):
    """Six routers at the same instant (as six gateway processes would), three waiting cases, two
    available agents: two standing offers, to two agents, of two cases — the partial UNIQUE indexes
    decide; then an accept racing a claim from the queue leaves one owner."""
    from agents import escalations, routing, sessions as console_sessions
    from agents.accounts import create_agent
    from agents.models import RoutingOffer
    from gateway import sessions_of

    factory = sessions_of(pg_app)
    settings = routing.RoutingSettings.of(pg_app.config)
    with factory() as s:
        for n in range(3):
            escalations.create_or_get_escalation(s, sample_escalation(conversation_id=f"pg-r{n}",
                                                                      idempotency_key=f"chat:pg-r{n}:1"))
        agents = [create_agent(s, f"router{i}", "x" * 12) for i in range(3)]
        for a in agents[:2]:
            a.presence = "available"
            s.commit()
            console_sessions.open_session(s, a, 3600)
        outsider = agents[2].id
    barrier = threading.Barrier(6)

    def run():
        with factory() as s:
            barrier.wait()
            routing.route(s, settings)

    threads = [threading.Thread(target=run) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    with factory() as s:
        standing = list(s.scalars(select(RoutingOffer).where(RoutingOffer.answer.is_(None))))
        assert len(standing) == 2
        assert len({o.agent_id for o in standing}) == 2 and len({o.escalation_id for o in standing}) == 2
        offer = standing[0]
        offer_id, case_id, offered_to = offer.id, offer.escalation_id, offer.agent_id
    results = race_accept_and_claim(factory, offer_id, offered_to, case_id, outsider)
    assert [results["accept"], results["claim"]].count(True) == 1
    with factory() as s:
        owner = s.get(Escalation, case_id).claimed_by_id
    assert owner == (offered_to if results["accept"] else outsider)

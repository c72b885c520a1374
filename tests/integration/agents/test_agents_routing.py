"""Routing (issue #14): a waiting case is offered to the longest-idle available agent who has its
language and channel; a pass, or no answer in time, offers it to the next such agent; accepting makes
the case the agent's; a claim from the queue racing an accept leaves exactly one owner; a case nobody
accepted within AGENTS_ROUTING_SECONDS is offered no more and is highlighted (queue and live view);
a supervisor sets each agent's languages and channels."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from agents.models import AgentAccount, Escalation, RoutingOffer
from kernel.clock import utcnow
from tests.fixtures.gateway_services import AGENT_PASSWORD, create_escalation_via_api, csrf_from, login


def _agent(app, username, languages="hu,en", channels="chat,phone", role="agent"):
    from agents.accounts import create_agent
    from gateway import sessions_of

    with sessions_of(app)() as s:
        a = create_agent(s, username, AGENT_PASSWORD, role, username.title())
        a.languages, a.channels = languages, channels
        s.commit()
    c = app.test_client()
    assert login(c, username).status_code == 302
    return c


def _csrf(client):
    return csrf_from(client.get("/agents/").get_data(as_text=True))


def _available(client, presence="available"):
    r = client.post("/agents/presence", data={"presence": presence, "csrf_token": _csrf(client)},
                    headers={"Accept": "application/json"})
    assert r.status_code == 200


def _offer(client):
    return client.get("/agents/queue.json").get_json()["offer"]


def _presence_at(app, username, seconds_ago):
    """Became available ``seconds_ago`` (the idle time routing orders by)."""
    from gateway import sessions_of

    with sessions_of(app)() as s:
        s.execute(update(AgentAccount).where(AgentAccount.username == username)
                  .values(presence_at=utcnow() - timedelta(seconds=seconds_ago)))
        s.commit()


def test_offer_goes_to_the_longest_idle_agent_with_the_language_and_channel_then_the_next_on_pass_and_timeout(console_app):
    from gateway import sessions_of

    anna = _agent(console_app, "anna", "hu", "chat")
    bela = _agent(console_app, "bela", "en", "chat,phone")         # no Hungarian
    cili = _agent(console_app, "cili", "hu,en", "chat,phone")
    dani = _agent(console_app, "dani", "hu,en", "phone")           # no chat
    for c in (anna, bela, cili, dani):
        _available(c)
    _presence_at(console_app, "anna", 100)
    _presence_at(console_app, "cili", 300)   # idle longest
    _presence_at(console_app, "bela", 900)
    _presence_at(console_app, "dani", 900)
    # cili just ended a case 50 s ago: her idle time starts there, so anna is now the longest idle
    with sessions_of(console_app)() as s:
        cili_id = s.scalar(select(AgentAccount.id).where(AgentAccount.username == "cili"))
        s.add(Escalation(reference="HD-OLD1", idempotency_key="old-1", channel="chat", conversation_id="old-1",
                         language="hu", reason="user_asked", transcript=[], tried=[], status="closed",
                         claimed_by_id=cili_id, created_at=utcnow() - timedelta(seconds=400),
                         claimed_at=utcnow() - timedelta(seconds=350), closed_at=utcnow() - timedelta(seconds=50)))
        s.commit()
    case = create_escalation_via_api(console_app.test_client(), conversation_id="route-1",
                                     idempotency_key="chat:route-1:1", language="hu")
    offer = _offer(anna)
    assert offer["reference"] == case["reference"] and offer["channel"] == "chat"
    assert _offer(cili) is None and _offer(bela) is None and _offer(dani) is None
    page = anna.get("/agents/").get_data(as_text=True)
    assert 'id="offer"' in page and case["reference"] in page
    # pass -> the next longest idle who takes hu chat: cili (bela has no Hungarian, dani no chat)
    r = anna.post(offer["pass_url"], data={"csrf_token": _csrf(anna)}, headers={"Accept": "application/json"})
    assert r.status_code == 200
    assert _offer(anna) is None
    second = _offer(cili)
    assert second["reference"] == case["reference"]
    listed = {it["reference"]: it for it in anna.get("/agents/queue.json").get_json()["items"]}
    assert listed[case["reference"]]["offered_to"] == "Cili"
    # no answer in time: the offer expires; nobody else takes hu chat, so nobody gets it
    with sessions_of(console_app)() as s:
        s.execute(update(RoutingOffer).where(RoutingOffer.id == second["id"])
                  .values(expires_at=utcnow() - timedelta(seconds=1)))
        s.commit()
    assert _offer(cili) is None and _offer(anna) is None and _offer(bela) is None
    gone = cili.post(second["accept_url"], data={"csrf_token": _csrf(cili)}, headers={"Accept": "application/json"})
    assert gone.status_code == 409 and gone.get_json()["error"] == "offer_gone"
    with sessions_of(console_app)() as s:
        answers = [o.answer for o in s.scalars(select(RoutingOffer).order_by(RoutingOffer.id))]
    assert answers == ["passed", "expired"]
    # still in the queue for anyone to claim
    claimed = bela.post(f"/agents/escalations/{case['id']}/claim", data={"csrf_token": _csrf(bela)},
                        headers={"Accept": "application/json"})
    assert claimed.status_code == 200


def test_accepting_an_offer_makes_the_case_the_agents_and_away_agents_get_none(console_app):
    from gateway import sessions_of

    anna = _agent(console_app, "anna")
    bela = _agent(console_app, "bela")
    _available(anna)
    _available(bela, "away")
    case = create_escalation_via_api(console_app.test_client(), conversation_id="route-2",
                                     idempotency_key="chat:route-2:1", language="en")
    offer = _offer(anna)
    assert offer is not None and _offer(bela) is None
    # the console's other pages read the offer on its own (and have the box for it)
    assert anna.get("/agents/offer.json").get_json()["offer"]["id"] == offer["id"]
    assert 'id="offer-box" data-source="/agents/offer.json"' in anna.get(f"/agents/escalations/{case['id']}").get_data(as_text=True)
    r = anna.post(offer["accept_url"], data={"csrf_token": _csrf(anna)}, headers={"Accept": "application/json"})
    assert r.status_code == 200 and r.get_json()["url"].endswith(case["id"])
    with sessions_of(console_app)() as s:
        e = s.get(Escalation, case["id"])
        assert e.status == "claimed" and e.claimed_by.username == "anna"
    # holding a case, anna gets no offer for the next one; going away withdraws a standing offer
    create_escalation_via_api(console_app.test_client(), conversation_id="route-3",
                              idempotency_key="chat:route-3:1", language="en")
    assert _offer(anna) is None
    _available(bela)
    assert _offer(bela) is not None
    _available(bela, "away")
    with sessions_of(console_app)() as s:
        assert s.scalar(select(RoutingOffer.answer).order_by(RoutingOffer.id.desc()).limit(1)) == "withdrawn"


def race_accept_and_claim(factory, offer_id: int, offered_to: int, case_id: str, other: int) -> dict[str, bool]:
    """Agent ``offered_to`` accepts offer ``offer_id`` while agent ``other`` claims its case from the
    queue, released at the same instant; returns what each got."""
    from agents import escalations, routing

    barrier, results = threading.Barrier(2), {}

    def accept():
        with factory() as s:
            agent = s.get(AgentAccount, offered_to)
            barrier.wait()
            results["accept"] = routing.accept(s, offer_id, agent)

    def claim():
        with factory() as s:
            agent = s.get(AgentAccount, other)
            barrier.wait()
            results["claim"] = escalations.claim(s, case_id, agent)

    threads = [threading.Thread(target=accept), threading.Thread(target=claim)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_claim_from_the_queue_racing_an_accept_leaves_exactly_one_owner(console_app):
    """Twenty rounds: agent A accepts the offer while agent B claims from the queue, at once."""
    from agents import routing
    from gateway import sessions_of

    _agent(console_app, "anna")
    _agent(console_app, "bela")
    factory = sessions_of(console_app)
    settings = routing.RoutingSettings.of(console_app.config)
    with factory() as s:
        s.execute(update(AgentAccount).values(presence="available", presence_at=utcnow()))
        s.commit()
    winners = []
    for n in range(20):
        with factory() as s:
            create_escalation_via_api(console_app.test_client(), conversation_id=f"race-{n}",
                                      idempotency_key=f"chat:race-{n}:1")
            offer = s.scalar(select(RoutingOffer).where(RoutingOffer.answer.is_(None)))
            assert offer is not None
            offered_to, other = offer.agent_id, s.scalar(select(AgentAccount.id).where(AgentAccount.id != offer.agent_id))
            offer_id, case_id = offer.id, offer.escalation_id
        results = race_accept_and_claim(factory, offer_id, offered_to, case_id, other)
        with factory() as s:
            e = s.get(Escalation, case_id)
            owner = e.claimed_by_id
            assert e.status == "claimed"
            assert [results["accept"], results["claim"]].count(True) == 1
            assert owner == (offered_to if results["accept"] else other)
            joined = s.scalar(select(RoutingOffer.answer).where(RoutingOffer.id == offer_id))
            assert joined == ("accepted" if results["accept"] else "withdrawn")
            winners.append("accept" if results["accept"] else "claim")
            # both free again for the next round
            s.execute(update(Escalation).where(Escalation.id == case_id).values(status="closed", closed_at=utcnow()))
            s.commit()
        with factory() as s:
            routing.route(s, settings)
    assert len(winners) == 20


def test_a_case_nobody_accepted_in_time_stays_in_the_queue_highlighted_and_offered_no_more(console_app):
    from gateway import sessions_of

    anna = _agent(console_app, "anna", "hu", "phone")
    vera = _agent(console_app, "vera", role="supervisor")
    _available(vera, "away")
    case = create_escalation_via_api(console_app.test_client(), conversation_id="late-1",
                                     idempotency_key="chat:late-1:1", language="hu")  # chat: anna takes phone only
    limit = console_app.config["AGENTS_ROUTING_S"]
    with sessions_of(console_app)() as s:
        s.execute(update(Escalation).where(Escalation.id == case["id"])
                  .values(created_at=utcnow() - timedelta(seconds=limit + 5)))
        s.execute(update(AgentAccount).where(AgentAccount.username == "anna").values(channels="chat,phone"))
        s.commit()
    _available(anna)
    assert _offer(anna) is None  # past the routing time: no more offers
    item = {it["reference"]: it for it in anna.get("/agents/queue.json").get_json()["items"]}[case["reference"]]
    assert item["unrouted"] and item["status"] == "waiting"
    assert 'class="unrouted"' in anna.get("/agents/").get_data(as_text=True)
    live = vera.get("/agents/live.json").get_json()
    assert [c["reference"] for c in live["unrouted"]] == [case["reference"]]
    assert f'data-unrouted="{case["reference"]}"' in vera.get("/agents/live?part=1").get_data(as_text=True)
    assert anna.post(f"/agents/escalations/{case['id']}/claim", data={"csrf_token": _csrf(anna)},
                     headers={"Accept": "application/json"}).status_code == 200


def test_a_supervisor_sets_an_agents_languages_and_channels(console_app):
    from gateway import sessions_of

    anna = _agent(console_app, "anna")
    vera = _agent(console_app, "vera", role="supervisor")
    with sessions_of(console_app)() as s:
        anna_id = s.scalar(select(AgentAccount.id).where(AgentAccount.username == "anna"))
    assert anna.get("/agents/team").status_code == 403
    assert anna.post(f"/agents/team/{anna_id}", data={"languages": ["hu"], "channels": ["chat"],
                                                     "csrf_token": _csrf(anna)}).status_code == 403
    page = vera.get("/agents/team").get_data(as_text=True)
    assert 'data-agent="anna"' in page
    bad = vera.post(f"/agents/team/{anna_id}", data={"languages": [], "channels": ["chat"], "csrf_token": _csrf(vera)},
                    headers={"Accept": "application/json"})
    assert bad.status_code == 400
    ok = vera.post(f"/agents/team/{anna_id}", data={"languages": ["en", "xx"], "channels": ["phone"],
                                                   "csrf_token": _csrf(vera)}, headers={"Accept": "application/json"})
    assert ok.status_code == 200 and ok.get_json() == {"languages": ["en"], "channels": ["phone"]}
    with sessions_of(console_app)() as s:
        a = s.get(AgentAccount, anna_id)
        assert (a.languages, a.channels) == ("en", "phone")
    assert vera.post("/agents/team/9999", data={"languages": ["hu"], "channels": ["chat"],
                                                "csrf_token": _csrf(vera)}).status_code == 404


@pytest.mark.parametrize("presence", ["busy", "away"])
def test_only_available_agents_are_offered_cases(console_app, presence):
    anna = _agent(console_app, "anna")
    _available(anna, presence)
    create_escalation_via_api(console_app.test_client(), conversation_id="nobody", idempotency_key="chat:nobody:1")
    assert _offer(anna) is None

"""A new-code request the backend took is a statistics event (topic new_code_completed, docs/agents.md:
"new codes by the bot"), sent with the account so the gateway can key repeat contacts (it keeps only a
keyed digest); a refused or failed request reports nothing; a broken gateway never costs the answer."""
from __future__ import annotations

import asyncio
from typing import List, Optional, Tuple

from dialogue_fakes import DOMAIN, FakeCredentials, tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import conversation_events
from actions.email_address import sealed
from actions.gateway_client import GatewayUnavailable
from actions.new_code import ActionRequestNewCode
from kernel.contracts import ConversationEvent


class FakeEventsGateway:
    def __init__(self, down: bool = False) -> None:
        self.down = down
        self.events: List[Tuple[ConversationEvent, Optional[str]]] = []

    def __call__(self) -> "FakeEventsGateway":
        return self

    async def record_conversation_event(self, event: ConversationEvent, account: Optional[str] = None) -> None:
        if self.down:
            raise GatewayUnavailable("HTTP 503")
        self.events.append((event, account))


def run(action, trk):
    async def go():
        dispatcher = CollectingDispatcher()
        await action.run(dispatcher, trk, DOMAIN)
        await conversation_events.drain()
        return [m.get("response") for m in dispatcher.messages]
    return asyncio.run(go())


def ready(channel="chat"):
    return tracker(slots={"username": "kisspista77", "email": sealed("kiss.pista@gmail.com"), "channel": channel,
                          "language": "hu"}, sender_id="web-7")


def test_a_completed_chat_request_reports_the_topic_and_the_account():
    gateway = FakeEventsGateway()
    answers = run(ActionRequestNewCode(FakeCredentials(), gateway), ready())
    assert answers == ["utter_new_code_requested"]
    assert gateway.events == [
        (ConversationEvent("web-7", "chat", "hu", "topic", "new_code_completed"), "kisspista77"),
        (ConversationEvent("web-7", "chat", "hu", "started"), "kisspista77"),
    ]


def test_on_the_phone_only_the_topic_the_line_keys_the_caller_itself():
    gateway = FakeEventsGateway()
    run(ActionRequestNewCode(FakeCredentials(), gateway), ready("phone"))
    assert [e.kind for e, _ in gateway.events] == ["topic"]


def test_refused_or_failed_requests_report_nothing():
    for backend in (FakeCredentials(rejects="username"), FakeCredentials(down=True)):
        gateway = FakeEventsGateway()
        run(ActionRequestNewCode(backend, gateway), ready())
        assert gateway.events == []


def test_a_broken_gateway_never_costs_the_answer():
    assert run(ActionRequestNewCode(FakeCredentials(), FakeEventsGateway(down=True)), ready()) == \
        ["utter_new_code_requested"]

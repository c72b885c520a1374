"""bot/channels.py with the action server down (issue #12, "While a process is down, every user gets
the fallback"): found by hand on a fresh clone's `make run` — with the action server killed, the
widget's "lejárt a kódom" then the username (a form turn, all custom actions) answered an empty
list: Rasa's processor catches the failed action call, logs it and ends the turn with nothing said,
so the widget showed nothing and the phone line re-prompted "not understood". Now a turn whose
custom action call failed and that said nothing is "assistant unavailable": 503 on the REST channel
(the phone line's keypad menu), ``helpdesk_error`` with the apology and the S11 help line on the
widget's socket.io channel. A turn that did answer (a response-only rule while
``action_validate_slot_mappings`` fails) is answered as before.

A real Rasa agent (a tiny keyword model with one custom action, trained in seconds) with the
project's credentials.yml and endpoints.yml; the action server is an address where nothing listens.
"""
from __future__ import annotations

import asyncio
import logging
import pathlib

import httpx
import pytest

from bot.channels import CHANNEL_SECRET_HEADER
from tests.unit.engine.test_channels_real_agent import CHANNEL_SECRET, train_tiny_model
from tests.unit.engine.test_channels_resend import Rasa, Widget, rasa_env  # noqa: F401 - the fixture

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def action_model(tmp_path_factory) -> pathlib.Path:
    return train_tiny_model(tmp_path_factory.mktemp("action_bot"), "action", domain="""\
        version: "3.1"
        intents: [greet, expired]
        actions: [action_new_code]
        responses:
          utter_greet: [{text: "Szia!"}]
        session_config: {session_expiration_time: 60, carry_over_slots_to_new_session: true}
        """, config="""\
        recipe: default.v1
        language: hu
        assistant_id: action_down_test
        pipeline: [{name: WhitespaceTokenizer}, {name: KeywordIntentClassifier}]
        policies: [{name: RulePolicy}]
        """, data="""\
        version: "3.1"
        nlu:
        - intent: greet
          examples: |
            - szia
            - hello
        - intent: expired
          examples: |
            - lejárt
            - lejárt a kódom
        rules:
        - rule: greet
          steps: [{intent: greet}, {action: utter_greet}]
        - rule: expired
          steps: [{intent: expired}, {action: action_new_code}]
        """)


def test_a_turn_whose_action_call_failed_and_said_nothing_is_a_503_on_the_rest_channel(action_model, rasa_env):
    async def scenario():
        async with Rasa(action_model) as rasa:
            async with httpx.AsyncClient(timeout=30) as client:
                def turn(text):
                    return client.post(f"{rasa.base}/webhooks/helpdesk/webhook", headers={CHANNEL_SECRET_HEADER: CHANNEL_SECRET},
                                       json={"sender": "caller-1", "message": text,
                                             "metadata": {"channel": "phone", "language": "hu"}})
                return await turn("szia"), await turn("lejárt a kódom"), await turn("szia")

    greeted, failed, again = asyncio.run(scenario())
    assert greeted.status_code == 200 and [m["text"] for m in greeted.json()] == ["Szia!"]
    assert failed.status_code == 503, failed.text
    assert failed.json() == {"error": "assistant_unavailable", "message": "the assistant could not handle the message"}
    assert again.status_code == 200 and [m["text"] for m in again.json()] == ["Szia!"]  # the conversation goes on


def test_a_turn_whose_action_call_failed_and_said_nothing_is_a_helpdesk_error_on_the_widget(action_model, rasa_env,
                                                                                             caplog):
    caplog.set_level(logging.WARNING)

    async def scenario():
        async with Rasa(action_model) as rasa:
            widget = Widget(rasa.base)
            await widget.start()
            await widget.say("lejárt a kódom", "m1")
            error = await widget.next("helpdesk_error")
            await widget.say("szia", "m2")
            answer = await widget.next("bot_uttered")
            await widget.stop()
            return error, answer, widget.named("bot_uttered")

    error, answer, more = asyncio.run(scenario())
    assert error["error"] == "assistant_unavailable" and error["client_message_id"] == "m1"
    assert "189" in error["message"], error  # the S11 help line
    assert answer["text"] == "Szia!" and more == []
    assert not [r for r in caplog.records if r.name == "bot.channels" and r.exc_info]  # a warning, no traceback

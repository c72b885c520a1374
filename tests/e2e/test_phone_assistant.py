"""Speech through the real assistant (Rasa + action server, tests/fixtures/rasa_services.py) on a live
gateway: the shared dialogue scripts replayed on the phone, both languages, the hand-off to a person,
and Rasa stopped mid-call (the keypad menu keeps serving)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.dialogues.scripts import expectation_met, load_dialogues

pytestmark = pytest.mark.slow


@pytest.fixture
def line(phone_line_factory, rasa_stack):
    return phone_line_factory(rasa_url=rasa_stack.url, credentials_url=rasa_stack.credentials_url,
                              IVR={"rasa_timeout": 8.0})


def _latest_intent(stack, sender: str) -> str | None:
    return ((stack.tracker(sender).get("latest_message") or {}).get("intent") or {}).get("name")


@pytest.mark.parametrize("dialogue", load_dialogues("phone"), ids=lambda d: d.name)
def test_phone_replays_the_shared_dialogue(line, rasa_stack, dialogue):
    call = line.call()
    call.dial()
    if dialogue.language == "en":
        call.press("9")
    for number, step in enumerate(dialogue.steps, 1):
        if step.say is not None:
            call.say(step.say)
            intent = _latest_intent(rasa_stack, call.call_sid)
        else:
            call.press(step.press)
            intent = None
        assert expectation_met(step.expect, intent, call.says), (
            f"{dialogue.name} step {number}: expected {step.expect}, intent {intent!r}, heard {call.says}")
        if call.gather is not None:
            assert call.gather.attrib["language"].startswith(dialogue.language)


@pytest.mark.parametrize("lang, speech", [("hu", "lejárt az aktiváló kódom"), ("en", "my activation code expired")])
def test_speech_answers_are_spoken_in_the_callers_language_without_markup(line, rasa_stack, lang, speech):
    call = line.call()
    call.dial()
    if lang == "en":
        call.press("9")
    call.say(speech)
    metadata = (rasa_stack.tracker(call.call_sid).get("latest_message") or {}).get("metadata") or {}
    assert metadata.get("channel") == "phone" and metadata.get("language") == lang
    says = call.last.root.findall(".//Say")
    assert says and all(s.attrib["language"].startswith(lang) for s in says)
    spoken = " ".join(call.says)
    for markup in ("**", "](", "http", "<"):
        assert markup not in spoken


def test_handoff_from_the_assistant_queues_the_caller_with_one_escalation(phone_line_factory, rasa_stack_factory,
                                                                        rasa_stack):
    from agents.models import Escalation
    from gateway import sessions_of
    from tests.fixtures.gateway_services import SERVICE_TOKEN

    line = phone_line_factory(credentials_url=rasa_stack.credentials_url, IVR={"rasa_timeout": 8.0})
    stack = rasa_stack_factory(credentials_url=rasa_stack.credentials_url,
                               credentials_token=rasa_stack.credentials.service_token,
                               gateway_url=line.url, gateway_token=SERVICE_TOKEN)
    line.use_assistant(stack.url)
    call = line.call()
    call.dial()
    call.say("ügyintézővel szeretnék beszélni")
    for answer in ("igen", "igen, kérem"):
        if call.enqueue is not None:
            break
        call.say(answer)
    assert call.enqueue is not None and call.enqueue.text == "helpdesk-hu", call.heard
    with sessions_of(line.app)() as session:
        found = session.scalars(select(Escalation).where(Escalation.conversation_id == call.call_sid)).all()
    assert len(found) == 1 and found[0].channel == "phone"
    # The phone line opened the case itself, with its own transcript of the call.
    assert "ügyintézővel szeretnék beszélni" in [t["text"] for t in found[0].transcript if t["role"] == "user"]

    # Rasa stopped mid-call: the next caller's speech falls back to the keypad menu, which still serves.
    other = line.call()
    other.dial()
    stack.stop()
    other.say("lejárt a kódom")
    assert other.gather.attrib["input"] == "dtmf"
    other.press("1")
    assert "5 napig" in other.text()

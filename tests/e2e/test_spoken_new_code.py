"""Issue #13 end to end, per language: the caller says the problem, spells the username and says the
e-mail address inside the conversation (the assistant's new-code form, not the keypad branch),
confirms, and the new-code mail is in the SMTP sink (S4, S5, S8); the same dialogue script
(tests/dialogues/spoken_new_code_*.yml) replays over chat.

Real processes: Rasa and the action server (trained model), the credentials backend and the SMTP sink
(tests/fixtures/rasa_services.py); the phone line is a live gateway driven like Twilio
(tests/fixtures/phone_driver.py), with the recogniser's confidence on every turn."""
from __future__ import annotations

import time
import uuid

import pytest

from tests.dialogues.scripts import Dialogue, expectation_met, load_dialogues
from tests.fixtures.mail_services import extract_code

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

SCRIPTS = [d for d in load_dialogues() if d.account and d.expect_new_code_mail]
_REGISTERED: set[str] = set()


def _account(stack, dialogue: Dialogue) -> str:
    """The dialogue's account, registered once per test session; its first code mail taken out."""
    account = dialogue.account
    if account["username"] not in _REGISTERED:
        stack.credentials.register(account["username"], account["legal_name"], account["email"], dialogue.language)
        stack.credentials.sink.wait_for_mail(account["email"], timeout=30)
        _REGISTERED.add(account["username"])
    return account["email"]


def _new_code_arrives(stack, email: str) -> None:
    """A new code mail to ``email`` (a request also sends a notice mail, which is skipped)."""
    deadline = time.monotonic() + 60
    while True:
        mail = stack.credentials.sink.wait_for_mail(email, timeout=max(1.0, deadline - time.monotonic()))
        try:
            assert extract_code(mail)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise


def _latest_intent(stack, sender: str) -> str | None:
    return ((stack.tracker(sender).get("latest_message") or {}).get("intent") or {}).get("name")


def _nothing_in_clear(stack, sender: str, email: str) -> None:
    """The address never rests in clear in the tracker (the channels seal it)."""
    assert email not in str(stack.tracker(sender))


@pytest.fixture
def line(phone_line_factory, rasa_stack):
    return phone_line_factory(rasa_url=rasa_stack.url, credentials_url=rasa_stack.credentials_url,
                              IVR={"rasa_timeout": 8.0})


@pytest.mark.parametrize("dialogue", SCRIPTS, ids=lambda d: d.name)
def test_new_code_by_voice_inside_the_conversation(line, rasa_stack, dialogue):
    email = _account(rasa_stack, dialogue)
    call = line.call()
    call.dial()
    if dialogue.language == "en":
        call.press("9")
    for number, step in enumerate(dialogue.steps, 1):
        if step.say is not None:
            call.say(step.say, confidence=0.87)
        else:
            call.press(step.press)
        heard = call.says  # what this answer's TwiML says
        intent = _latest_intent(rasa_stack, call.call_sid) if step.say is not None else None
        assert expectation_met(step.expect, intent, heard), (
            f"{dialogue.name} step {number} ({step.say or step.press!r}): expected {step.expect}, "
            f"intent {intent!r}, heard {heard}")
        assert call.gather is not None and call.gather.attrib["language"].startswith(dialogue.language)
    _new_code_arrives(rasa_stack, email)
    _nothing_in_clear(rasa_stack, call.call_sid, email)


@pytest.mark.parametrize("dialogue", SCRIPTS, ids=lambda d: d.name)
def test_the_same_dialogue_replays_over_chat(rasa_stack, dialogue):
    email = _account(rasa_stack, dialogue)
    sender = f"chat-{dialogue.name}-{uuid.uuid4().hex[:8]}"
    for number, step in enumerate(dialogue.steps, 1):
        if step.say is None:
            continue  # keys are the phone's
        replies = rasa_stack.say(sender, step.say, {"channel": "chat", "language": dialogue.language})
        texts = [r.get("text") or "" for r in replies]
        intent = _latest_intent(rasa_stack, sender)
        assert expectation_met(step.expect, intent, texts), (
            f"{dialogue.name} step {number} ({step.say!r}): expected {step.expect}, intent {intent!r}, said {texts}")
    _new_code_arrives(rasa_stack, email)
    _nothing_in_clear(rasa_stack, sender, email)

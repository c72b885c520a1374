"""End to end over the helpdesk REST channel: a user without a code gets a new one by mail (S4, S5, S8).

Real processes: Rasa and the action server (engine env, trained model), the credentials backend and
the SMTP sink (tests/fixtures/rasa_services.py). The conversation is checked through Rasa's tracker
(form slots), not through response wording, so rephrased answers do not break it.
"""
from __future__ import annotations

import pathlib
import uuid

import httpx
import pytest

from tests.fixtures.mail_services import extract_code

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOMAIN = ROOT / "domain.yml"

pytestmark = [
    pytest.mark.slow,
    # The first test also pays for the session's Rasa start-up (minutes on a busy 2-core machine).
    pytest.mark.timeout(900),
    pytest.mark.skipif(
        not DOMAIN.exists() or "new_code_form" not in DOMAIN.read_text(encoding="utf-8"),
        reason="the dialogue (domain.yml with new_code_form) has not landed yet",
    ),
]

NEW_PASSWORD = "Hosszu-Tavaszi-Jelszo-2024"


def _slots(stack, sender: str) -> dict:
    return stack.tracker(sender)["slots"]


def _register(stack, language: str) -> tuple[str, str]:
    """A fresh pending account with a username as people choose them; its first code mail is
    taken out of the sink. (Fixed values: the session backend is fresh for every test session.)"""
    if language == "hu":
        username, legal, email = "kovacsanna85", "Kovács Anna", "anna.kovacs85@example.hu"
    else:
        username, legal, email = "johnsmith77", "John Smith", "john.smith77@example.com"
    stack.credentials.register(username, legal, email, language)
    stack.credentials.sink.wait_for_mail(email, timeout=20)
    return username, email


def _activate(stack, username: str, code: str) -> httpx.Response:
    return stack.credentials.post(
        "/api/v1/activate", {"username": username, "code": code, "new_password": NEW_PASSWORD}
    )


def _new_code_conversation(stack, sender: str, lines: dict, username: str, email: str, language: str) -> None:
    stack.say(sender, lines["problem"])
    slots = _slots(stack, sender)
    assert slots["language"] == language
    assert slots["requested_slot"] == "username", stack.tracker(sender)["latest_message"]

    stack.say(sender, lines["username"].format(username=username))
    assert _slots(stack, sender)["requested_slot"] == "email"

    replies = stack.say(sender, lines["email"].format(email=email))
    slots = _slots(stack, sender)
    assert slots["requested_slot"] == "email_confirmed"
    # The address is read back masked, never in full.
    assert email not in " ".join(r.get("text") or "" for r in replies)

    stack.say(sender, lines["yes"])
    slots = _slots(stack, sender)
    assert slots["requested_slot"] is None
    assert stack.tracker(sender).get("active_loop", {}).get("name") in (None, "")


def _code_arrives_and_activates(stack, username: str, email: str) -> None:
    mail = stack.credentials.sink.wait_for_mail(email, timeout=30)
    code = extract_code(mail)
    response = _activate(stack, username, code)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "active"


HUNGARIAN = {
    "problem": "nem kaptam meg a kódot",
    "username": "{username}",
    "email": "{email}",
    "yes": "igen",
}
ENGLISH = {
    "problem": "I never received the activation code",
    "username": "{username}",
    "email": "{email}",
    "yes": "yes",
}


def test_new_code_requested_in_hungarian_chat_arrives_and_activates(rasa_stack):
    username, email = _register(rasa_stack, "hu")
    _new_code_conversation(rasa_stack, f"hu-{uuid.uuid4().hex}", HUNGARIAN, username, email, "hu")
    _code_arrives_and_activates(rasa_stack, username, email)


def test_new_code_requested_in_english_chat_arrives_and_activates(rasa_stack):
    username, email = _register(rasa_stack, "en")
    _new_code_conversation(rasa_stack, f"en-{uuid.uuid4().hex}", ENGLISH, username, email, "en")
    _code_arrives_and_activates(rasa_stack, username, email)


def test_secret_is_redacted_before_storage_in_the_running_assistant(rasa_stack):
    """A code and a password typed into the chat are stored only as REDACTEDSECRET (S7, S8)."""
    sender = f"secret-{uuid.uuid4().hex}"
    code, password = "K7QM-3XPA-9TDE-W2HF", "Tavasz2024!!"
    rasa_stack.say(sender, f"a kódom {code.lower()}", {"channel": "chat", "language": "hu"})
    rasa_stack.say(sender, f"my password is {password}")

    tracker = rasa_stack.tracker(sender)
    user_events = [e for e in tracker["events"] if e["event"] == "user"]
    assert [e["text"] for e in user_events] == ["a kódom REDACTEDSECRET", "my password is REDACTEDSECRET"]
    assert [e["metadata"]["redacted"] for e in user_events] == [["code"], ["password"]]
    assert all(e["input_channel"] == "helpdesk" for e in user_events)

    everything = str(tracker) + (rasa_stack.tracker_db.read_bytes().decode("utf-8", "replace")
                                 if rasa_stack.tracker_db and rasa_stack.tracker_db.exists() else "")
    everything += rasa_stack.log_text()
    for secret in (code, code.lower(), password, "Tavasz2024"):
        assert secret not in everything


def test_helpdesk_channel_rejects_bad_input_with_400(rasa_stack):
    for body in ({"message": "szia"}, {"sender": "s", "message": 5}, {"sender": "s", "message": "a" * 5001}):
        response = httpx.post(rasa_stack.rest_url, json=body, headers=rasa_stack.channel_headers, timeout=10)
        assert response.status_code == 400
        assert response.json()["error"]


def test_stock_channels_that_would_store_raw_text_are_not_served(rasa_stack):
    """Only the redacting channels take user text (S7, S8): Rasa's stock REST webhook is absent."""
    response = httpx.post(f"{rasa_stack.url}/webhooks/rest/webhook", json={"sender": "s", "message": "pw: x1"},
                          timeout=10)
    assert response.status_code == 404
    assert httpx.get(f"{rasa_stack.url}/webhooks/helpdesk_socketio/", timeout=10).json() == {"status": "ok"}


def test_the_running_assistant_states_the_code_lifetime_and_contacts_from_the_kernel(rasa_stack):
    """action_session_start (action server) set the facts that Rasa fills into its texts (S4, S11)."""
    from kernel.facts import CONTACTS, code_ttl_days

    sender = f"facts-{uuid.uuid4().hex}"
    lifetime = " ".join(r.get("text") or "" for r in rasa_stack.say(sender, "meddig érvényes az aktiváló kód?",
                                                                  {"channel": "chat", "language": "hu"}))
    assert f"{code_ttl_days()} napig" in lifetime, lifetime
    contacts = " ".join(r.get("text") or "" for r in rasa_stack.say(sender, "hogyan érem el az ügyfélvonalat?"))
    assert CONTACTS.phone_abroad in contacts and CONTACTS.email in contacts, contacts
    assert "{" not in lifetime + contacts and "None" not in lifetime + contacts
    assert _slots(rasa_stack, sender)["code_ttl_days"] == str(code_ttl_days())

"""action_session_start fills the facts of the letter that domain.yml's responses quote: the code
lifetime from CODE_TTL_DAYS (S4, S8), the S11 contacts and the S10 forum from kernel.facts."""
from __future__ import annotations

import re

import pytest
from dialogue_fakes import DOMAIN, rendered, run, slot_values, tracker

from actions.session import FACT_SLOTS, ActionSessionStart, fact_slots
from kernel.facts import CONTACTS, FORUM_URL
from kernel.settings import SettingsError

LIFETIME_BY_HAND = re.compile(r"\b(5|öt|five)\s+(nap|days?)", re.IGNORECASE)
COMBINATIONS = [("hu", "chat"), ("hu", "phone"), ("en", "chat"), ("en", "phone")]


def session_slots(monkeypatch, **env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    events, responses, _ = run(ActionSessionStart(), tracker(text=""))
    assert responses == []
    return slot_values(events)


def every_rendering(slots):
    """(response, language, channel, text) for every response of domain.yml as Rasa renders it."""
    for name in sorted(DOMAIN["responses"]):
        for language, channel in COMBINATIONS:
            yield name, language, channel, rendered(name, language=language, channel=channel, **slots)


def test_with_code_ttl_days_7_every_lifetime_says_7_and_none_says_5_days(monkeypatch):
    slots = session_slots(monkeypatch, CODE_TTL_DAYS="7")
    assert slots["code_ttl_days"] == "7"
    stating = set()
    for name, language, channel, text in every_rendering(slots):
        assert not LIFETIME_BY_HAND.search(text), f"{name} {language}/{channel}: {text}"
        if any("{code_ttl_days}" in v["text"] for v in DOMAIN["responses"][name]):
            assert re.search(r"\b7\s+(nap|days?)", text), f"{name} {language}/{channel}: {text}"
            stating.add(name)
    assert {"utter_code_validity", "utter_code_expired", "utter_forgot_password",
            "utter_new_code_requested"} <= stating


def test_the_contacts_and_the_forum_come_from_kernel_facts(monkeypatch):
    slots = session_slots(monkeypatch)
    assert {slots[s] for s in ("contact_phone", "contact_phone_abroad", "contact_email", "contact_web")} == {
        CONTACTS.phone, CONTACTS.phone_abroad, CONTACTS.email, CONTACTS.web}
    assert slots["forum_url"] == FORUM_URL
    contact = rendered("utter_contact_info", language="en", channel="chat", **slots)
    for value in (CONTACTS.phone, CONTACTS.phone_abroad, CONTACTS.email, CONTACTS.web):
        assert value in contact
    assert FORUM_URL in rendered("utter_forum_info", language="hu", channel="chat", **slots)


def test_no_response_writes_a_contact_or_the_forum_by_hand():
    for name, variations in DOMAIN["responses"].items():
        for variation in variations:
            for fact in (CONTACTS.phone, CONTACTS.phone_abroad, CONTACTS.email, CONTACTS.web, FORUM_URL):
                assert fact not in variation["text"], f"{name}: {fact} written by hand"


def test_every_fact_slot_is_in_the_domain_and_never_steers_the_dialogue():
    for slot in FACT_SLOTS.values():
        assert DOMAIN["slots"][slot]["influence_conversation"] is False
    # listed with `send_domain: true` (endpoints.yml sends the domain only to the actions that read it)
    assert {"action_session_start": {"send_domain": True}} in DOMAIN["actions"]


def test_session_start_carries_the_slots_over_and_listens(monkeypatch):
    monkeypatch.setenv("CODE_TTL_DAYS", "9")
    history = [{"event": "slot", "name": "language", "value": "en"},
               {"event": "slot", "name": "code_ttl_days", "value": "5"}]
    events, _, _ = run(ActionSessionStart(), tracker(text="", events=history))
    assert events[0]["event"] == "session_started"
    assert (events[-1]["event"], events[-1]["name"]) == ("action", "action_listen")
    assert slot_values(events)["language"] == "en"
    # the old session's lifetime is not carried over: it is set once, from today's setting
    assert [e["value"] for e in events if e.get("name") == "code_ttl_days"] == ["9"]


def test_a_bad_code_ttl_days_is_an_error_naming_the_setting(monkeypatch):
    monkeypatch.setenv("CODE_TTL_DAYS", "öt")
    with pytest.raises(SettingsError, match="CODE_TTL_DAYS"):
        run(ActionSessionStart(), tracker(text=""))


def test_without_the_action_server_the_fact_slots_hold_the_letters_values():
    """If action_session_start cannot run (the action server is down), a response still quotes the
    letter's facts, never "None": each fact slot's initial value is kernel.facts' default."""
    defaults = fact_slots("hu", {})
    for slot, value in defaults.items():
        assert str(DOMAIN["slots"][slot].get("initial_value")) == value, slot

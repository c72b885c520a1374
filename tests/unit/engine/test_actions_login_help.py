"""Login troubleshooting (S3, S6, S7): the form's answers and the explanation of the mistake."""
from __future__ import annotations

import asyncio

import pytest
from rasa_sdk.executor import CollectingDispatcher
from dialogue_fakes import run, slot_values, tracker

from actions.login_help import ActionExplainLogin, ValidateLoginHelpForm

FORM = "login_help_form"


def answer(slot, text, intent="inform", slots=None):
    trk = tracker(text=text, intent=intent, slot_events={slot: text}, active_loop=FORM,
                  slots={"requested_slot": slot, **(slots or {})})
    return run(ValidateLoginHelpForm(), trk)


def required_slots(slots):
    trk = tracker(slots=slots, active_loop=FORM)
    return asyncio.run(ValidateLoginHelpForm().required_slots([], CollectingDispatcher(), trk, {}))


def explain(username_kind, password_kind, activated=None):
    return run(ActionExplainLogin(), tracker(slots={"login_username_kind": username_kind,
                                                    "login_password_kind": password_kind,
                                                    "login_activated": activated}))


@pytest.mark.parametrize("said", ["a saját nevemet", "Kiss Pista", "my own name"])
def test_own_name_in_the_username_field_is_recognised_s6(said):
    events, _, _ = answer("login_username_kind", said)
    assert slot_values(events)["login_username_kind"] == "own_name"


def test_own_name_intent_counts_as_own_name_s6():
    events, _, _ = answer("login_username_kind", "hát a nevemet írtam be", intent="own_name_as_username")
    assert slot_values(events)["login_username_kind"] == "own_name"


@pytest.mark.parametrize("said", ["az e-mailben kapott kódot", "the code from the e-mail", "a kodot"])
def test_code_in_the_password_field_is_recognised_s7(said):
    events, _, _ = answer("login_password_kind", said, slots={"login_username_kind": "chosen_username"})
    slots = slot_values(events)
    assert slots["login_password_kind"] == "code"
    assert slots.get("requested_slot", "not ended") is not None  # the form goes on...
    assert "login_activated" in required_slots(slots)  # ...to ask whether a password was ever set (S3)


def test_activation_is_not_asked_when_the_own_password_was_typed():
    events, _, _ = answer("login_password_kind", "a saját jelszavamat", slots={"login_username_kind": "chosen_username"})
    slots = slot_values(events)
    assert slots["login_password_kind"] == "password" and slots["requested_slot"] is None
    assert "login_activated" not in required_slots(slots)


def test_unclear_answer_is_asked_again():
    events, responses, _ = answer("login_password_kind", "valami mást", slots={"login_username_kind": "own_name"})
    assert slot_values(events)["login_password_kind"] is None
    assert responses == ["utter_login_answer_not_understood"]


def test_own_name_with_the_right_password_is_explained_s6_and_retried():
    events, responses, _ = explain("own_name", "password")
    assert responses == ["utter_login_mistake_own_name", "utter_login_try_again"]
    assert slot_values(events)["login_mistake"] == "own_name_as_username"
    assert "offer" not in slot_values(events)


def test_code_typed_as_password_after_activation_is_s7_and_offers_a_new_code():
    events, responses, _ = explain("chosen_username", "code", "yes")
    assert responses == ["utter_login_mistake_code_as_password", "utter_offer_new_code"]
    assert slot_values(events)["offer"] == "new_code"
    assert slot_values(events)["login_mistake"] == "code_as_password"


def test_code_without_activation_explains_activation_s3_and_offers_a_new_code():
    events, responses, _ = explain("chosen_username", "code", "no")
    assert responses == ["utter_login_not_activated", "utter_offer_new_code"]
    assert slot_values(events)["login_mistake"] == "not_activated"


def test_own_name_and_code_are_both_explained():
    _, responses, _ = explain("own_name", "code", "no")
    assert responses == ["utter_login_mistake_own_name", "utter_login_not_activated", "utter_offer_new_code"]


def test_both_fields_right_offers_an_account_check():
    events, responses, _ = explain("chosen_username", "password")
    assert responses == ["utter_login_wrong_password", "utter_offer_account_check"]
    assert slot_values(events)["offer"] == "account_check"


def test_answers_are_cleared_after_the_explanation():
    events, _, _ = explain("chosen_username", "code", "yes")
    slots = slot_values(events)
    assert slots["login_username_kind"] is None and slots["login_password_kind"] is None

"""The new-code and account-check forms on the phone (issue #13): the username spelled as a recogniser
writes it, read back letter by letter and confirmed by voice or key; an unsure yes (Twilio's
Confidence) is asked again; two failed answers end the form with the offer of a person (S1, S6)."""
from __future__ import annotations

import pytest
from dialogue_fakes import DOMAIN, FakeCredentials, rendered, run, slot_values, tracker

from actions.email_address import opened, sealed
from actions.new_code import ActionRequestNewCode, ValidateAccountCheckForm, ValidateNewCodeForm


def phone(slot_events, text="", intent="inform", requested="username", confidence=0.9, slots=None,
          form="new_code_form", language="hu"):
    global LAST
    LAST = tracker(text=text, intent=intent, slot_events=slot_events, active_loop=form,
                   metadata={"channel": "phone", "language": language, "confidence": confidence},
                   slots={"requested_slot": requested, "channel": "phone", "language": language, **(slots or {})})
    return LAST


LAST = None  # the tracker phone() built last (requested() reads its slots)


def requested(events, trk=None):
    """The slot the form asks next: the validation's choice, else (as Rasa's form does) the first of the
    form's required slots still empty."""
    asked = [e["value"] for e in events if e.get("event") == "slot" and e.get("name") == "requested_slot"]
    if asked:
        return asked[-1]
    trk = trk or LAST
    values = {**(trk.slots if trk is not None else {}), **slot_values(events)}
    return next((s for s in DOMAIN["forms"]["new_code_form"]["required_slots"] if values.get(s) is None), None)


@pytest.mark.parametrize("said", [
    "ká pé i es té a hetvenhét",
    "k pista 77",
    "öö K. P. I. S. T. A., hetven hét",
    "k mint Károly, p mint Péter, i mint Ilona, s mint Sándor, t mint Tamás, a mint Aladár, hét hét",
    "a felhasználónevem ká pé i es té á hét hét",
])
@pytest.mark.parametrize("form", [ValidateNewCodeForm, ValidateAccountCheckForm])
def test_spelled_username_is_read_back_letter_by_letter_and_confirmed_first(said, form):
    # the slot holds whatever NLU or from_text made of it: the whole transcript decides
    events, responses, _ = run(form(), phone({"username": said.split()[0]}, text=said,
                                             form="new_code_form" if form is ValidateNewCodeForm else "account_check_form"))
    slots = slot_values(events)
    assert responses == [] and slots["username"] == "kpista77"
    assert slots["username_spelled"] == "k, p, i, s, t, a, 77"
    assert requested(events) == "username_confirmed"  # the yes/no comes before the e-mail
    heard = rendered("utter_ask_username_confirmed", language="hu", channel="phone", **slots)
    # a yes/no question (its phone response is marked answer: yes_no: "igen"/"nem" or the keys 1/2)
    assert "k, p, i, s, t, a, 77" in heard and heard.endswith("Jó így?")


def test_english_spelling_is_read_back_with_english_symbol_names():
    said = "j o h n underscore s seventy seven"
    events, _, _ = run(ValidateNewCodeForm(), phone({"username": said}, text=said, language="en"))
    slots = slot_values(events)
    assert slots["username"] == "john_s77" and slots["username_spelled"] == "j, o, h, n, underscore, s, 77"


def test_chat_asks_no_username_confirmation():
    trk = tracker(text="kisspista77", intent="inform", slot_events={"username": "kisspista77"},
                  active_loop="new_code_form", slots={"requested_slot": "username"})
    events, _, _ = run(ValidateNewCodeForm(), trk)
    # the confirmation is dropped in chat: the e-mail comes next
    assert requested(events, trk) == "email"


def test_yes_goes_on_to_the_email_and_no_spells_again():
    slots = {"username": "kpista77", "username_spelled": "k, p, i, s, t, a, 77"}
    events, _, _ = run(ValidateNewCodeForm(), phone({"username_confirmed": True}, text="igen", intent="affirm",
                                                    requested="username_confirmed", slots=slots))
    assert slot_values(events)["username_confirmed"] is True and requested(events) == "email"
    events, _, _ = run(ValidateNewCodeForm(), phone({"username_confirmed": False}, text="nem", intent="deny",
                                                    requested="username_confirmed", slots=slots))
    assert slot_values(events)["username"] is None and requested(events) == "username"


def test_a_yes_the_recogniser_was_unsure_of_is_asked_again_not_taken():
    slots = {"username": "kpista77", "username_spelled": "k, p, i, s, t, a, 77"}
    events, _, _ = run(ValidateNewCodeForm(), phone({"username_confirmed": True}, text="igen", intent="affirm",
                                                    requested="username_confirmed", slots=slots, confidence=0.4))
    assert slot_values(events)["username_confirmed"] is None and requested(events) == "username_confirmed"
    events, _, _ = run(ValidateNewCodeForm(), phone(
        {"email_confirmed": True}, text="igen", intent="affirm", requested="email_confirmed", confidence=0.4,
        slots={**slots, "username_confirmed": True, "email": sealed("kiss.pista@gmail.com")}))
    assert slot_values(events)["email_confirmed"] is None and requested(events) == "email_confirmed"


@pytest.mark.parametrize("said", ["a b c", "hét hét hét hét", "nem tudom"])
def test_impossible_username_gets_a_clear_reprompt(said):
    events, responses, _ = run(ValidateNewCodeForm(), phone({"username": said}, text=said))
    assert responses == ["utter_invalid_username"] and slot_values(events)["username"] is None
    heard = rendered("utter_invalid_username", language="hu", channel="phone")
    assert "betűzze" in heard and "szóköz" not in heard  # a caller cannot control spaces


def test_address_without_kukac_gets_a_clear_reprompt():
    said = "kiss pont pista gmail pont com"
    events, responses, _ = run(ValidateNewCodeForm(), phone({"email": said}, text=said, requested="email",
                                                            slots={"username": "kpista77", "username_confirmed": True}))
    assert responses == ["utter_invalid_email"] and slot_values(events)["email"] is None
    assert "kukac" in rendered("utter_invalid_email", language="hu", channel="phone")
    assert " at " in rendered("utter_invalid_email", language="en", channel="phone")


def test_spoken_address_is_sealed_and_read_back_masked():
    said = "kiss pont pista kukacos gmail pont com"
    events, responses, _ = run(ValidateNewCodeForm(), phone({"email": said}, text=said, requested="email",
                                                            slots={"username": "kpista77", "username_confirmed": True}))
    slots = slot_values(events)
    assert responses == [] and opened(slots["email"]) == "kiss.pista@gmail.com" and "pista" not in slots["email"]
    assert requested(events) == "email_confirmed"


def test_two_failed_answers_end_the_form_with_the_offer_of_a_person():
    events, responses, _ = run(ValidateNewCodeForm(), phone({"username": "a b c"}, text="a b c"))
    assert responses == ["utter_invalid_username"] and slot_values(events)["spelling_failures"] == 1
    events, responses, _ = run(ValidateNewCodeForm(), phone({"username": "x y"}, text="x y",
                                                            slots={"spelling_failures": 1.0}))
    assert responses == ["utter_invalid_username", "utter_spelling_failed_offer_handoff"]
    slots = slot_values(events)
    assert slots["offer"] == "handoff" and slots["handoff_reason"] == "new_code_failed"
    assert requested(events) is None and any(e.get("event") == "active_loop" and e.get("name") is None for e in events)
    # the form's "done" rule then runs the request, which says nothing more and asks the backend nothing
    backend = FakeCredentials()
    _, responses, _ = run(ActionRequestNewCode(backend), tracker(slots={"offer": "handoff", "channel": "phone"}))
    assert responses == [] and backend.calls == []


def test_a_no_at_the_email_read_back_counts_as_a_failure():
    slots = {"username": "kpista77", "username_confirmed": True, "email": sealed("kiss.pista@gmail.com"),
             "spelling_failures": 1.0}
    events, responses, _ = run(ValidateNewCodeForm(), phone({"email_confirmed": False}, text="nem", intent="deny",
                                                            requested="email_confirmed", slots=slots))
    assert responses == ["utter_spelling_failed_offer_handoff"]


def test_the_request_resets_the_confirmation_and_the_failures():
    events, responses, _ = run(ActionRequestNewCode(FakeCredentials()), tracker(slots={
        "username": "kpista77", "email": sealed("kiss.pista@gmail.com"), "channel": "phone",
        "username_confirmed": True, "spelling_failures": 1.0}))
    slots = slot_values(events)
    assert responses == ["utter_new_code_requested"]
    assert slots["username_confirmed"] is None and slots["spelling_failures"] == 0


def test_a_username_typed_as_spoken_in_chat_is_read_the_same_way_and_confirmed():
    """The same dialogue replays over chat: "k pista 77" typed is the spoken spelling, and is read back."""
    trk = tracker(text="ká pé i es té a hetvenhét", intent="inform", slot_events={"username": "ká pé i es té a hetvenhét"},
                  active_loop="new_code_form", slots={"requested_slot": "username"})
    events, responses, _ = run(ValidateNewCodeForm(), trk)
    slots = slot_values(events)
    assert responses == [] and slots["username"] == "kpista77" and slots["username_spelled"] == "k, p, i, s, t, a, 77"
    assert requested(events, trk) == "username_confirmed"

"""The new-code flow's actions (S4, S5, S6, S8) against a fake credentials backend."""
from __future__ import annotations

import pytest
from dialogue_fakes import FakeCredentials, rendered, run, slot_values, tracker

from actions.email_address import opened, sealed
from actions.new_code import ActionRequestNewCode, ValidateAccountCheckForm, ValidateNewCodeForm

FORM = "new_code_form"


def form_tracker(slot_events, text="", intent="inform", entities=None, slots=None, requested="username"):
    return tracker(text=text, intent=intent, entities=entities, slot_events=slot_events, active_loop=FORM,
                   slots={"requested_slot": requested, **(slots or {})})


def ready(**slots):
    base = {"username": "kisspista77", "email": "kiss.pista@gmail.com", "email_confirmed": True}
    base.update(slots)
    base["email"] = sealed(base["email"])  # the slot holds the address only sealed (kernel.sealing)
    return tracker(text="igen", intent="affirm", slots=base)


# --- action_request_new_code ------------------------------------------------------------------
def test_new_code_answer_is_identical_for_unknown_account():
    backend = FakeCredentials(accounts={"kisspista77": "kiss.pista@gmail.com"})
    known = run(ActionRequestNewCode(backend), ready())
    unknown = run(ActionRequestNewCode(backend), ready(username="nincsilyen99"))
    wrong_mail = run(ActionRequestNewCode(backend), ready(email="mas@example.com"))
    assert backend.outcomes == ["sent", "no_match", "no_match"]  # the fake did tell them apart...
    assert backend.codes_sent == ["kisspista77"]
    assert known[0] == unknown[0] == wrong_mail[0]  # ...the user cannot
    assert known[2] == unknown[2] == wrong_mail[2]
    assert known[1] == ["utter_new_code_requested"]


def test_new_code_answer_follows_the_backends_outcome_not_a_fixed_text():
    """Sent, refused (4xx) and down are three paths: an action that ignored the outcome would say one thing."""
    answers = {}
    for name, backend in {"sent": FakeCredentials(accounts={"kisspista77": "kiss.pista@gmail.com"}),
                          "rejected": FakeCredentials(rejects="username"),
                          "down": FakeCredentials(down=True)}.items():
        events, responses, _ = run(ActionRequestNewCode(backend), ready())
        assert backend.outcomes == [name] and len(backend.calls) == 1
        answers[name] = (responses, slot_values(events))
    assert answers["sent"][0] == ["utter_new_code_requested"]
    assert answers["rejected"][0] == ["utter_details_rejected"]
    assert answers["rejected"][1]["username"] is None  # the refused details are asked again
    assert answers["down"][0] == ["utter_backend_down", "utter_offer_handoff"]


def test_new_code_request_carries_chat_channel_and_conversation_as_source():
    backend = FakeCredentials()
    run(ActionRequestNewCode(backend), tracker(slots={"username": "u1", "email": sealed("a@b.hu")}, sender_id="web-42"))
    assert backend.calls == [("reset", "u1", "a@b.hu", "chat", "web-42")]


def test_new_code_request_from_the_phone_line_says_phone():
    backend = FakeCredentials()
    run(ActionRequestNewCode(backend), tracker(slots={"username": "u1", "email": sealed("a@b.hu"), "channel": "phone"}))
    assert backend.calls[0][3] == "phone"


def test_new_code_backend_down_apologises_and_offers_a_person():
    events, responses, _ = run(ActionRequestNewCode(FakeCredentials(down=True)), ready())
    assert responses == ["utter_backend_down", "utter_offer_handoff"]
    slots = slot_values(events)
    assert slots["offer"] == "handoff" and slots["handoff_reason"] == "backend_down"
    assert "utter_new_code_requested" not in responses


def test_new_code_action_never_raises_on_an_unexpected_error():
    events, responses, _ = run(ActionRequestNewCode(FakeCredentials(broken=True)), ready())
    assert responses == ["utter_backend_down", "utter_offer_handoff"]
    assert slot_values(events)["offer"] == "handoff"


def test_email_is_forgotten_once_the_new_code_is_requested():
    events, _, _ = run(ActionRequestNewCode(FakeCredentials()), ready())
    slots = slot_values(events)
    assert slots["email"] is None and slots["email_masked"] is None and slots["email_confirmed"] is None


def test_new_code_is_never_requested_without_username_and_email():
    backend = FakeCredentials()
    _, responses, _ = run(ActionRequestNewCode(backend), tracker(slots={"username": "u1"}))
    assert backend.calls == [] and responses == ["utter_default"]


# --- validate_new_code_form ----------------------------------------------------------------------
def test_username_that_looks_like_own_name_gets_s6_explanation():
    events, responses, _ = run(ValidateNewCodeForm(), form_tracker({"username": "Kiss Pista"}, text="Kiss Pista"))
    assert responses == ["utter_username_looks_like_own_name"]
    slots = slot_values(events)
    assert slots["username"] is None and slots["person_name_given"] is True


def test_username_tagged_as_person_name_gets_s6_explanation():
    entities = [{"entity": "person_name", "value": "Nagy Béla"}]
    events, responses, _ = run(ValidateNewCodeForm(),
                               form_tracker({"username": "Nagy Béla vagyok"}, text="Nagy Béla vagyok", entities=entities))
    assert responses == ["utter_username_looks_like_own_name"]
    assert slot_values(events)["username"] is None


@pytest.mark.parametrize("said,username", [
    ("kisspista77", "kisspista77"),
    ("a felhasználónevem kovacsanna88", "kovacsanna88"),
    ("my username is john_smith", "john_smith"),
])
def test_username_is_taken_from_the_answer(said, username):
    events, responses, _ = run(ValidateNewCodeForm(), form_tracker({"username": said}, text=said))
    assert responses == [] and slot_values(events)["username"] == username


@pytest.mark.parametrize("said", ["igen", "kiss.pista@gmail.com", "ez meg az meg amaz 12"])
def test_answer_that_is_no_username_is_asked_again(said):
    events, responses, _ = run(ValidateNewCodeForm(), form_tracker({"username": said}, text=said))
    assert responses == ["utter_invalid_username"] and slot_values(events)["username"] is None


def test_spoken_email_is_normalised_and_read_back_masked():
    said = "kiss pont pista kukac gmail pont com"
    events, responses, _ = run(ValidateNewCodeForm(), form_tracker({"email": said}, text=said, requested="email"))
    slots = slot_values(events)
    assert responses == []
    assert opened(slots["email"]) == "kiss.pista@gmail.com" and "pista" not in slots["email"]
    assert slots["email_masked"] == "ki***@g***.com"
    assert slots["email_confirmed"] is None  # the form reads it back next


def test_spoken_email_is_read_from_the_whole_message_when_nlu_tagged_only_a_part():
    said = "kiss pista kukac example pont hu"
    events, responses, _ = run(ValidateNewCodeForm(), form_tracker({"email": "kiss pista"}, text=said,
                                                                   requested="email"))
    assert responses == [] and opened(slot_values(events)["email"]) == "kisspista@example.hu"


def test_phone_caller_hears_the_masked_email_as_a_sentence():
    said = "kiss pista kukac gmail pont com"
    events, _, _ = run(ValidateNewCodeForm(), form_tracker({"email": said}, text=said, requested="email",
                                                           slots={"channel": "phone"}))
    masked = rendered("utter_ask_email_confirmed", language="hu", channel="phone", **slot_values(events))
    assert "kukac" in masked and "gmail" not in masked and "*" not in masked


def test_invalid_email_is_asked_again():
    events, responses, _ = run(ValidateNewCodeForm(), form_tracker({"email": "kiss pista gmail"}, requested="email"))
    assert responses == ["utter_invalid_email"] and slot_values(events)["email"] is None


def test_no_at_the_read_back_asks_for_the_email_again():
    events, _, _ = run(ValidateNewCodeForm(), form_tracker(
        {"email_confirmed": False}, text="nem", intent="deny", requested="email_confirmed",
        slots={"username": "kisspista77", "email": sealed("kiss.pista@gmail.com"), "email_masked": "ki***@g***.com"}))
    slots = slot_values(events)
    assert slots["email"] is None and slots["email_confirmed"] is None


def test_correction_with_a_new_address_is_read_back_again():
    events, _, _ = run(ValidateNewCodeForm(), form_tracker(
        {"email": "anna.k@freemail.hu", "email_confirmed": False}, text="nem, anna.k@freemail.hu", intent="deny",
        requested="email_confirmed", slots={"username": "kisspista77"}))
    slots = slot_values(events)
    assert opened(slots["email"]) == "anna.k@freemail.hu" and slots["email_masked"] == "an***@f***.hu"
    assert slots["email_confirmed"] is None


def test_yes_at_the_read_back_confirms():
    events, _, _ = run(ValidateNewCodeForm(), form_tracker(
        {"email_confirmed": True}, text="igen", intent="affirm", requested="email_confirmed",
        slots={"username": "kisspista77", "email": sealed("kiss.pista@gmail.com")}))
    assert slot_values(events)["email_confirmed"] is True


def test_account_check_form_applies_the_same_s6_check():
    trk = tracker(text="Kiss Pista", intent="inform", slot_events={"username": "Kiss Pista"},
                  active_loop="account_check_form", slots={"requested_slot": "username"})
    _, responses, _ = run(ValidateAccountCheckForm(), trk)
    assert responses == ["utter_username_looks_like_own_name"]


def test_details_confirmed_for_the_account_check_are_not_asked_again_for_the_new_code():
    # new_code_form activated after a diagnosis: the form validates the pre-filled slots at activation
    trk = tracker(text="igen", intent="affirm", active_loop=FORM,
                  slot_events={"username": "kisspista77", "email": sealed("kiss.pista@gmail.com"), "email_confirmed": True})
    events, responses, _ = run(ValidateNewCodeForm(), trk)
    slots = slot_values(events)
    assert responses == []
    assert slots["username"] == "kisspista77" and opened(slots["email"]) == "kiss.pista@gmail.com"
    assert slots["email_confirmed"] is True


def test_fresh_session_ids_do_not_reset_the_rate_limit_source():
    """Each new chat session of one client sends the same client address (the channel's, from a trusted
    hop) beside the session as source, so the backend's per-client limit holds across sessions."""
    from actions.diagnosis import ActionDiagnose
    from dialogue_fakes import FakeGateway

    backend = FakeCredentials()
    for session in ("fresh-1", "fresh-2"):
        trk = tracker(text="igen", intent="affirm", slots={"username": "u1", "email": sealed("a@b.hu")},
                      metadata={"channel": "chat", "client_address": "203.0.113.9"}, sender_id=session)
        run(ActionRequestNewCode(backend), trk)
        run(ActionDiagnose(backend, FakeGateway()), trk)
    assert [c[4] for c in backend.calls] == ["fresh-1", "fresh-1", "fresh-2", "fresh-2"]
    assert backend.client_addresses == ["203.0.113.9"] * 4


def test_the_form_opens_the_channels_seal_and_keeps_the_address_sealed():
    """Medium 6: the text Rasa stored holds the masked address; the seal in the metadata gives the
    address, which goes back into the slot sealed (never in clear) and is read back masked."""
    from kernel.sealing import SEALED_EMAIL_METADATA

    trk = form_tracker({"email": "ki***@g***.com"}, text="ki***@g***.com", requested="email")
    trk.latest_message["metadata"] = {SEALED_EMAIL_METADATA: sealed("kiss.pista@gmail.com")}
    events, responses, _ = run(ValidateNewCodeForm(), trk)
    slots = slot_values(events)
    assert responses == [] and slots["email_masked"] == "ki***@g***.com"
    assert opened(slots["email"]) == "kiss.pista@gmail.com" and "kiss" not in slots["email"]


def test_a_tampered_or_foreign_seal_in_the_slot_sends_nothing():
    backend = FakeCredentials(accounts={"kisspista77": "kiss.pista@gmail.com"})
    trk = tracker(text="igen", intent="affirm",
                  slots={"username": "kisspista77", "email": sealed("kiss.pista@gmail.com")[:-4] + "AAAA",
                         "email_confirmed": True})
    _, responses, _ = run(ActionRequestNewCode(backend), trk)
    assert backend.codes_sent == [] and responses == ["utter_default"]


@pytest.mark.parametrize("value, complaint", [("", "required"), ("short-key", "at least"),
                                              ("change-me-change-me-change-me", "example value")])
def test_the_action_server_reads_the_chat_seal_key_by_the_same_rule_as_rasa(monkeypatch, value, complaint):
    """One rule for CHAT_SEAL_KEY (kernel.sealing.chat_email_sealer_from_env): the action server
    refuses an unset, short or example key exactly as the Rasa channels do, and never echoes it."""
    from actions.email_address import sealer
    from kernel.sealing import SealKeyError

    monkeypatch.setenv("CHAT_SEAL_KEY", value)
    with pytest.raises(SealKeyError, match=complaint) as refused:
        sealer()
    assert value == "" or value not in str(refused.value)

"""action_validate_slot_mappings: language, channel, offer and the misunderstanding counter."""
from __future__ import annotations

from dialogue_fakes import run, slot_values, tracker, user_event

from actions.slot_mappings import ValidateSlotMappings


def mapped(**kw):
    events, _, _ = run(ValidateSlotMappings(), tracker(**kw))
    return slot_values(events)


def test_english_first_message_sets_english():
    assert mapped(text="Hello, I did not get my activation code", intent="code_not_received")["language"] == "en"


def test_hungarian_first_message_keeps_hungarian():
    assert "language" not in mapped(text="nem kaptam meg a kódot", intent="code_not_received")


def test_neutral_first_message_keeps_the_default_hungarian():
    assert "language" not in mapped(text="kisspista77", intent="inform")


def test_speak_english_switches_language():
    history = [user_event("jó napot", "greet")]
    assert mapped(text="angolul kérem", intent="speak_english", events=history)["language"] == "en"


def test_speak_hungarian_switches_back():
    history = [user_event("hello", "greet")]
    got = mapped(text="in Hungarian please", intent="speak_hungarian", events=history, slots={"language": "en"})
    assert got["language"] == "hu"


def test_phone_line_metadata_language_wins_on_the_first_message():
    got = mapped(text="nem kaptam meg a kódot", intent="code_not_received",
                 metadata={"language": "en", "channel": "phone"})
    assert got["language"] == "en" and got["channel"] == "phone"


def test_short_english_words_do_not_switch_a_hungarian_conversation():
    history = [user_event("nem kaptam meg a kódot", "code_not_received")]
    assert "language" not in mapped(text="ok thanks", intent="thank", events=history)


def test_a_whole_english_sentence_later_switches_to_english():
    history = [user_event("szia", "greet")]
    got = mapped(text="I did not get the code in my mail", intent="code_not_received", events=history)
    assert got["language"] == "en"


def test_unchanged_metadata_language_does_not_undo_a_switch():
    meta = {"language": "hu", "channel": "phone"}
    history = [user_event("jó napot", "greet", metadata=meta)]
    got = mapped(text="ok", intent="affirm", events=history, metadata=meta, slots={"language": "en", "channel": "phone"})
    assert "language" not in got


def test_offer_is_cleared_by_any_other_message():
    assert mapped(text="meddig jó a kód", intent="code_validity", slots={"offer": "new_code"})["offer"] is None
    assert "offer" not in mapped(text="igen", intent="affirm", slots={"offer": "new_code"})


def test_failed_understanding_counter_is_reset_by_an_understood_message():
    assert mapped(text="lejárt a kód", intent="code_expired", slots={"failed_understandings": 1.0}) == {
        "failed_understandings": 0.0}
    assert "failed_understandings" not in mapped(text="qqq", intent="nlu_fallback", slots={"failed_understandings": 1.0})

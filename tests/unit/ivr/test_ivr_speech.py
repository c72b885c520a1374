"""The assistant's answers made speakable: sentences split, no markup, lists read as options, and the
assistant's request for a person picked up."""
from __future__ import annotations

import pytest

from ivr.prompts import catalogue
from ivr.speech import MAX_OPTIONS, VoiceFormatter
from kernel.contracts import HandoffRequest


@pytest.fixture
def hu():
    return VoiceFormatter(catalogue("hu"))


def test_markup_emoji_and_links_are_not_read_out(hu):
    reply = hu.format([{"text": "**Figyelem!** A kód _5 napig_ érvényes 🙂. Súgó: [itt](https://www.magyarorszag.hu/segitseg)"}])
    spoken = " ".join(reply.chunks)
    for forbidden in ("**", "_", "🙂", "https", "(", "]"):
        assert forbidden not in spoken
    assert "A kód 5 napig érvényes." in spoken
    assert "Súgó: itt." in spoken


def test_addresses_are_said_in_the_callers_language(hu):
    spoken = " ".join(hu.format([{"text": "Írjon a 189@ugyfelvonal.hu címre vagy nézze meg: www.ugyfelvonal.hu"}]).chunks)
    assert "189 kukac ugyfelvonal pont hu" in spoken
    assert "www pont ugyfelvonal pont hu" in spoken
    en = VoiceFormatter(catalogue("en"))
    assert "189 at ugyfelvonal dot hu" in " ".join(en.format([{"text": "Write to 189@ugyfelvonal.hu"}]).chunks)


def test_redacted_secret_is_never_spoken(hu):
    spoken = " ".join(hu.format([{"text": "A beírt kód REDACTEDSECRET nem jelszó."}]).chunks)
    assert "REDACTEDSECRET" not in spoken


def test_list_items_and_lines_become_sentences(hu):
    sentences = hu.sentences("Lehetőségek:\n- új kód kérése\n- okmányiroda\n1. első")
    assert sentences == ["Lehetőségek:", "új kód kérése.", "okmányiroda.", "első."]


def test_long_text_is_cut_into_chunks_at_word_boundaries():
    formatter = VoiceFormatter(catalogue("en"), max_chunk=60)
    text = "This is one sentence. " * 10 + "A" + " very" * 40 + " long sentence."
    chunks = formatter.format([{"text": text}]).chunks
    assert len(chunks) > 3
    assert all(len(c) <= 60 for c in chunks)
    assert " ".join(chunks).split() == formatter.clean(text).split()


def test_buttons_are_read_as_numbered_options(hu):
    reply = hu.format([{"text": "Kér új kódot?", "buttons": [
        {"title": "Igen", "payload": "/affirm"}, {"title": "Nem", "payload": "/deny"}]}])
    assert [(o.digit, o.title, o.payload) for o in reply.options] == [("1", "Igen", "/affirm"), ("2", "Nem", "/deny")]
    spoken = " ".join(reply.chunks)
    assert "1: Igen." in spoken and "2: Nem." in spoken


def test_no_more_options_than_keys(hu):
    buttons = [{"title": f"T{i}", "payload": f"/p{i}"} for i in range(15)]
    assert len(hu.format([{"text": "x", "buttons": buttons}]).options) == MAX_OPTIONS


def test_handoff_payload_is_picked_up(hu):
    request = HandoffRequest(reason="user_asked", tried=["request_new_code"], diagnosis={"code": "expired"})
    reply = hu.format([{"text": "Kapcsolom."}, {"custom": request.as_payload()}])
    assert reply.handoff == request and reply.chunks == ["Kapcsolom."]


def test_the_phone_line_takes_no_case_reference_from_the_assistant(hu):
    """The phone line opens the case itself: a chat-shaped handoff (a reference made elsewhere) is no request."""
    reply = hu.format([{"text": "Kapcsolom."}, {"custom": {"handoff": {"reference": "HD-7K3R", "escalation_id": "e1"}}}])
    assert reply.handoff is None
    assert hu.format([{"custom": {"handoff_request": {"reason": "Not A Code!"}}}]).handoff is None


def test_garbage_messages_are_skipped(hu):
    reply = hu.format(["not a dict", {"text": None}, {"buttons": "nope"}, {"text": "Jó."}])
    assert reply.chunks == ["Jó."]


def test_too_small_chunk_setting_is_refused():
    with pytest.raises(ValueError):
        VoiceFormatter(catalogue("hu"), max_chunk=5)


def test_case_reference_is_read_out_character_by_character(hu):
    assert "H D, 7 K 3 R" in " ".join(hu.format([{"text": "Az ügy azonosítója: HD-7K3R."}]).chunks)


def test_a_yes_no_question_of_the_assistant_is_answered_by_key_or_voice(hu):
    """The forms' read-backs on the phone (custom answer: yes_no): 1 yes, 2 no, or say it. The question
    is heard without its keys (they come when it is heard again: ivr.views); buttons are read out."""
    reply = hu.format([{"text": "Ezt értettem: k, p, 77. Jó így?"}, {"custom": {"answer": "yes_no"}}])
    assert [(o.digit, o.title, o.payload) for o in reply.options] == [("1", "Igen", "/affirm"), ("2", "Nem", "/deny")]
    assert reply.chunks == ["Ezt értettem: k, p, 77. Jó így?"] and reply.expects == "yes_no"


@pytest.mark.parametrize("messages, expects", [
    ([{"text": "A kód 5 napig érvényes."}], "done"),
    ([{"text": "Miben segíthetek még?"}], "question"),
    ([{"text": "Mit írt be?", "buttons": [{"title": "A nevemet", "payload": "/inform"}]}], "question"),
    ([{"text": "Betűzze a felhasználónevét."}, {"custom": {"answer": "spelling"}}], "spelling"),
    ([{"text": "Jó így?"}, {"custom": {"answer": "yes_no"}}], "yes_no"),
    ([{"text": "x"}, {"custom": {"answer": "nonsense"}}], "done"),
])
def test_the_reply_says_what_the_line_waits_for_next(hu, messages, expects):
    """An answer that ends a task gets the "ask on / rate" ending; a question (marked by the assistant's
    phone response, by buttons, or by its "?") is the prompt itself; a spelling gets the spellers' gather."""
    assert hu.format(messages).expects == expects


def test_only_a_lone_offer_of_a_person_is_taken_as_the_callers_request(hu):
    """"Szeretné, hogy átadjam?" after "ügyintézőt kérek": the line transfers at once (ivr.views). The same
    offer after another text (the backend is down, an error) or out of hours stays a question."""
    offer = {"text": "Szeretné, hogy átadjam a beszélgetést egy munkatársnak?"}
    marker = {"custom": {"answer": "yes_no", "offer": "person"}}
    assert hu.format([offer, marker]).offers_person_only
    assert not hu.format([{"text": "Elnézést, a rendszer most nem érhető el."}, offer, marker]).offers_person_only
    assert not hu.format([offer, {"custom": {"answer": "yes_no"}}]).offers_person_only

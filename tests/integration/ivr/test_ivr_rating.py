"""CSAT on the phone: after an agent ended the call (bridged) or when the caller is done with an
answer (key 8, offered after each answer), one short prompt takes a key 1-5; silence skips it; one
rating per call, stored through agents.phone_port; the caller's number reaches the statistics only
as a keyed digest (repeat calls within 24 h are not contained)."""
from __future__ import annotations

import pytest
from sqlalchemy import select


def _ratings(app, phone_db):
    from agents.models import CsatRating

    with phone_db(app) as session:
        return [(r.channel, r.conversation_id, r.language, r.rating, r.escalation_id is not None)
                for r in session.scalars(select(CsatRating))]


@pytest.mark.parametrize("lang, prompt, thanks", [
    ("hu", "Mennyire volt elégedett a hívással?", "Köszönjük az értékelést."),
    ("en", "How satisfied were you with this call?", "Thank you for your rating."),
])
def test_after_an_agent_ended_the_call_the_caller_rates_it_with_one_key(phone_app, call_phone, phone_db,
                                                                        lang, prompt, thanks):
    call = call_phone()
    call.dial()
    if lang == "en":
        call.press("9")
    call.press("0")
    call.leave_queue("bridged")
    assert any(prompt in s for s in call.says)
    call.press("4")
    assert any(thanks in s for s in call.says) and call.last.find("Hangup") is not None
    assert _ratings(phone_app, phone_db) == [("phone", call.call_sid, lang, 4, True)]


def test_silence_skips_the_rating_and_a_stray_key_records_nothing(phone_app, call_phone, phone_db):
    for answer in ("", "7"):
        call = call_phone()
        call.dial()
        call.press("0")
        call.leave_queue("bridged")
        call.silence() if answer == "" else call.press(answer)
        assert call.last.find("Hangup") is not None and call.says == ["Köszönjük a hívását, viszonthallásra."]
    assert _ratings(phone_app, phone_db) == []


def test_after_a_bot_answer_key_8_rates_the_call_once(phone_app, call_phone, phone_db):
    call = call_phone()
    call.dial()
    call.press("1")  # a recorded answer: the bot helped
    assert any("8" in s for s in call.says)  # the offer comes with the answer
    call.press("8")
    call.press("5")
    replay = call.post(call.answers[-2].find("Gather").attrib["action"], {"Digits": "1"}, record=False)
    assert replay.find("Hangup") is not None  # Twilio retrying the webhook: the stored answer, no second rating
    assert _ratings(phone_app, phone_db) == [("phone", call.call_sid, "hu", 5, False)]


def test_the_caller_reaches_the_statistics_only_as_a_keyed_digest(phone_app, call_phone, phone_db):
    from agents.models import ConversationEvent

    first, second, withheld = call_phone(caller="+36 30 123 4567"), call_phone(caller="+36 30 123 4567"), \
        call_phone(caller="anonymous")
    for call in (first, second, withheld):
        call.dial()
    with phone_db(phone_app) as session:
        keys = {e.conversation_id: e.contact_key for e in session.scalars(
            select(ConversationEvent).where(ConversationEvent.kind == "started"))}
    assert keys[first.call_sid] and keys[first.call_sid] == keys[second.call_sid]
    assert "1234567" not in keys[first.call_sid] and keys[withheld.call_sid] is None

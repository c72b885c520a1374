"""The phone line's rate-limit key is a keyed digest of the caller's full number (never its mask);
withheld numbers share one stricter bucket; what the line stores of a call (answered steps,
transcript, the case) never holds a full e-mail address, a username or their spelled read-back."""
from __future__ import annotations

import pytest
from sqlalchemy import select


@pytest.fixture
def nc_app(phone_app_factory, backend_stand_in):
    return phone_app_factory(credentials_url=backend_stand_in.url)


def _request_new_code(call, username="k i s s p i s t a 7 7", email="kiss pont pista kukac gmail pont com"):
    call.dial()
    call.press("3")
    call.say(username)
    call.press("1")
    call.say(email)
    return call.press("1")


def test_callers_sharing_last_two_digits_do_not_share_a_rate_limit(nc_app, call_phone, backend_stand_in):
    from kernel.privacy import mask_phone_number

    first, second = "+36301111167", "+36302222267"
    assert mask_phone_number(first) == mask_phone_number(second)
    for number in (first, second, first):
        _request_new_code(call_phone(app=nc_app, caller=number))
    sources = [r["body"]["source"] for r in backend_stand_in.received]
    assert sources[0] != sources[1] and sources[0] == sources[2]
    assert all(len(s) == 64 and set(s) <= set("0123456789abcdef") for s in sources)  # digests, no number


def test_the_same_number_written_differently_is_one_caller(nc_app, call_phone, backend_stand_in):
    for number in ("+36301234567", "06301234567", "0036301234567"):
        _request_new_code(call_phone(app=nc_app, caller=number))
    assert len({r["body"]["source"] for r in backend_stand_in.received}) == 1


def test_withheld_numbers_share_one_stricter_bucket(phone_app_factory, backend_stand_in, call_phone, phone_db):
    from agents.models import Escalation
    from ivr.config import IvrConfig

    app = phone_app_factory(credentials_url=backend_stand_in.url)
    allowed = IvrConfig.withheld_new_codes_per_hour
    assert allowed < 5  # stricter than the backend's per-number limit (5 an hour)
    withheld = ["anonymous", "+266696687", "", "Restricted", "+7378742833", None]
    heard = []
    for number in withheld[:allowed + 2]:
        call = call_phone(app=app, caller=number)
        heard.append(_request_new_code(call).says)
    sources = {r["body"]["source"] for r in backend_stand_in.received}
    assert len(backend_stand_in.received) == allowed and len(sources) == 1  # one shared key
    # Over the limit the caller is told why (nothing about any account) and offered a person.
    assert all("Rejtett számról" in " ".join(h) for h in heard[allowed:])
    assert not any("Rejtett számról" in " ".join(h) for h in heard[:allowed])
    call.press("0")
    with phone_db(app) as session:
        reason = session.scalar(select(Escalation.reason).where(Escalation.conversation_id == call.call_sid))
    assert reason == "withheld_limited"
    # A caller who shows their number is not in that bucket.
    _request_new_code(call_phone(app=app, caller="+36301234567"))
    assert len(backend_stand_in.received) == allowed + 1


def test_stored_phone_turns_hold_no_full_email_address(nc_app, call_phone, phone_db, phone_app_factory):
    from agents.models import Escalation
    from ivr.models import PhoneCall, PhoneTurn

    call = call_phone(app=nc_app)
    _request_new_code(call)
    assert any("k, i, s, s, pont, p, i, s, t, a, kukac" in say for answer in call.answers for say in answer.says)
    call.say("az új kódot a kiss.pista@gmail.com címre kérem")  # a typed-out address said to the assistant
    call.press("0")
    with phone_db(nc_app) as session:
        turns = session.scalars(select(PhoneTurn.response).where(PhoneTurn.call_sid == call.call_sid)).all()
        transcript = session.get(PhoneCall, call.call_sid).transcript
        case = session.scalar(select(Escalation).where(Escalation.conversation_id == call.call_sid))
    stored = " ".join([*(t or "" for t in turns), *(t["text"] for t in transcript),
                       *(t["text"] for t in case.transcript)])
    assert len(turns) >= 6
    for clear in ("kiss.pista@gmail.com", "kisspista77", "k, i, s, s", "kukac, g, m, a, i, l", "Ezt értettem"):
        assert clear not in stored
    assert "ki***@g***.com" in stored  # what the agent may see of the address


def test_a_replayed_step_still_gets_its_answer_from_the_sealed_store(nc_app, call_phone):
    call = call_phone(app=nc_app)
    call.dial()
    call.press("3")
    gather = call.gather.attrib["action"]
    first = call.post(gather, {"SpeechResult": "k i s s p i s t a 7 7"})
    again = call.post(gather, {"SpeechResult": "k i s s p i s t a 7 7"})
    assert first.body == again.body and "Ezt értettem: k, i, s, s, p, i, s, t, a, 77." in again.says


def _kernel_masks_spoken_addresses() -> bool:
    from kernel.privacy import redact_text

    return "gmail" not in redact_text("kiss pista kukac gmail pont com")[0]


@pytest.mark.xfail(not _kernel_masks_spoken_addresses(), strict=True,
                   reason="kernel.privacy.redact_text does not mask spoken addresses yet (asked of the lead)")
def test_a_spoken_address_said_to_the_assistant_is_not_kept_in_the_transcript(nc_app, call_phone, phone_db):
    from ivr.models import PhoneCall

    call = call_phone(app=nc_app)
    call.dial()
    call.say("a címem kiss pista kukac gmail pont com")
    with phone_db(nc_app) as session:
        transcript = " ".join(t["text"] for t in session.get(PhoneCall, call.call_sid).transcript)
    assert "kiss pista kukac gmail" not in transcript and "gmail pont com" not in transcript

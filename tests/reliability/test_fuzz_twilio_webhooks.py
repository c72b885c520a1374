"""Fuzzing the phone line (issue #12, "Bad input"): signed Twilio webhooks with generated form fields
(keys, speech with Unicode edge cases and huge strings, odd Confidence values, unknown steps and
languages, status callbacks out of order) against the gateway's real app (in-process test client,
its own SQLite database; the assistant and the backend are dead addresses, so every external call
fails at once and the fallbacks answer). 0 responses >= 500, no traceback, and every call webhook
answers TwiML a caller can hear (a <Response>; Twilio's status callbacks may answer empty).
Budget and seed: tests/reliability/conftest.py."""
from __future__ import annotations

import tempfile
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.reliability.conftest import count, fuzz_settings

CALL_ROUTES = ["/voice/incoming", "/voice/menu", "/voice/converse", "/voice/fallback", "/voice/agent",
               "/voice/queue-wait", "/voice/queue-done", "/voice/recorded", "/voice/agent-connect",
               "/voice/new-code/username", "/voice/new-code/email-confirm", "/voice/resume"]
CALLBACKS = ["/voice/status", "/voice/recording-status"]
QUERY = st.one_of(st.just(""), st.builds(lambda k, v: f"?{k}={v}", st.sampled_from(["step", "lang", "n"]),
                                         st.one_of(st.integers(-3, 40).map(str), st.sampled_from(["hu", "en", "r1", "x",
                                                                                                  "%00", "9" * 30]))))
VALUE = st.one_of(st.text(max_size=40), st.sampled_from(["", "0", "1", "3", "9", "#", "*", "00", "1234567890" * 3,
                                                          "lejárt a kódom", "szeretnék egy embert", "x" * 3000,
                                                          "nan", "-1", "1.5", "\u202e", "<Say>hi</Say>"]))
FIELDS = st.dictionaries(
    st.sampled_from(["Digits", "SpeechResult", "Confidence", "CallStatus", "From", "Caller", "To", "RecordingUrl",
                     "RecordingDuration", "RecordingStatus", "QueueTime", "QueuePosition", "AvgQueueTime",
                     "QueueResult", "DialCallStatus", "ErrorCode", "CallDuration", "Language", "Unknown"]),
    VALUE, max_size=6)


@pytest.fixture(scope="module")
def phone(request):
    from gateway.settings import GatewaySettings
    from tests.fixtures.gateway_services import GATEWAY_SECRETS, make_gateway_app
    from tests.fixtures.phone_driver import dead_url

    tmp = tempfile.mkdtemp(prefix="twilio-fuzz-")
    settings = GatewaySettings.from_env({"GATEWAY_DATABASE_URL": f"sqlite:///{tmp}/gateway.db", **GATEWAY_SECRETS,
                                         "RASA_URL": dead_url(), "CREDENTIALS_URL": dead_url()})
    app = make_gateway_app(settings)
    yield app, settings
    app.extensions["gateway_engine"].dispose()


def _transport(app):
    from ivr.callsim import FlaskTransport

    return FlaskTransport(app.test_client())


@fuzz_settings(500)
@given(route=st.sampled_from(CALL_ROUTES + CALLBACKS), query=QUERY, fields=FIELDS,
       sid=st.sampled_from(["CA" + "1" * 32, "CA" + "2" * 32, "CA" + "f" * 32, "", "not-a-sid"]))
def test_a_signed_webhook_with_any_fields_answers_twiml_never_a_500(phone, route, query, fields, sid):
    from ivr.callsim import TwilioCall

    count("twilio webhooks")
    app, settings = phone
    call = TwilioCall(_transport(app), settings.twilio_auth_token, settings.public_base_url, call_sid=sid)
    answer = call.post(route + query, fields, record=False)
    assert answer.status < 500, f"{route}{query} {fields}: {answer.status} {answer.body[:300]}"
    assert "Traceback" not in answer.body
    if not sid.startswith("CA") and answer.status == 400:
        return  # a webhook without Twilio's CallSid may be refused (Twilio always sends one)
    if route in CALL_ROUTES:
        assert answer.status == 200, f"{route}{query} {fields}: {answer.status} {answer.body[:300]}"
        root = ET.fromstring(answer.body)
        assert root.tag == "Response"
        assert root.find(".//Say") is not None or root.find(".//Play") is not None or root.find(".//Enqueue") is not None \
            or root.find(".//Redirect") is not None or root.find(".//Dial") is not None or root.find(".//Hangup") is not None, \
            f"{route}{query} {fields}: nothing a caller hears: {answer.body[:300]}"

"""Every /voice/* route of the gateway, found in its URL map (so a route added later is checked too),
refuses a webhook Twilio did not sign: no signature, a forged one, or one made with another token."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _voice_routes(app) -> list[tuple[str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/voice"):
            continue
        path = rule.rule
        for argument in rule.arguments:  # fill any <converter:name> with a harmless value
            path = path.replace(f"<{argument}>", "x")
            for converter in ("string", "int", "path", "any", "uuid"):
                path = path.replace(f"<{converter}:{argument}>", "1" if converter == "int" else "x")
        routes += [(method, path) for method in sorted(rule.methods - IGNORED_METHODS)]
    return routes


def _rows(app) -> int:
    from agents.models import AgentAccount, AuditEntry, Escalation
    from gateway import sessions_of
    from ivr.models import CallbackTicket, PhoneCall, PhoneLimit, PhoneTurn

    with sessions_of(app)() as session:
        return sum(session.scalar(select(func.count()).select_from(model)) for model in
                   (PhoneCall, PhoneTurn, CallbackTicket, PhoneLimit, Escalation, AuditEntry, AgentAccount))


def test_the_url_map_has_the_phone_line_routes(phone_app):
    paths = {path for _, path in _voice_routes(phone_app)}
    assert {"/voice/incoming", "/voice/agent", "/voice/agent/pin", "/voice/new-code/email-confirm"} <= paths


def _answering_without_a_signature(app, call) -> list[tuple]:
    """The (method, path, statuses) of every /voice route that does not answer 403 to an unsigned,
    a forged and a wrongly signed webhook."""
    from ivr.callsim import TwilioCall

    client = app.test_client()
    other = TwilioCall(call.transport, "somebody-elses-token-0123456789", call.public_base_url)
    open_routes = []
    for method, path in _voice_routes(app):
        url = f"{path}?step=1&lang=hu&agent=1&attempt=1"
        form = {"CallSid": call.call_sid, "From": "+36301234567", "Digits": "1", "CallStatus": "completed"}
        unsigned = client.open(url, method=method, data=form)
        forged = client.open(url, method=method, data=form, headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"})
        wrong_token = client.open(url, method=method, data=form, headers={
            "X-Twilio-Signature": other.signature(call.public_base_url + url, form)})
        statuses = (unsigned.status_code, forged.status_code, wrong_token.status_code)
        if set(statuses) != {403}:
            open_routes.append((method, path, *statuses))
    return open_routes


def test_every_voice_route_checks_the_signature(phone_app, call_phone):
    before = _rows(phone_app)
    open_routes = _answering_without_a_signature(phone_app, call_phone())
    assert not open_routes, f"/voice routes answering without Twilio's signature: {open_routes}"
    assert _rows(phone_app) == before


def test_the_check_notices_a_voice_route_without_the_signature_check(phone_app_factory, call_phone):
    app = phone_app_factory()
    app.add_url_rule("/voice/leaky", "leaky", lambda: "<Response/>", methods=["POST"])
    assert [route[:2] for route in _answering_without_a_signature(app, call_phone(app=app))] == [
        ("POST", "/voice/leaky")]


@pytest.mark.parametrize("path", ["/voice/agent", "/voice/agent/number", "/voice/agent/pin"])
def test_a_correctly_signed_agent_line_webhook_is_answered(call_phone, path):
    answer = call_phone().post(f"{path}?lang=hu&agent=1&attempt=1", {"Digits": "1"})
    assert answer.status == 200 and answer.root is not None

"""The console's phone new-code form keeps what the agent typed when the request is not done (issue #12,
found by tests/browser/test_killed_topology_in_browser.py): after "A háttérrendszer most nem érhető el"
the case page comes back with the username and the address filled in, so the agent retries while the
caller waits instead of asking again. The values live only in that one answer (docs/privacy.md: the
agent typed the caller's own address): not in the console session, the audit, the logs or the
browser's cache."""
from __future__ import annotations

import html
import logging
import re
from dataclasses import replace

from sqlalchemy import select

from agents.models import AuditEntry
from tests.integration.agents.test_agents_console import _console_with_anna, _phone_case_claimed_by_anna, csrf_of

USERNAME, EMAIL = "kisspista77", "kiss.pista@example.hu"
BACKEND_DOWN = "A háttérrendszer most nem érhető el, próbálja újra."


def _value_of(page: str, field_id: str) -> str | None:
    found = re.search(rf'<input id="{field_id}"[^>]*?value="([^"]*)"', page)
    return html.unescape(found.group(1)) if found else None


def test_the_new_code_form_keeps_the_typed_username_and_address_after_backend_unavailable(console_settings, caplog):
    from gateway import sessions_of
    from tests.fixtures.ports import free_port

    caplog.set_level(logging.DEBUG)
    app = _console_with_anna(replace(console_settings, credentials_url=f"http://127.0.0.1:{free_port()}"))
    try:
        esc, anna = _phone_case_claimed_by_anna(app)
        r = anna.post(f"/agents/escalations/{esc['id']}/new-code",
                      data={"username": USERNAME, "email": EMAIL, "csrf_token": csrf_of(anna)})
        page = r.get_data(as_text=True)
        assert r.status_code == 503, "the answer says the request was not done"
        assert BACKEND_DOWN in page and 'role="alert"' in page and "Traceback" not in page
        assert _value_of(page, "nc-user") == USERNAME and _value_of(page, "nc-mail") == EMAIL
        assert r.headers["Cache-Control"] == "no-store", "the browser keeps no copy of the page with the address"

        # the typed values are in that answer only: the next view of the case starts empty
        again = anna.get(f"/agents/escalations/{esc['id']}").get_data(as_text=True)
        assert _value_of(again, "nc-user") == "" and _value_of(again, "nc-mail") == ""
        assert BACKEND_DOWN not in again, "the error was shown once"
        with anna.session_transaction() as session:
            assert EMAIL not in str(dict(session)) and USERNAME not in str(dict(session))
        with sessions_of(app)() as s:
            details = [str(a.detail) for a in s.scalars(select(AuditEntry).where(AuditEntry.escalation_id == esc["id"]))]
        assert details and not any(EMAIL in d or USERNAME in d for d in details)
        assert EMAIL not in caplog.text and USERNAME not in caplog.text
    finally:
        app.extensions["gateway_engine"].dispose()


def test_a_missing_field_keeps_the_one_typed_and_a_retried_request_is_accepted(console_settings, credentials_server):
    app = _console_with_anna(replace(console_settings, credentials_url=credentials_server.url,
                                     credentials_console_token=credentials_server.tokens["console"]))
    try:
        esc, anna = _phone_case_claimed_by_anna(app)
        r = anna.post(f"/agents/escalations/{esc['id']}/new-code",
                      data={"username": USERNAME, "email": "", "csrf_token": csrf_of(anna)})
        page = r.get_data(as_text=True)
        assert r.status_code == 400 and _value_of(page, "nc-user") == USERNAME and _value_of(page, "nc-mail") == ""
        # the retry from that page (its own CSRF token): accepted, the usual redirect with the lifetime
        done = anna.post(f"/agents/escalations/{esc['id']}/new-code",
                         data={"username": USERNAME, "email": EMAIL, "csrf_token": csrf_of(anna)})
        assert done.status_code == 302
        shown = anna.get(done.headers["Location"]).get_data(as_text=True)
        assert "napig" in shown and _value_of(shown, "nc-user") == ""
    finally:
        app.extensions["gateway_engine"].dispose()


def test_a_typed_value_is_filled_in_as_text_never_as_markup(console_settings):
    from tests.fixtures.ports import free_port

    app = _console_with_anna(replace(console_settings, credentials_url=f"http://127.0.0.1:{free_port()}"))
    try:
        esc, anna = _phone_case_claimed_by_anna(app)
        typed = '"><script>alert(1)</script>'
        r = anna.post(f"/agents/escalations/{esc['id']}/new-code",
                      data={"username": typed, "email": "a@b.hu", "csrf_token": csrf_of(anna)})
        page = r.get_data(as_text=True)
        assert "<script>alert(1)</script>" not in page
        assert _value_of(page, "nc-user") == typed
    finally:
        app.extensions["gateway_engine"].dispose()

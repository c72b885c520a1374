"""Every route of the agent console refuses a visitor without a live session (and a revoked
session's cookie), enumerated from the gateway's URL map, so a new console route cannot be added
open by mistake. The allow-list is small and each entry says why."""
from __future__ import annotations

import pytest
from werkzeug.routing import IntegerConverter, Rule

from tests.fixtures.gateway_services import csrf_from, login

# endpoint → why it answers without a session
ALLOWED_WITHOUT_SESSION = {
    "agents_console.login": "the login form itself",
    "agents_console.static": "the console's CSS and script, no data",
    "agents_console.language": "sets only the display language of the login page (CSRF-checked)",
    "healthz": "the process's health check, no data",
}


def console_rules(app) -> list[Rule]:
    return [r for r in app.url_map.iter_rules()
            if r.endpoint.startswith("agents_console.") or r.rule.startswith("/agents")]


def url_of(rule: Rule) -> str:
    values = {name: (1 if isinstance(rule._converters[name], IntegerConverter) else "x")
              for name in rule.arguments}
    path = rule.rule
    for name, value in values.items():
        path = path.replace(f"<{name}>", str(value)).replace(f"<int:{name}>", str(value))
    return path


def refused(response) -> bool:
    if response.status_code == 401:
        return True
    return response.status_code == 302 and "/agents/login" in response.headers.get("Location", "")


def requests_of(app, client):
    """(endpoint, method, response) for every method of every console route."""
    token = csrf_from(client.get("/agents/login").get_data(as_text=True))
    for rule in console_rules(app):
        if rule.endpoint in ALLOWED_WITHOUT_SESSION:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            # a valid CSRF token of this cookie, so the CSRF check is not what refuses
            data = {"csrf_token": token} if method == "POST" else None
            yield rule.endpoint, method, client.open(url_of(rule), method=method, data=data)


def test_every_console_route_requires_a_session(gateway_app):
    rules = console_rules(gateway_app)
    assert len(rules) >= 15, "the console's routes were not found in the URL map"
    assert {"agents_console.queue", "agents_console.callback_done", "agents_console.revoke_sessions"} <= {
        r.endpoint for r in rules}
    open_routes = [(endpoint, method, r.status_code) for endpoint, method, r in requests_of(gateway_app, gateway_app.test_client())
                   if not refused(r)]
    assert open_routes == []


def test_every_console_route_refuses_a_revoked_sessions_cookie(gateway_app, make_agent):
    make_agent("vera", role="supervisor")
    vera = gateway_app.test_client()
    assert login(vera, "vera").status_code == 302
    saved = vera.get_cookie("session").value
    vera.post("/agents/logout", data={"csrf_token": csrf_from(vera.get("/agents/").get_data(as_text=True))})
    replay = gateway_app.test_client()
    replay.set_cookie("session", saved)
    open_routes = [(endpoint, method, r.status_code) for endpoint, method, r in requests_of(gateway_app, replay)
                   if not refused(r)]
    assert open_routes == []


@pytest.mark.parametrize("endpoint", sorted(ALLOWED_WITHOUT_SESSION))
def test_the_allow_list_names_routes_that_exist(gateway_app, endpoint):
    assert endpoint in {r.endpoint for r in gateway_app.url_map.iter_rules()}

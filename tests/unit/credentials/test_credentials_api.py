"""The HTTP layer: bearer tokens, JSON errors naming the field, 404/413 as JSON, no stack traces, and
an OpenAPI document that matches the routes."""
from __future__ import annotations

import pytest

from tests.fixtures.credentials_services import ADMIN_TOKEN, CALLER_TOKENS, PORTAL_TOKEN, SERVICE_TOKEN

SERVICE = {"Authorization": f"Bearer {SERVICE_TOKEN}"}  # the assistant's: new codes, the account check
PORTAL = {"Authorization": f"Bearer {PORTAL_TOKEN}"}  # the portal's login page: activation, login
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
ACCOUNT = {"username": "kovacsj", "legal_name": "Kovács János", "email": "janos@example.hu", "language": "hu"}


def test_healthz_answers_ok(credentials_client):
    r = credentials_client.get("/healthz")
    assert (r.status_code, r.json) == (200, {"status": "ok"})


# Which caller's token opens which route (credentials/api/auth.py); every other caller's is a 403.
SCOPES = {
    "/api/v1/reset-requests": {"assistant", "phone", "console"},
    "/api/v1/diagnose": {"assistant", "console"},
    "/api/v1/login": {"portal"},
    "/api/v1/activate": {"portal"},
    "/api/v1/office/accounts": {"office"},
    "/api/v1/office/email-corrections": {"office"},
    "/api/v1/office/username-disclosures": {"office"},
}


@pytest.mark.parametrize("path", sorted(SCOPES))
def test_every_route_needs_a_known_token(credentials_client, path):
    for headers in ({}, {"Authorization": "Bearer " + SERVICE_TOKEN[:-1] + "x"}, {"Authorization": SERVICE_TOKEN},
                    {"Authorization": "Basic " + SERVICE_TOKEN}, {"Authorization": "Bearer "}):
        r = credentials_client.post(path, json={}, headers=headers)
        assert r.status_code == 401 and r.json["error"] == "unauthorized"


@pytest.mark.parametrize("path", sorted(SCOPES))
def test_each_caller_opens_only_its_own_routes(credentials_client, path):
    for caller, token in CALLER_TOKENS.items():
        r = credentials_client.post(path, json={}, headers={"Authorization": f"Bearer {token}"})
        if caller in SCOPES[path]:
            assert r.status_code in (400, 422), (caller, r.status_code)  # let in: the empty body is refused
        else:
            assert (r.status_code, r.json["error"]) == (403, "forbidden"), caller


def test_phone_token_cannot_call_login(credentials_app, desk):
    """The phone line's token (held by the internet-facing gateway) must not try passwords or codes."""
    from tests.fixtures.credentials_services import PHONE_TOKEN

    desk.register()
    phone = {"Authorization": f"Bearer {PHONE_TOKEN}"}
    client = credentials_app.test_client()
    login = client.post("/api/v1/login", headers=phone, json={"username": "kovacsj", "password": "x" * 20})
    activation = client.post("/api/v1/activate", headers=phone,
                             json={"username": "kovacsj", "code": desk.mailed_code(), "new_password": "x" * 20})
    assert login.status_code == activation.status_code == 403
    # refused before the use case: the account is still pending and its code still works
    r = client.post("/api/v1/activate", headers=PORTAL,
                    json={"username": "kovacsj", "code": desk.mailed_code(), "new_password": "egy hosszu jelszo 2026"})
    assert r.status_code == 200 and r.json == {"status": "active"}


def test_assistant_token_cannot_call_the_office_routes(credentials_client):
    for path in ("/api/v1/office/accounts", "/api/v1/office/email-corrections", "/api/v1/office/username-disclosures"):
        r = credentials_client.post(path, json=ACCOUNT, headers=SERVICE)
        assert (r.status_code, r.json["error"]) == (403, "forbidden")
    assert credentials_client.post("/api/v1/login", json={"username": "kovacsj", "password": "x" * 20},
                                   headers=SERVICE).status_code == 403


def test_office_registration_over_http(credentials_client):
    r = credentials_client.post("/api/v1/office/accounts", json=ACCOUNT, headers=ADMIN)
    assert r.status_code == 201 and r.json["state"] == "pending"
    r = credentials_client.post("/api/v1/office/accounts", json={**ACCOUNT, "username": "KOVACSJ"}, headers=ADMIN)
    assert (r.status_code, r.json["error"], r.json["field"]) == (409, "username_taken", "username")
    r = credentials_client.post("/api/v1/office/username-disclosures", json={"legal_name": "kovacs janos"}, headers=ADMIN)
    assert r.json == {"usernames": ["kovacsj"]}
    r = credentials_client.post("/api/v1/office/email-corrections", json={"username": "kovacsj", "email": "new@example.hu"},
                                headers=ADMIN)
    assert r.json == {"username": "kovacsj", "email_masked": "ne***@e***.hu"}
    r = credentials_client.post("/api/v1/office/email-corrections", json={"username": "nobody", "email": "new@example.hu"},
                                headers=ADMIN)
    assert r.status_code == 404


@pytest.mark.parametrize("body, status, field", [
    ({**ACCOUNT, "email": None}, 400, "email"),
    ({**ACCOUNT, "email": "not-an-address"}, 422, "email"),
    ({**ACCOUNT, "language": "de"}, 422, "language"),
    ({**ACCOUNT, "legal_name": "Cher"}, 422, "legal_name"),
    ({**ACCOUNT, "username": 42}, 422, "username"),
])
def test_bad_input_is_refused_naming_the_field(credentials_client, body, status, field):
    r = credentials_client.post("/api/v1/office/accounts", json=body, headers=ADMIN)
    assert (r.status_code, r.json["field"]) == (status, field)
    assert r.json["message"]


@pytest.mark.parametrize("path, body, field", [
    ("/api/v1/reset-requests", {"username": "a", "email": "b@example.hu", "channel": "fax", "source": "x"}, "channel"),
    ("/api/v1/diagnose", {"username": "a", "email": "b@example.hu", "channel": "chat"}, "source"),
    ("/api/v1/login", {"username": "a", "password": ["x"]}, "password"),
    ("/api/v1/activate", {"username": "a", "code": "x" * 300, "new_password": "x"}, "code"),
])
def test_service_input_errors_name_the_field(credentials_client, path, body, field):
    r = credentials_client.post(path, json=body, headers=PORTAL if path in ("/api/v1/login", "/api/v1/activate") else SERVICE)
    assert r.status_code in (400, 422) and r.json["field"] == field


def test_non_json_body_is_a_400_json_error(credentials_client):
    r = credentials_client.post("/api/v1/login", data="username=a", headers=PORTAL)
    assert r.status_code == 400 and r.json["error"] == "bad_request"
    r = credentials_client.post("/api/v1/login", data="[1, 2", headers=PORTAL, content_type="application/json")
    assert r.status_code == 400 and r.is_json


def test_unknown_route_is_a_404_json(credentials_client):
    r = credentials_client.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.json["error"] == "not_found"
    r = credentials_client.get("/api/v1/login")
    assert r.status_code == 405 and r.is_json


def test_oversized_body_is_a_413_json(credentials_client):
    r = credentials_client.post("/api/v1/login", data='{"username": "' + "a" * 40000 + '"}', headers=PORTAL,
                                content_type="application/json")
    assert r.status_code == 413 and r.json["error"] == "request_entity_too_large"


def test_unexpected_error_is_a_500_json_without_stack_trace(credentials_app, monkeypatch):
    from credentials import services

    def broken(*args, **kwargs):
        raise RuntimeError("database exploded at /secret/path.py line 12")

    monkeypatch.setattr(services, "login", broken)
    r = credentials_app.test_client().post("/api/v1/login", json={"username": "a", "password": "b"}, headers=PORTAL)
    assert r.status_code == 500 and r.json["error"] == "internal_error"
    assert "Traceback" not in r.get_data(as_text=True) and "secret" not in r.get_data(as_text=True)


def test_generic_failures_do_not_say_which_part_was_wrong(credentials_client):
    credentials_client.post("/api/v1/office/accounts", json=ACCOUNT, headers=ADMIN)
    a = credentials_client.post("/api/v1/login", json={"username": "kovacsj", "password": "x" * 20}, headers=PORTAL)
    b = credentials_client.post("/api/v1/login", json={"username": "nobody", "password": "x" * 20}, headers=PORTAL)
    assert (a.status_code, a.json) == (b.status_code, b.json) == (401, {"error": "login_failed", "message": a.json["message"]})
    a = credentials_client.post("/api/v1/activate", json={"username": "kovacsj", "code": "AAAA-AAAA-AAAA-AAAA",
                                                          "new_password": "x" * 20}, headers=PORTAL)
    b = credentials_client.post("/api/v1/activate", json={"username": "nobody", "code": "AAAA-AAAA-AAAA-AAAA",
                                                          "new_password": "x" * 20}, headers=PORTAL)
    assert (a.status_code, a.json) == (b.status_code, b.json)
    assert a.json["error"] == "activation_failed"


def test_password_rejection_over_http_names_the_rule(credentials_app, desk):
    desk.register()
    r = credentials_app.test_client().post("/api/v1/activate", headers=PORTAL, json={
        "username": "kovacsj", "code": desk.mailed_code(), "new_password": "short"})
    assert r.status_code == 422
    assert r.json["error"] == "password_rejected" and r.json["rule"] == "too_short" and r.json["field"] == "new_password"


def test_openapi_document_lists_exactly_the_routes(credentials_app):
    doc = credentials_app.test_client().get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.")
    routes = {}
    for rule in credentials_app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = rule.rule.replace("<", "{").replace(">", "}")
        routes.setdefault(path, set()).update(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
    documented = {path: set(ops) for path, ops in doc["paths"].items()}
    assert documented == routes
    views = {rule.rule: credentials_app.view_functions[rule.endpoint] for rule in credentials_app.url_map.iter_rules()}
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if method == "post":  # the document names exactly the callers the route lets in
                assert {name for scheme in op["security"] for name in scheme} == SCOPES[path], path
                assert set(views[path].credentials_callers) == SCOPES[path], path

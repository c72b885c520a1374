"""The HTTP layer: bearer tokens, JSON errors naming the field, 404/413 as JSON, no stack traces, and
an OpenAPI document that matches the routes."""
from __future__ import annotations

import pytest

from tests.fixtures.credentials_services import ADMIN_TOKEN, SERVICE_TOKEN

SERVICE = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
ACCOUNT = {"username": "kovacsj", "legal_name": "Kovács János", "email": "janos@example.hu", "language": "hu"}


def test_healthz_answers_ok(credentials_client):
    r = credentials_client.get("/healthz")
    assert (r.status_code, r.json) == (200, {"status": "ok"})


@pytest.mark.parametrize("path", ["/api/v1/login", "/api/v1/activate", "/api/v1/reset-requests", "/api/v1/diagnose"])
def test_service_endpoints_need_the_service_token(credentials_client, path):
    assert credentials_client.post(path, json={}).status_code == 401
    assert credentials_client.post(path, json={}, headers=ADMIN).status_code == 401
    assert credentials_client.post(path, json={}, headers={"Authorization": "Bearer " + SERVICE_TOKEN[:-1] + "x"}).status_code == 401
    assert credentials_client.post(path, json={}, headers=SERVICE).status_code == 400


@pytest.mark.parametrize("path", ["/api/v1/office/accounts", "/api/v1/office/email-corrections",
                                  "/api/v1/office/username-disclosures"])
def test_s5_s9_office_endpoints_need_the_admin_token(credentials_client, path):
    r = credentials_client.post(path, json=ACCOUNT, headers=SERVICE)
    assert r.status_code == 401 and r.json["error"] == "unauthorized"


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
    r = credentials_client.post(path, json=body, headers=SERVICE)
    assert r.status_code in (400, 422) and r.json["field"] == field


def test_non_json_body_is_a_400_json_error(credentials_client):
    r = credentials_client.post("/api/v1/login", data="username=a", headers=SERVICE)
    assert r.status_code == 400 and r.json["error"] == "bad_request"
    r = credentials_client.post("/api/v1/login", data="[1, 2", headers=SERVICE, content_type="application/json")
    assert r.status_code == 400 and r.is_json


def test_unknown_route_is_a_404_json(credentials_client):
    r = credentials_client.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.json["error"] == "not_found"
    r = credentials_client.get("/api/v1/login")
    assert r.status_code == 405 and r.is_json


def test_oversized_body_is_a_413_json(credentials_client):
    r = credentials_client.post("/api/v1/login", data='{"username": "' + "a" * 40000 + '"}', headers=SERVICE,
                                content_type="application/json")
    assert r.status_code == 413 and r.json["error"] == "request_entity_too_large"


def test_unexpected_error_is_a_500_json_without_stack_trace(credentials_app, monkeypatch):
    from credentials import services

    def broken(*args, **kwargs):
        raise RuntimeError("database exploded at /secret/path.py line 12")

    monkeypatch.setattr(services, "login", broken)
    r = credentials_app.test_client().post("/api/v1/login", json={"username": "a", "password": "b"}, headers=SERVICE)
    assert r.status_code == 500 and r.json["error"] == "internal_error"
    assert "Traceback" not in r.get_data(as_text=True) and "secret" not in r.get_data(as_text=True)


def test_generic_failures_do_not_say_which_part_was_wrong(credentials_client):
    credentials_client.post("/api/v1/office/accounts", json=ACCOUNT, headers=ADMIN)
    a = credentials_client.post("/api/v1/login", json={"username": "kovacsj", "password": "x" * 20}, headers=SERVICE)
    b = credentials_client.post("/api/v1/login", json={"username": "nobody", "password": "x" * 20}, headers=SERVICE)
    assert (a.status_code, a.json) == (b.status_code, b.json) == (401, {"error": "login_failed", "message": a.json["message"]})
    a = credentials_client.post("/api/v1/activate", json={"username": "kovacsj", "code": "AAAA-AAAA-AAAA-AAAA",
                                                          "new_password": "x" * 20}, headers=SERVICE)
    b = credentials_client.post("/api/v1/activate", json={"username": "nobody", "code": "AAAA-AAAA-AAAA-AAAA",
                                                          "new_password": "x" * 20}, headers=SERVICE)
    assert (a.status_code, a.json) == (b.status_code, b.json)
    assert a.json["error"] == "activation_failed"


def test_password_rejection_over_http_names_the_rule(credentials_app, desk):
    desk.register()
    r = credentials_app.test_client().post("/api/v1/activate", headers=SERVICE, json={
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
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if path.startswith("/api/v1/office"):
                assert op["security"] == [{"admin": []}], path
            elif method == "post":
                assert op["security"] == [{"service": []}], path

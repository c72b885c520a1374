"""The OpenAPI 3 document of the API, written by hand; tests/unit/credentials/test_openapi.py checks
that every route is in it and every path in it is a route."""
from __future__ import annotations

from credentials.api.auth import ACCOUNT_CHECK, NEW_CODE, OFFICE, PORTAL
from credentials.settings import CALLER_TOKENS


def _obj(required: list[str], **props) -> dict:
    return {"type": "object", "required": required, "properties": props, "additionalProperties": True}


_S = {"type": "string"}
_CHANNEL = {"type": "string", "enum": ["chat", "phone", "agent", "web"]}
_CLIENT_ADDRESS = {"type": "string", "description": "the end user's network address as the calling service saw it at its trusted "
                   "proxy hop (never a header the user sets); optional, counted per address when given"}
_ERROR = {"$ref": "#/components/schemas/Error"}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _resp(description: str, schema: dict | None = None) -> dict:
    out = {"description": description}
    if schema is not None:
        out.update(_json(schema))
    return out


_COMMON_ERRORS = {
    "400": _resp("Malformed JSON or a required field is missing (`field` names it)", _ERROR),
    "401": _resp("Missing or wrong bearer token, or a generic refusal", _ERROR),
    "403": _resp("A known caller's token that does not open this route", _ERROR),
    "413": _resp("Body too large", _ERROR),
    "422": _resp("A field has a bad value (`field` names it)", _ERROR),
}


def _post(summary: str, body: dict, responses: dict, security: tuple[str, ...], description: str = "") -> dict:
    return {"post": {"summary": summary, "description": description, "security": [{s: []} for s in security],
                     "requestBody": {"required": True, **_json(body)}, "responses": {**_COMMON_ERRORS, **responses}}}


OPENAPI: dict = {
    "openapi": "3.0.3",
    "info": {"title": "Credentials backend", "version": "1.0.0",
             "description": "Accounts, one-time activation codes, activation, login, new-code requests and "
                            "diagnosis for the Ugyfelkapu help desk (rules S1-S9)."},
    "servers": [{"url": "http://127.0.0.1:8001"}],
    "components": {
        "securitySchemes": {
            caller: {"type": "http", "scheme": "bearer", "description": name}
            for caller, name in CALLER_TOKENS.items()
        },
        "schemas": {
            "Error": _obj(["error", "message"], error=_S, message=_S, field=_S, rule=_S),
        },
    },
    "paths": {
        "/healthz": {"get": {"summary": "Liveness", "security": [],
                             "responses": {"200": _resp("Up", _obj(["status"], status=_S))}}},
        "/readyz": {"get": {"summary": "Readiness: the database answers (telemetry.flask)", "security": [],
                            "responses": {"200": _resp("Ready", _obj(["status", "checks"], status=_S,
                                                                     checks={"type": "object"})),
                                          "503": _resp("Not ready", _obj(["status", "checks"], status=_S,
                                                                         checks={"type": "object"}))}}},
        "/api/v1/openapi.json": {"get": {"summary": "This document", "security": [],
                                         "responses": {"200": _resp("OpenAPI 3 document", {"type": "object"})}}},
        "/api/v1/office/accounts": _post(
            "Register an account at the document office (S1); the first code is e-mailed (S2)",
            _obj(["username", "legal_name", "email", "language"], username=_S, legal_name=_S,
                 email={"type": "string", "format": "email"}, language={"type": "string", "enum": ["hu", "en"]}),
            {"201": _resp("Pending account", _obj(["username", "state", "code_expires_at"], username=_S, state=_S,
                                                   language=_S, code_expires_at={"type": "string", "format": "date-time"})),
             "409": _resp("Username taken (case-insensitive)", _ERROR)}, OFFICE),
        "/api/v1/office/email-corrections": _post(
            "Correct the e-mail on file (S5: only the office can); open codes die",
            _obj(["username", "email"], username=_S, email=_S),
            {"200": _resp("Corrected", _obj(["username", "email_masked"], username=_S, email_masked=_S)),
             "404": _resp("No such account", _ERROR)}, OFFICE),
        "/api/v1/office/username-disclosures": _post(
            "Tell a forgotten username, in person after an ID check (S9)",
            _obj(["legal_name"], legal_name=_S, email=_S),
            {"200": _resp("Usernames of the accounts with this legal name",
                          _obj(["usernames"], usernames={"type": "array", "items": _S}))}, OFFICE),
        "/api/v1/activate": _post(
            "Activate: username + one-time code + new password (S3, S8)",
            _obj(["username", "code", "new_password"], username=_S, code=_S, new_password=_S, channel=_CHANNEL,
                 source=_S, client_address=_CLIENT_ADDRESS),
            {"200": _resp("Active", _obj(["status"], status={"type": "string", "enum": ["active"]})),
             "401": _resp("Generic `activation_failed` (reason recorded server-side)", _ERROR),
             "422": _resp("`password_rejected` with `rule`: too_short, too_long, common_password, "
                          "equals_username, contains_username, equals_code, repetitive; or a bad field", _ERROR)},
            PORTAL),
        "/api/v1/login": _post(
            "Log in with username + password; generic failure, reason recorded (S6, S7)",
            _obj(["username", "password"], username=_S, password=_S, channel=_CHANNEL),
            {"200": _resp("Logged in", _obj(["status"], status={"type": "string", "enum": ["ok"]})),
             "401": _resp("Generic `login_failed`", _ERROR)}, PORTAL),
        "/api/v1/reset-requests": _post(
            "Request a new code (S4, S5, S8); always the same answer",
            _obj(["username", "email", "channel", "source"], username=_S, email=_S, channel=_CHANNEL, source=_S,
                 client_address=_CLIENT_ADDRESS),
            {"202": _resp("Accepted (identical whether or not an account matched, and when rate limited)",
                          _obj(["status"], status={"type": "string", "enum": ["accepted"]}))}, NEW_CODE,
            "A code goes only to the address on file, in the account's language, when username and e-mail match."),
        "/api/v1/diagnose": _post(
            "What the help desk may know about a verified account",
            _obj(["username", "email", "channel", "source"], username=_S, email=_S, channel=_CHANNEL, source=_S,
                 client_address=_CLIENT_ADDRESS),
            {"200": _resp("`{verified:false}` unless username and e-mail match (and not rate limited)", {
                "type": "object", "required": ["verified"],
                "properties": {
                    "verified": {"type": "boolean"},
                    "state": {"type": "string", "enum": ["pending", "active", "locked"]},
                    "language": _S,
                    "live_code": _obj(["exists"], exists={"type": "boolean"}, expires_at={"type": "string", "nullable": True},
                                      last_issued_at={"type": "string", "nullable": True},
                                      last_expired={"type": "boolean"}),
                    "code_entry_blocked_until": {"type": "string", "nullable": True},
                    "code_entry_blocked_somewhere_until": {"type": "string", "nullable": True},
                    "reset_blocked_until": {"type": "string", "nullable": True},
                    "recent_failures": {"type": "array", "items": _obj(["at", "reason"], at=_S, reason=_S)},
                    "last_code_mail": {"type": "object", "nullable": True, "properties": {
                        "status": {"type": "string", "enum": ["queued", "sending", "retrying", "sent", "refused", "cancelled"]},
                        "at": _S, "attempts": {"type": "integer"}, "smtp_code": {"type": "integer", "nullable": True},
                        "detail": _S}},
                }})}, ACCOUNT_CHECK),
    },
}

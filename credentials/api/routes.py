"""Routes: JSON in, a use case of credentials.services, JSON out. Bearer tokens: the service token
for the help desk's calls, the admin token for the document office's (S1, S5, S9)."""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import BadRequest

from credentials import services
from credentials.api import answers
from credentials.api.errors import error
from credentials.api.openapi import OPENAPI
from credentials.domain.names import validate_channel
from credentials.security import tokens_equal

api = Blueprint("credentials_api", __name__, url_prefix="/api/v1")
health = Blueprint("credentials_health", __name__)


def _backend():
    return current_app.extensions["credentials"]


def _require(kind: str):
    """Constant-time check of ``Authorization: Bearer <token>`` against the service or admin token."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            settings = _backend().kit.settings
            expected = settings.admin_token if kind == "admin" else settings.service_token
            header = request.headers.get("Authorization", "")
            scheme, _, given = header.partition(" ")
            if scheme.lower() != "bearer" or not tokens_equal(given.strip(), expected):
                return error(401, "unauthorized", f"a valid bearer token ({kind}) is required")
            return view(*args, **kwargs)

        return wrapper

    return decorator


def _body() -> dict:
    """The JSON object of the request, or a 400 that says what is wrong with it."""
    if not request.is_json:
        raise BadRequest("the body must be JSON (Content-Type: application/json)")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object")
    return data


def _call(use_case, *args, **kwargs):
    backend = _backend()
    return use_case(*args, uow=backend.uow(), kit=backend.kit, **kwargs)


@health.get("/healthz")
def healthz():
    return jsonify(status="ok")


@api.get("/openapi.json")
def openapi():
    return jsonify(OPENAPI)


@api.post("/office/accounts")
@_require("admin")
def office_register():
    b = _body()
    result = _call(services.register_account, b.get("username"), b.get("legal_name"), b.get("email"),
                   b.get("language"))
    return jsonify(answers.registration(result)), 201


@api.post("/office/email-corrections")
@_require("admin")
def office_correct_email():
    b = _body()
    return jsonify(answers.email_correction(_call(services.correct_email, b.get("username"), b.get("email"))))


@api.post("/office/username-disclosures")
@_require("admin")
def office_disclose_username():
    b = _body()
    return jsonify(answers.usernames(_call(services.disclose_usernames, b.get("legal_name"), b.get("email"))))


@api.post("/activate")
@_require("service")
def activate():
    b = _body()
    state = _call(services.activate, b.get("username"), b.get("code"), b.get("new_password"),
                  channel=_optional_channel(b))
    return jsonify(answers.activated(state))


@api.post("/login")
@_require("service")
def login():
    b = _body()
    _call(services.login, b.get("username"), b.get("password"), channel=_optional_channel(b))
    return jsonify(answers.logged_in())


@api.post("/reset-requests")
@_require("service")
def reset_requests():
    b = _body()
    _call(services.request_new_code, b.get("username"), b.get("email"), b.get("channel"), b.get("source"))
    return jsonify(answers.accepted()), 202


@api.post("/diagnose")
@_require("service")
def diagnose():
    b = _body()
    report = _call(services.diagnose, b.get("username"), b.get("email"), b.get("channel"), b.get("source"))
    return jsonify(answers.diagnosis(report))


def _optional_channel(body: dict) -> str:
    value = body.get("channel")
    return "web" if value in (None, "") else validate_channel(value)

"""Routes: JSON in, a use case of credentials.services, JSON out. Each route names the callers whose
bearer token opens it (credentials/api/auth.py)."""
from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request
from werkzeug.exceptions import BadRequest

from credentials import services
from credentials.api import answers
from credentials.api.auth import ACCOUNT_CHECK, NEW_CODE, OFFICE, PORTAL, require
from credentials.api.openapi import OPENAPI
from credentials.domain.names import validate_channel
from kernel.fields import NUL_RULE, FieldError, field_holding_nul

api = Blueprint("credentials_api", __name__, url_prefix="/api/v1")
health = Blueprint("credentials_health", __name__)


def _backend():
    return current_app.extensions["credentials"]


def _body() -> dict:
    """The JSON object of the request, or a 400 that says what is wrong with it."""
    if not request.is_json:
        raise BadRequest("the body must be JSON (Content-Type: application/json)")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object")
    nul = field_holding_nul(data)  # PostgreSQL cannot store it (a 500 there, before this check)
    if nul:
        raise FieldError(nul, NUL_RULE)
    if not g.get("credentials_in_flight"):  # from the read body to the answer: the outbox thread yields
        _backend().activity.started()  # (ended in app.py's teardown; a body still trickling in never counts)
        g.credentials_in_flight = True
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
@require(*OFFICE)
def office_register():
    b = _body()
    result = _call(services.register_account, b.get("username"), b.get("legal_name"), b.get("email"),
                   b.get("language"))
    return jsonify(answers.registration(result)), 201


@api.post("/office/email-corrections")
@require(*OFFICE)
def office_correct_email():
    b = _body()
    return jsonify(answers.email_correction(_call(services.correct_email, b.get("username"), b.get("email"))))


@api.post("/office/username-disclosures")
@require(*OFFICE)
def office_disclose_username():
    b = _body()
    return jsonify(answers.usernames(_call(services.disclose_usernames, b.get("legal_name"), b.get("email"))))


@api.post("/activate")
@require(*PORTAL)
def activate():
    b = _body()
    state = _call(services.activate, b.get("username"), b.get("code"), b.get("new_password"),
                  channel=_optional_channel(b), source=b.get("source"), client_address=b.get("client_address"))
    return jsonify(answers.activated(state))


@api.post("/login")
@require(*PORTAL)
def login():
    b = _body()
    _call(services.login, b.get("username"), b.get("password"), channel=_optional_channel(b))
    return jsonify(answers.logged_in())


@api.post("/reset-requests")
@require(*NEW_CODE)
def reset_requests():
    b = _body()
    _call(services.request_new_code, b.get("username"), b.get("email"), b.get("channel"), b.get("source"),
          client_address=b.get("client_address"))
    return jsonify(answers.accepted()), 202


@api.post("/diagnose")
@require(*ACCOUNT_CHECK)
def diagnose():
    b = _body()
    report = _call(services.diagnose, b.get("username"), b.get("email"), b.get("channel"), b.get("source"),
                   client_address=b.get("client_address"))
    return jsonify(answers.diagnosis(report))


def _optional_channel(body: dict) -> str:
    value = body.get("channel")
    return "web" if value in (None, "") else validate_channel(value)

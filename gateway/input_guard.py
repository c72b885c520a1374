"""One rule for every room's input: no NUL character (U+0000).

PostgreSQL's text columns cannot hold U+0000: an idempotency key, a search, a reply or a login name
carrying one made the driver raise inside the request (a 500 on the production database, while
SQLite stored it). No field of the help desk has a use for it, so a request with one in its path,
query, form or JSON body is refused with a clear 400 before any room reads it. The phone line is
the exception: Twilio never sends U+0000, and a caller must always get TwiML, so the phone line's
own reading of its fields (ivr/) drops it instead.
"""
from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import BadRequest

from kernel.fields import NUL, holds_nul

MESSAGE = "The request contains a NUL character (U+0000), which no field accepts."
PHONE_PREFIX = "/voice"


def _request_holds_nul() -> bool:
    if NUL in request.path or holds_nul(request.view_args or {}):
        return True
    if holds_nul(list(request.args.items(multi=True))):  # (key, value) pairs: keys are checked too
        return True
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if holds_nul(list(request.form.items(multi=True))):
            return True
    if request.is_json:
        try:
            body = request.get_json(silent=True)
        except RecursionError:  # nested past the decoder: the room's JSON reader answers 400
            return False
        return holds_nul(body)
    return False


def refuse_nul_characters(app: Flask) -> None:
    @app.before_request
    def no_nul_character():
        if request.path.startswith(PHONE_PREFIX):
            return None
        if _request_holds_nul():
            raise BadRequest(description=MESSAGE)
        return None

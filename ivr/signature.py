"""Only Twilio may drive the phone line: every webhook carries X-Twilio-Signature, checked against
the public URL Twilio called (PUBLIC_BASE_URL + path + query, so it holds behind a proxy)."""
from __future__ import annotations

import functools
import logging

from flask import abort, current_app, request
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

from gateway import settings_of
from kernel.fields import NUL, holds_nul

log = logging.getLogger(__name__)


def public_url_of_request() -> str:
    """The URL Twilio signed: the configured public base, never the Host header a proxy rewrote."""
    query = request.query_string.decode("latin-1")
    return settings_of(current_app).public_base_url + request.path + (f"?{query}" if query else "")


def signature_is_valid() -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    validator = RequestValidator(settings_of(current_app).twilio_auth_token)
    return validator.validate(public_url_of_request(), request.form, signature)


def _without_nul(values: MultiDict) -> ImmutableMultiDict:
    """The fields without U+0000: Twilio never sends one, PostgreSQL's text columns cannot hold one,
    and a caller must still get TwiML (the other rooms refuse it: gateway/input_guard.py)."""
    return ImmutableMultiDict([(k.replace(NUL, ""), v.replace(NUL, "")) for k, v in values.items(multi=True)])


def twilio_only(view):
    """Decorator: 403 before anything else happens unless Twilio signed this request; after the
    check (over the fields as signed) the view reads them without U+0000."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not signature_is_valid():
            log.warning("rejected unsigned or mis-signed request to %s", request.path)
            abort(403, description="Invalid Twilio signature.")
        if holds_nul(list(request.args.items(multi=True))) or holds_nul(list(request.form.items(multi=True))):
            request.args, request.form = _without_nul(request.args), _without_nul(request.form)
        kwargs = {k: v.replace(NUL, "") if isinstance(v, str) else v for k, v in kwargs.items()}
        return view(*args, **kwargs)

    return wrapper

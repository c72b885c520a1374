"""Who may call which route: every caller has a bearer token of its own (CALLER_TOKENS of
credentials/settings.py) and each route names the callers it serves.

The presented token is compared with every caller's token in constant time, all of them each time,
so neither the answer nor its timing says which caller's token a guess came close to. No or an
unknown token is 401; a known caller outside the route's scope is 403 (the action server and the
phone line never reach /login or /activate, the document office's token only the office routes).
"""
from __future__ import annotations

from functools import wraps
from typing import Mapping, Optional

from flask import current_app, g, request

from credentials.api.errors import error
from credentials.security import tokens_equal

# The scopes, by route family (kept here, in one table, so a review reads them at once).
NEW_CODE = ("assistant", "phone", "console")  # POST /reset-requests (S4, S5, S8)
ACCOUNT_CHECK = ("assistant", "console")  # POST /diagnose
PORTAL = ("portal",)  # POST /activate, /login (S3, S7): the portal's own login page, not the help desk
OFFICE = ("office",)  # /office/* (S1, S5, S9)


def caller_of(header: str, tokens: Mapping[str, str]) -> Optional[str]:
    """The caller whose token ``header`` (``Bearer <token>``) carries, or None; constant time over all."""
    scheme, _, given = header.partition(" ")
    given = given.strip() if scheme.lower() == "bearer" else ""
    found = None
    for caller, expected in tokens.items():  # every token is compared, even after a match
        if tokens_equal(given, expected) and expected:
            found = caller
    return found


def require(*callers: str):
    """Let the view answer only ``callers`` (names of CALLER_TOKENS): 401 without a known token, 403 outside the scope."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            tokens = current_app.extensions["credentials"].kit.settings.caller_tokens
            caller = caller_of(request.headers.get("Authorization", ""), tokens)
            if caller is None:
                return error(401, "unauthorized", "a valid bearer token is required")
            if caller not in callers:
                return error(403, "forbidden", "this caller's token does not open this route")
            g.credentials_caller = caller
            return view(*args, **kwargs)

        wrapper.credentials_callers = tuple(callers)
        return wrapper

    return decorator

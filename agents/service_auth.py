"""Bearer-token check of the service API (action server, phone line): constant-time compare."""
from __future__ import annotations

import functools
import hmac

from flask import current_app, jsonify, request

from gateway import settings_of


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def service_token_required(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        presented = bearer_token() or ""
        expected = settings_of(current_app).service_token
        if not hmac.compare_digest(presented.encode(), expected.encode()):
            return jsonify(error="unauthorized", message="A valid service token is required."), 401
        return view(*args, **kwargs)

    return wrapper

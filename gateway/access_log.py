"""The gateway's access log without what identifies a conversation or carries a credential.

gunicorn writes the request line of every request. The chat relay's paths hold the widget's
conversation id (``/api/v1/chat/<id>/events``) and a query string may hold a token or a CallSid;
neither belongs in a log that operators and log shippers read. :class:`MaskingAccessLogger` writes
``/api/v1/chat/***/events`` and drops every query value (``?step=***``), and masks addresses.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qsl

from gunicorn.glogging import Logger

from kernel.privacy import MASK, mask_emails_in

# /api/v1/chat/<conversation id>/..., /api/v1/escalations/<reference>, /agents/escalations/<id>
_IDENTIFYING = re.compile(r"(/api/v1/chat/|/api/v1/escalations/|/agents/escalations/)[^/?\s]+")


def masked_path(path: str) -> str:
    """A request path or URI with conversation ids masked and query values dropped."""
    path, _, query = (path or "").partition("?")
    path = mask_emails_in(_IDENTIFYING.sub(lambda m: m.group(1) + MASK, path))
    if not query:
        return path
    names = [name for name, _ in parse_qsl(query, keep_blank_values=True)]
    return path + "?" + "&".join(f"{name}={MASK}" for name in names) if names else path + "?" + MASK


class MaskingAccessLogger(Logger):
    """gunicorn's logger whose access-log atoms never hold a conversation id or a query value."""

    def atoms(self, resp, req, environ, request_time):  # noqa: D401 - gunicorn's hook
        atoms = super().atoms(resp, req, environ, request_time)
        method, protocol = environ.get("REQUEST_METHOD", "-"), environ.get("SERVER_PROTOCOL", "-")
        atoms["r"] = f"{method} {masked_path(environ.get('RAW_URI', ''))} {protocol}"
        atoms["U"] = masked_path(environ.get("PATH_INFO", ""))
        atoms["q"] = MASK if environ.get("QUERY_STRING") else ""
        atoms["f"] = masked_path(environ.get("HTTP_REFERER", "-"))
        for key in list(atoms):  # gunicorn also offers every environ value ({raw_uri}e) and header ({referer}i)
            if key in ("{raw_uri}e", "{path_info}e", "{request_uri}e", "{http_referer}e", "{referer}i"):
                atoms[key] = masked_path(str(atoms[key]))
            elif key == "{query_string}e":
                atoms[key] = MASK if atoms[key] else ""
        return atoms

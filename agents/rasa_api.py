"""Rasa's HTTP API as the console needs it: resume a conversation paused for an agent. Every call
has a short deadline.

Rasa runs with ``--jwt-secret`` (scripts/rasa-serve.sh) and no ``--auth-token``, whose token Rasa
only reads from the query string (``?token=``, which proxies and access logs keep). Each call
carries ``Authorization: Bearer <JWT>``: HS256 under RASA_JWT_SECRET, role ``user`` with the
conversation id as username, so Rasa lets it touch that one conversation only, for a minute.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any, Optional
from urllib.parse import quote

import httpx

from gateway.settings import GatewaySettings

TIMEOUT = httpx.Timeout(3.0, connect=2.0)


class RasaUnavailable(RuntimeError):
    """Rasa did not answer as agreed in time; the console tells the agent to retry."""


HAND_BACK_ACTION = "action_agent_handed_back"
JWT_LIFETIME_SECONDS = 60


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def signed_jwt(secret: str, claims: dict[str, Any]) -> str:
    """A compact HS256 JWT of ``claims`` (what sanic-jwt in Rasa verifies)."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(secret.encode(), f"{header}.{payload}".encode("ascii"), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def conversation_jwt(secret: str, path_id: str, now: Optional[float] = None) -> str:
    """A JWT that opens Rasa's HTTP API for one conversation only (Rasa's role ``user``), briefly.

    ``path_id`` is the conversation id as it stands in the URL: Sanic does not unquote path
    parameters, and Rasa compares the JWT's username with the parameter as it is."""
    issued = int(time.time() if now is None else now)
    return signed_jwt(secret, {"user": {"username": path_id, "role": "user"},
                               "iat": issued, "exp": issued + JWT_LIFETIME_SECONDS})


def resume_conversation(settings: GatewaySettings, conversation_id: str) -> None:
    """Hand a paused conversation back to the bot so that it answers the next message as usual.

    While still paused, Rasa executes action_agent_handed_back (clears the escalation's offer,
    counters and form, tells the user the assistant is back) and the turn is closed with
    action_listen: without it the next message would follow `action_escalate` and the paused turns,
    a history no policy was trained on (fallback, even a new escalation). The ConversationResumed
    event comes last, so a failure on the way leaves the bot paused and the case with the agent.
    """
    path_id = quote(conversation_id, safe="")
    base = f"{settings.rasa_url}/conversations/{path_id}"
    params = {"include_events": "NONE"}
    headers = {"Authorization": f"Bearer {conversation_jwt(settings.rasa_jwt_secret, path_id)}"}
    _post_to_rasa(f"{base}/execute", {**params, "output_channel": "latest"}, {"name": HAND_BACK_ACTION}, headers)
    _post_to_rasa(f"{base}/tracker/events", params, [{"event": "action", "name": "action_listen"}], headers)
    _post_to_rasa(f"{base}/tracker/events", params, [{"event": "resume"}], headers)


def _post_to_rasa(url: str, params: dict, body: object, headers: dict[str, str]) -> None:
    try:
        r = httpx.post(url, params=params, json=body, headers=headers, timeout=TIMEOUT)
    except httpx.HTTPError as exc:
        raise RasaUnavailable(f"Rasa unreachable: {type(exc).__name__}") from None
    if r.status_code != 200:
        raise RasaUnavailable(f"Rasa answered {r.status_code}")

"""Typed clients of the services the console calls: the credentials backend (new code, same rules as
the bot) and Rasa's HTTP API (resume a paused conversation). Every call has a short deadline."""
from __future__ import annotations

from urllib.parse import quote

import httpx

from gateway.settings import GatewaySettings

TIMEOUT = httpx.Timeout(3.0, connect=2.0)


class BackendUnavailable(RuntimeError):
    """The other service did not answer as agreed in time; the console tells the agent to retry."""


def request_new_code(settings: GatewaySettings, username: str, email: str, source: str) -> None:
    """POST /api/v1/reset-requests with channel "agent". The backend answers 202 whatever the account
    (no enumeration) and sends the code only to the address on file (S4, S5, S8)."""
    try:
        r = httpx.post(
            f"{settings.credentials_url}/api/v1/reset-requests",
            json={"username": username, "email": email, "channel": "agent", "source": source},
            headers={"Authorization": f"Bearer {settings.credentials_service_token}"},
            timeout=TIMEOUT,
        )
    except httpx.HTTPError as exc:
        raise BackendUnavailable(f"credentials backend unreachable: {type(exc).__name__}") from None
    if r.status_code == 422 or r.status_code == 400:
        field = _field_of(r)
        raise ValueError(field or "request")
    if r.status_code != 202:
        raise BackendUnavailable(f"credentials backend answered {r.status_code}")


def _field_of(r: httpx.Response) -> str | None:
    try:
        return r.json().get("field")
    except ValueError:
        return None


HAND_BACK_ACTION = "action_agent_handed_back"


def resume_conversation(settings: GatewaySettings, conversation_id: str) -> None:
    """Hand a paused conversation back to the bot so that it answers the next message as usual.

    While still paused, Rasa executes action_agent_handed_back (clears the escalation's offer,
    counters and form, tells the user the assistant is back) and the turn is closed with
    action_listen: without it the next message would follow `action_escalate` and the paused turns,
    a history no policy was trained on (fallback, even a new escalation). The ConversationResumed
    event comes last, so a failure on the way leaves the bot paused and the case with the agent.
    """
    base = f"{settings.rasa_url}/conversations/{quote(conversation_id, safe='')}"
    params = {"token": settings.rasa_token, "include_events": "NONE"}
    _post_to_rasa(f"{base}/execute", {**params, "output_channel": "latest"}, {"name": HAND_BACK_ACTION})
    _post_to_rasa(f"{base}/tracker/events", params, [{"event": "action", "name": "action_listen"}])
    _post_to_rasa(f"{base}/tracker/events", params, [{"event": "resume"}])


def _post_to_rasa(url: str, params: dict, body: object) -> None:
    try:
        r = httpx.post(url, params=params, json=body, timeout=TIMEOUT)
    except httpx.HTTPError as exc:
        raise BackendUnavailable(f"Rasa unreachable: {type(exc).__name__}") from None
    if r.status_code != 200:
        raise BackendUnavailable(f"Rasa answered {r.status_code}")

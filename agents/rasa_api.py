"""Rasa's HTTP API as the console needs it: resume a conversation paused for an agent. Every call
has a short deadline."""
from __future__ import annotations

from urllib.parse import quote

import httpx

from gateway.settings import GatewaySettings

TIMEOUT = httpx.Timeout(3.0, connect=2.0)


class RasaUnavailable(RuntimeError):
    """Rasa did not answer as agreed in time; the console tells the agent to retry."""


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
        raise RasaUnavailable(f"Rasa unreachable: {type(exc).__name__}") from None
    if r.status_code != 200:
        raise RasaUnavailable(f"Rasa answered {r.status_code}")

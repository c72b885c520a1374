"""A short timeout for Rasa's calls to the action server.

Rasa 3.6 posts to the action server with ``timeout=DEFAULT_REQUEST_TIMEOUT`` (300 s), a module
constant read at call time in ``rasa.core.actions.action``; neither ``endpoints.yml`` nor a CLI flag
sets it (RasaHQ/rasa#9789, #10764; ``--request-timeout`` is Sanic's *incoming* request timeout).
Twilio gives up on a webhook after 15 s, so a hanging action must fail after a few seconds and let
the dialogue answer with its fallback. The input channels in bot/channels.py are the one piece of
our code Rasa loads at start-up, so they apply the setting when they are constructed.
"""
from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

DEFAULT_ACTION_TIMEOUT_SECONDS = 5.0
MAX_ACTION_TIMEOUT_SECONDS = 10.0


def apply_action_timeout(seconds: float) -> None:
    """Make every Rasa → action server request give up after ``seconds``."""
    import rasa.core.actions.action as remote_action

    if not 0 < seconds <= MAX_ACTION_TIMEOUT_SECONDS:
        raise ValueError(
            f"action_timeout_seconds must be > 0 and <= {MAX_ACTION_TIMEOUT_SECONDS}, got {seconds}"
        )
    if remote_action.DEFAULT_REQUEST_TIMEOUT != seconds:
        remote_action.DEFAULT_REQUEST_TIMEOUT = seconds
        logger.info("Action server requests time out after %s s.", seconds)


def current_action_timeout() -> float:
    """The timeout Rasa uses for the action server right now."""
    import rasa.core.actions.action as remote_action

    return float(remote_action.DEFAULT_REQUEST_TIMEOUT)

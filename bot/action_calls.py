"""How Rasa calls the action server: a short timeout, and a response check that is not redone.

Both are module-level behaviour of Rasa 3.6 that no configuration file reaches; the input channels
in bot/channels.py are the one piece of our code Rasa loads at start-up, so their
``tune_rasa_process`` applies them when Rasa builds them from credentials.yml (applying twice
changes nothing).

* Timeout: Rasa posts to the action server with ``timeout=DEFAULT_REQUEST_TIMEOUT`` (300 s), a
  constant read at call time in ``rasa.core.actions.action``; neither ``endpoints.yml`` nor a CLI
  flag sets it (RasaHQ/rasa#9789, #10764; ``--request-timeout`` is Sanic's *incoming* request
  timeout). Twilio gives up on a webhook after 15 s, so a hanging action must fail after a few
  seconds and let the dialogue answer with its fallback.
* Response check: ``RemoteAction._validate_action_result`` calls ``jsonschema.validate``, which
  re-validates the (constant) schema against its meta-schema on every call before checking the
  response: most of a turn's CPU time on this project's 2-core machine (docs/BENCHMARKS.md). The
  replacement checks the schema once and validates each response exactly as before.
* Connections: ``EndpointConfig.request`` opens a new ``aiohttp.ClientSession`` — a new TCP
  connection, closed again — for every call, and every user message makes at least one
  (action_validate_slot_mappings). The kept session reuses one connection pool per endpoint and event
  loop; an idle connection is dropped after ``KEEPALIVE_SECONDS``, before the action server's Sanic
  closes it (its keep-alive timeout is 5 s), so a request never goes out on a connection the server is
  closing. Each request keeps its own timeout (the one above), as before.
"""
from __future__ import annotations

import asyncio
import contextvars
import logging
from typing import Any, Dict, List, Optional

logger = logging.getLogger(__name__)

DEFAULT_ACTION_TIMEOUT_SECONDS = 5.0
MAX_ACTION_TIMEOUT_SECONDS = 10.0
# An idle kept connection is closed after this long: below Sanic's 5 s keep-alive on the other side.
KEEPALIVE_SECONDS = 2.0


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


def apply_checked_once_response_schema() -> None:
    """Validate action server responses with a validator built once (same errors as Rasa's)."""
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    if getattr(RemoteAction._validate_action_result, "checked_once", False):
        return
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)

    def _validate_action_result(self: Any, result: Dict[str, Any]) -> bool:
        from jsonschema import ValidationError

        try:
            validator.validate(result)
            return True
        except ValidationError as e:
            e.message += (
                ". Failed to validate Action server response from API, make sure your response "
                f"from the Action endpoint is valid. For more information about the format visit "
                f"{DOCS_BASE_URL}/custom-actions"
            )
            raise e

    _validate_action_result.checked_once = True  # type: ignore[attr-defined]
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[assignment]


class _Borrowed:
    """``async with`` over a kept session that leaves it open (Rasa's caller closes what it gets)."""

    def __init__(self, session: Any) -> None:
        self._session = session

    async def __aenter__(self) -> Any:
        return self._session

    async def __aexit__(self, *exc: Any) -> bool:
        return False


def apply_kept_alive_sessions() -> None:
    """Let every ``EndpointConfig.request`` (action server, NLG, model server) reuse one aiohttp
    session per endpoint and event loop instead of a new session and connection per call."""
    import aiohttp
    from rasa.utils.endpoints import EndpointConfig

    if getattr(EndpointConfig.session, "kept_alive", False):
        return
    fresh_session = EndpointConfig.session

    def session(self: Any) -> Any:
        try:
            loop: Optional[asyncio.AbstractEventLoop] = asyncio.get_running_loop()
        except RuntimeError:  # not inside a loop: Rasa's own behaviour, a session of its own
            return fresh_session(self)
        kept = self.__dict__.get("_kept_session")
        if kept is None or kept.closed or kept._loop is not loop:  # noqa: SLF001 - aiohttp keeps its loop there
            from rasa.utils import endpoints

            auth = (aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
                    if self.basic_auth else None)  # as Rasa's own session() builds it
            kept = aiohttp.ClientSession(
                headers=self.headers, auth=auth,
                timeout=aiohttp.ClientTimeout(total=endpoints.DEFAULT_REQUEST_TIMEOUT),
                connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS),
            )
            self.__dict__["_kept_session"] = kept
        return _Borrowed(kept)

    session.kept_alive = True  # type: ignore[attr-defined]
    EndpointConfig.session = session  # type: ignore[assignment]


# --- a turn whose action call failed -----------------------------------------------------------
# Rasa's processor catches a failed custom action (the action server refused the connection, or
# answered an error), logs "Bot will continue, but the actions events are lost" and ends the turn:
# in the middle of a form that turn has nothing to say, and the channel answered an empty list — a
# widget user saw no answer at all and a caller a "not understood" re-prompt, not the fallback the
# design promises. The channels start a record per turn (``watch_turn``); a failed action call adds
# its name to it; a turn that failed so *and* said nothing is answered as "assistant unavailable".

_TURN_FAILURES: "contextvars.ContextVar[Optional[List[str]]]" = contextvars.ContextVar(
    "helpdesk_turn_action_failures", default=None)


def watch_turn() -> List[str]:
    """The failed action calls of the turn about to run in this task (filled as they fail)."""
    failures: List[str] = []
    _TURN_FAILURES.set(failures)
    return failures


def apply_failed_action_watch() -> None:
    """Record each failed custom action call in the running turn's watch list (then re-raise, so
    Rasa's own handling is unchanged)."""
    from rasa.core.actions.action import ActionExecutionRejection, RemoteAction

    if getattr(RemoteAction.run, "watched", False):
        return
    original = RemoteAction.run

    async def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return await original(self, *args, **kwargs)
        except ActionExecutionRejection:  # a form's designed refusal, which the policies handle
            raise
        except Exception:
            failures = _TURN_FAILURES.get()
            if failures is not None:
                failures.append(self.name())
            raise

    run.watched = True  # type: ignore[attr-defined]
    RemoteAction.run = run  # type: ignore[assignment]

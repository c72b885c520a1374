"""Conversation events for the supervisors' statistics (docs/agents.md, POST /api/v1/conversation-events).

- ``started``: the first user message of a chat session (the phone line records its own calls);
- ``topic``: one of the letter's typical mistakes (S4–S9) came up — from the user's intent, or
  recognised by action_explain_login / action_diagnose;
- ``topic`` ``new_code_completed``: action_request_new_code's request was taken by the backend, sent
  with the ``account`` (the username; the gateway keeps only its keyed digest), which also goes on a
  chat's ``started`` event: a new contact from the same account within 24 h means the first
  conversation was not contained (docs/agents.md, "The figures").

Fire and forget: the POST runs as a background task on the action server's event loop with the
client's 3 s timeout, so the turn never waits for it and never fails because of it; a failure is
logged (its kind only) and the statistics miss one event.

In the production topology (``STATISTICS_EVENTS=broker``) the actions send nothing: Rasa's event
broker carries every event to RabbitMQ and agents/broker_consumer.py derives the same events from
them (kernel.contracts.conversation_events_from_rasa: the user's intent, the responses below).
"""
from __future__ import annotations

import asyncio
import logging
import os
from typing import Any, Callable, Iterable, List, Optional, Set

from rasa_sdk import Tracker

from actions.gateway_client import GatewayClient
from kernel.contracts import ConversationEvent
from kernel.fields import LANGUAGES

logger = logging.getLogger(__name__)

GatewayFactory = Callable[[], GatewayClient]

# The mistake types the statistics count (agents/stats.py MISTAKES) plus S3's never-activated account
TOPICS = ("code_expired", "code_not_received", "own_name_as_username", "code_as_password", "not_activated",
          "forgot_password", "forgot_username")
# Intents that name a mistake type themselves
TOPIC_INTENTS = ("code_expired", "code_not_received", "own_name_as_username", "code_as_password",
                 "forgot_password", "forgot_username")

_pending: Set[asyncio.Task] = set()


async def _send(client_factory: GatewayFactory, event: ConversationEvent, account: Optional[str] = None) -> None:
    try:
        if account:
            await client_factory().record_conversation_event(event, account=account)
        else:
            await client_factory().record_conversation_event(event)
    except Exception as exc:  # noqa: BLE001 - statistics never break a conversation
        logger.warning("conversation event %s not recorded: %s", event.kind, type(exc).__name__)


def via_broker() -> bool:
    """True when the statistics come from Rasa's event broker (STATISTICS_EVENTS=broker)."""
    return os.environ.get("STATISTICS_EVENTS", "gateway").strip().lower() == "broker"


def send_in_background(client_factory: GatewayFactory, event: ConversationEvent, account: Optional[str] = None) -> None:
    """Schedule the POST on the running loop; the caller does not wait for it (nothing to send when
    the broker carries the statistics)."""
    if via_broker():
        return
    try:
        task = asyncio.get_running_loop().create_task(_send(client_factory, event, account))
    except RuntimeError:  # no running loop: nothing to send it with
        logger.warning("conversation event %s not recorded: no event loop", event.kind)
        return
    _pending.add(task)  # a reference, or the task could be garbage-collected mid-flight
    task.add_done_callback(_pending.discard)


async def drain() -> None:
    """Wait for the events still in flight (tests, shutdown)."""
    while _pending:
        await asyncio.gather(*list(_pending), return_exceptions=True)


def conversation_channel(tracker: Tracker) -> str:
    """The conversation's channel: phone or chat (also the backend's channel of a new-code request)."""
    return "phone" if tracker.get_slot("channel") == "phone" else "chat"


def client_address(tracker: Tracker) -> Optional[str]:
    """The client address the chat channel put into the latest message's metadata (bot/channels.py:
    the socket peer, or the production proxy's trusted header); None on the phone line and in tests."""
    latest = tracker.latest_message or {}
    metadata = latest.get("metadata") or {}
    if not metadata:
        for event in reversed(tracker.events):
            if event.get("event") == "user":
                metadata = event.get("metadata") or {}
                break
    value = metadata.get("client_address") if isinstance(metadata, dict) else None
    return value if isinstance(value, str) and value else None


def conversation_language(tracker: Tracker) -> Optional[str]:
    language = tracker.get_slot("language")
    return language if language in LANGUAGES else None


def is_first_message_of_session(tracker: Tracker) -> bool:
    """True when the latest user message is the first one since the session started."""
    users = 0
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "session_started":
            break
        if kind == "user":
            users += 1
            if users > 1:
                return False
    return users == 1


def report_started(client_factory: GatewayFactory, tracker: Tracker, channel: str, language: Optional[str]) -> None:
    """A chat conversation began (phone calls are counted by the phone line itself)."""
    if channel == "chat":
        send_in_background(client_factory, ConversationEvent(tracker.sender_id, channel, language, "started"))


def report_topics(client_factory: GatewayFactory, tracker: Tracker, topics: Iterable[str],
                  channel: Optional[str] = None, language: Optional[str] = None) -> List[str]:
    """Report each known mistake type once per call; returns the ones reported."""
    channel = channel or conversation_channel(tracker)
    language = language if language is not None else conversation_language(tracker)
    reported: List[str] = []
    for topic in topics:
        if topic in TOPICS and topic not in reported:
            reported.append(topic)
            send_in_background(client_factory, ConversationEvent(tracker.sender_id, channel, language, "topic", topic))
    return reported


def report_turn(client_factory: GatewayFactory, tracker: Tracker, slot_events: List[Any]) -> None:
    """After the slot mappings of a user message: `started` for a new chat session, the intent's topic."""
    values = {e.get("name"): e.get("value") for e in slot_events if isinstance(e, dict) and e.get("event") == "slot"}
    channel = "phone" if values.get("channel", tracker.get_slot("channel")) == "phone" else "chat"
    language = values.get("language", tracker.get_slot("language"))
    language = language if language in LANGUAGES else None
    if is_first_message_of_session(tracker):
        report_started(client_factory, tracker, channel, language)
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    if intent in TOPIC_INTENTS:
        report_topics(client_factory, tracker, [intent], channel, language)


NEW_CODE_COMPLETED = "new_code_completed"


def report_new_code_completed(client_factory: GatewayFactory, tracker: Tracker, account: Optional[str]) -> None:
    """The bot completed a new-code request (the backend took it): the statistics' topic, and the
    account on the conversation's ``started`` event (a chat's; the phone line keys calls itself)."""
    channel, language = conversation_channel(tracker), conversation_language(tracker)
    send_in_background(client_factory, ConversationEvent(tracker.sender_id, channel, language, "topic",
                                                         NEW_CODE_COMPLETED), account)
    if channel == "chat" and account:
        send_in_background(client_factory, ConversationEvent(tracker.sender_id, channel, language, "started"), account)

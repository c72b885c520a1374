"""Handing the conversation to a person: the offer, the escalation, and the not-understood counter.

A person is offered on request (human_handoff), after two failed understandings in a row, and when
the backend is down. On yes, action_escalate pauses the bot while an agent has the conversation: in
chat it creates the escalation through the gateway's API (docs/ARCHITECTURE.md); in a phone call it
hands a :class:`kernel.contracts.HandoffRequest` back to the phone line, which creates the case itself.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import ConversationPaused, EventType, SlotSet, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from actions import email_address, working_hours
from actions.gateway_client import GatewayClient, GatewayUnavailable
from actions.safety import HelpdeskAction, offer_handoff
from kernel.contracts import EscalationRequest, EscalationTicket, HandoffRequest, TranscriptTurn, parse_time
from kernel.hours import Availability
from kernel.privacy import mask_emails_in

TRANSCRIPT_TURNS = 30
# What was already tried, in the agent console's words
TRIED = {
    "new_code_form": "new_code_form",
    "action_request_new_code": "request_new_code",
    "login_help_form": "login_help_form",
    "action_explain_login": "explain_login",
    "account_check_form": "account_check_form",
    "action_diagnose": "diagnose",
}
_NOT_TOPICS = ("utter_ask_", "utter_offer_", "utter_default", "utter_please_rephrase", "utter_invalid_")


def _at(timestamp: Any) -> Any:
    """A Rasa event timestamp as ISO 8601 UTC with a ``Z``; None when there is none."""
    if not isinstance(timestamp, (int, float)):
        return None
    return parse_time(timestamp).replace("+00:00", "Z")


def transcript(tracker: Tracker, turns: int = TRANSCRIPT_TURNS) -> List[TranscriptTurn]:
    """The last user and bot texts, addresses masked (secrets were redacted by bot/ before Rasa stored them)."""
    out = []
    for event in tracker.events:
        kind = event.get("event")
        if kind in ("user", "bot") and event.get("text"):
            out.append(TranscriptTurn(role=kind, text=mask_emails_in(str(event["text"])), at=_at(event.get("timestamp"))))
    return out[-turns:]


def tried(tracker: Tracker) -> List[str]:
    """Forms and backend actions that ran, and the topics answered, first occurrence order."""
    seen: List[str] = []
    for event in tracker.events:
        if event.get("event") != "action":
            continue
        name = event.get("name") or ""
        label = TRIED.get(name)
        if label is None and name.startswith("utter_") and not name.startswith(_NOT_TOPICS):
            label = name[len("utter_"):]
        if label and label not in seen:
            seen.append(label)
    return seen


def idempotency_key(tracker: Tracker) -> str:
    """Same key for a retried call of the same chat turn (docs/ARCHITECTURE.md)."""
    turn = sum(1 for e in tracker.events if e.get("event") == "user")
    return f"chat:{tracker.sender_id}:{turn}"


class ActionOfferHandoff(HelpdeskAction):
    """Asks whether a person should take over (yes → action_escalate)."""

    def name(self) -> str:
        return "action_offer_handoff"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        return offer_handoff(dispatcher, "user_asked")


class ActionDeclineOffer(HelpdeskAction):
    """A no to the bot's offer: forget it and the details it needed, ask what else."""

    def name(self) -> str:
        return "action_decline_offer"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        dispatcher.utter_message(response="utter_anything_else")
        return [SlotSet("offer", None)] + email_address.forget_email()


NOT_UNDERSTOOD_ACTIONS = ("action_handle_not_understood", "action_default_fallback")
_BOOKKEEPING = ("action_listen", "action_extract_slots", "action_validate_slot_mappings", "action_session_start")


def previous_turn_not_understood(tracker: Tracker) -> bool:
    """True when the bot's answer to the previous user message was a not-understood re-prompt."""
    passed_latest_user = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            if passed_latest_user:
                return False
            passed_latest_user = True
        elif kind == "action" and passed_latest_user and event.get("name") not in _BOOKKEEPING:
            return event.get("name") in NOT_UNDERSTOOD_ACTIONS
    return False


class ActionHandleNotUnderstood(HelpdeskAction):
    """Re-prompts; the second failed understanding in a row offers a person (outside forms)."""

    def name(self) -> str:
        return "action_handle_not_understood"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        in_form = bool((tracker.active_loop or {}).get("name"))
        count = 2 if previous_turn_not_understood(tracker) else 1
        if count >= 2 and not in_form:
            events = offer_handoff(dispatcher, "not_understood", "utter_offer_handoff_not_understood")
            return [SlotSet("failed_understandings", 0.0)] + events
        dispatcher.utter_message(response="utter_please_rephrase")
        return [SlotSet("failed_understandings", float(count))]


class ActionDefaultFallback(ActionHandleNotUnderstood):
    """Rasa's core fallback (no policy was confident) counts as a failed understanding too.

    Like Rasa's built-in one it reverts the user's message (otherwise the policies would predict
    the fallback again and again for the same message); the raw event history still shows this
    turn, so the next one can tell that it is the second failure in a row.
    """

    def name(self) -> str:
        return "action_default_fallback"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        # The revert comes first: events after it (the offer) survive, events before it would not.
        return [UserUtteranceReverted()] + await super().act(dispatcher, tracker, domain)

    def on_error(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        return [UserUtteranceReverted()] + super().on_error(dispatcher, tracker)


SOCKETIO_INPUT_CHANNELS = ("helpdesk_socketio", "socketio")


def handoff_payload(escalation: EscalationTicket, status: Optional[Availability] = None) -> Dict[str, Any]:
    """What the widget needs to switch to the gateway's relay (docs/agents.md); out of hours also
    ``closed``: when the agents are back, as an instant and in both languages' words."""
    handoff: Dict[str, Any] = {"reference": escalation.reference, "escalation_id": escalation.id}
    if escalation.chat_token:
        handoff["chat_token"] = escalation.chat_token
    if status is not None and not status.open:
        handoff["closed"] = working_hours.handoff_hours(status)
    return handoff


def handoff_message(tracker: Tracker, escalation: EscalationTicket,
                    status: Optional[Availability] = None) -> Dict[str, Any]:
    """The custom payload (`json_message`) carrying the handoff, shaped for the chat channel that answers.

    Rasa's socket.io output passes a custom payload's keys to python-socketio's ``emit`` as keyword
    arguments, so there it must be ``{"data": {...}}`` (the widget receives ``{"handoff": ...}``);
    the REST channel (other chat clients) returns it verbatim as ``custom``.
    """
    handoff = {"handoff": handoff_payload(escalation, status)}
    if tracker.get_latest_input_channel() in SOCKETIO_INPUT_CHANNELS:
        return {"data": handoff}
    return handoff


def diagnosis_of(tracker: Tracker) -> Dict[str, Any]:
    """What the agent should know of the account: the login mistake and the backend's summary."""
    diagnosis: Dict[str, Any] = {}
    if tracker.get_slot("login_mistake"):
        diagnosis["login_mistake"] = tracker.get_slot("login_mistake")
    if isinstance(tracker.get_slot("diagnosis"), dict):
        diagnosis["backend"] = tracker.get_slot("diagnosis")
    return diagnosis


class ActionEscalate(HelpdeskAction):
    """Hands the conversation to a person and pauses the bot; on failure gives the help line's contacts (S11).

    Chat: the escalation is created through the gateway's API and the widget told its reference.
    Phone: the phone line creates the case itself from the :class:`HandoffRequest` in the answer
    (with its own transcript of the call) and announces the reference, so the data goes one way.
    """

    def __init__(self, client_factory: Callable[[], GatewayClient] = GatewayClient.from_env) -> None:
        self._client_factory = client_factory

    def name(self) -> str:
        return "action_escalate"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        reason = tracker.get_slot("handoff_reason") or "user_asked"
        diagnosis = diagnosis_of(tracker) or None
        # Outside the working hours the yes was to a message for the agents (safety.offer_handoff).
        status = working_hours.availability()
        if tracker.get_slot("channel") == "phone":
            if status.open:  # out of hours the phone line starts the recording of the message itself
                dispatcher.utter_message(response="utter_handoff_phone")
            dispatcher.utter_message(json_message=HandoffRequest(reason, tried(tracker), diagnosis).as_payload())
            return [SlotSet("offer", None), SlotSet("with_agent", True), ConversationPaused()]
        request = EscalationRequest(
            idempotency_key=idempotency_key(tracker),
            channel="chat",
            conversation_id=tracker.sender_id,
            language="en" if tracker.get_slot("language") == "en" else "hu",
            reason=reason,
            transcript=transcript(tracker),
            tried=tried(tracker),
            diagnosis=diagnosis,
        )
        try:
            escalation = await self._client_factory().create_escalation(request)
        except GatewayUnavailable:
            dispatcher.utter_message(response="utter_handoff_failed")
            return [SlotSet("offer", None), SlotSet("with_agent", False)]
        if status.open:
            dispatcher.utter_message(response="utter_handoff_created", escalation_reference=escalation.reference)
            dispatcher.utter_message(json_message=handoff_message(tracker, escalation))
        else:  # the case waits for the agents; the widget shows when they are back (docs/agents.md)
            dispatcher.utter_message(response="utter_handoff_created_closed", escalation_reference=escalation.reference,
                                     **working_hours.back_params(status))
            dispatcher.utter_message(json_message=handoff_message(tracker, escalation, status))
        return [SlotSet("offer", None), SlotSet("escalation_reference", escalation.reference),
                SlotSet("with_agent", True), ConversationPaused()]

    def on_error(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        dispatcher.utter_message(response="utter_handoff_failed")
        return [SlotSet("offer", None), SlotSet("with_agent", False)]

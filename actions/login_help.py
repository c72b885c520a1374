"""Login troubleshooting (S3, S4, S6, S7): what did you type in each field, and what went wrong.

The form asks what went into the Username field (chosen username or own name, S6) and the Password
field (own password or the e-mailed code, S7); when it was the code, whether a password was ever
set (activation, S3). action_explain_login names the likely mistake and offers the next step.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions import conversation_events
from actions import login_answers as answers
from actions.gateway_client import GatewayClient
from actions.safety import HelpdeskAction, log_failure
from actions.slot_mappings import latest_intent

LOGIN_SLOTS = ("login_username_kind", "login_password_kind", "login_activated")

# Values of the `login_mistake` slot (also the escalation's diagnosis)
OWN_NAME_AS_USERNAME = "own_name_as_username"  # S6
CODE_AS_PASSWORD = "code_as_password"  # S7
NOT_ACTIVATED = "not_activated"  # S3, S4
WRONG_PASSWORD = "wrong_password"  # S8
UNCLEAR = "unclear"


class ValidateLoginHelpForm(FormValidationAction):
    """Turns free-text answers into slot values; asks about activation only when the code was typed."""

    def name(self) -> str:
        return "validate_login_help_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        try:
            return await super().run(dispatcher, tracker, domain)
        except Exception as exc:  # noqa: BLE001
            log_failure(self.name(), exc)
            dispatcher.utter_message(response="utter_login_answer_not_understood")
            return [SlotSet(slot, None) for slot in tracker.slots_to_validate() if slot in LOGIN_SLOTS]

    async def required_slots(self, domain_slots: List[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: Dict[str, Any]) -> List[str]:
        slots = ["login_username_kind", "login_password_kind"]
        if tracker.get_slot("login_password_kind") == answers.CODE:
            slots.append("login_activated")
        return slots

    def _answer(self, slot: str, kind: Optional[str], dispatcher: CollectingDispatcher) -> Dict[str, Any]:
        if kind is None:
            dispatcher.utter_message(response="utter_login_answer_not_understood")
        return {slot: kind}

    def validate_login_username_kind(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: Dict[str, Any]) -> Dict[str, Any]:
        kind = answers.username_field(str(value or ""), latest_intent(tracker))
        return self._answer("login_username_kind", kind, dispatcher)

    def validate_login_password_kind(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: Dict[str, Any]) -> Dict[str, Any]:
        kind = answers.password_field(str(value or ""), latest_intent(tracker))
        return self._answer("login_password_kind", kind, dispatcher)

    def validate_login_activated(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: Dict[str, Any]) -> Dict[str, Any]:
        return self._answer("login_activated", answers.yes_no(str(value or "")), dispatcher)


def diagnose_answers(username_kind: Optional[str], password_kind: Optional[str],
                     activated: Optional[str]) -> List[str]:
    """The mistakes the answers point at, most specific first."""
    mistakes = []
    if username_kind == answers.OWN_NAME:
        mistakes.append(OWN_NAME_AS_USERNAME)
    if password_kind == answers.CODE:
        mistakes.append(CODE_AS_PASSWORD if activated == answers.YES else NOT_ACTIVATED)
    elif password_kind == answers.PASSWORD and not mistakes:
        mistakes.append(WRONG_PASSWORD)
    if not mistakes:
        mistakes.append(UNCLEAR)
    return mistakes


class ActionExplainLogin(HelpdeskAction):
    """Explains the recognised mistakes and offers the next step (slot `offer`)."""

    def __init__(self, gateway_factory: conversation_events.GatewayFactory = GatewayClient.from_env) -> None:
        self._gateway_factory = gateway_factory

    def name(self) -> str:
        return "action_explain_login"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        mistakes = diagnose_answers(tracker.get_slot("login_username_kind"), tracker.get_slot("login_password_kind"),
                                    tracker.get_slot("login_activated"))
        offer: Optional[str] = None
        for mistake in mistakes:
            if mistake == OWN_NAME_AS_USERNAME:
                dispatcher.utter_message(response="utter_login_mistake_own_name")
            elif mistake == CODE_AS_PASSWORD:
                dispatcher.utter_message(response="utter_login_mistake_code_as_password")
                offer = "new_code"
            elif mistake == NOT_ACTIVATED:
                dispatcher.utter_message(response="utter_login_not_activated")
                offer = "new_code"
            elif mistake == WRONG_PASSWORD:
                dispatcher.utter_message(response="utter_login_wrong_password")
                offer = "account_check"
            else:
                offer = "account_check"
        if offer == "new_code":
            dispatcher.utter_message(response="utter_offer_new_code")
        elif offer == "account_check":
            dispatcher.utter_message(response="utter_offer_account_check")
        else:
            dispatcher.utter_message(response="utter_login_try_again")
        conversation_events.report_topics(self._gateway_factory, tracker, mistakes)
        events: List[EventType] = [SlotSet("login_mistake", mistakes[0])]
        events += [SlotSet(slot, None) for slot in LOGIN_SLOTS]
        if offer:
            events.append(SlotSet("offer", offer))
        return events

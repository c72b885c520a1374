"""The new-code flow (S4, S5, S8): the form's checks and the request to the backend.

The form asks for the username and the e-mail on file and reads the e-mail back masked. The
backend alone decides whether they match, whether a code goes out and whether the requester is rate
limited; the user hears the same words in every case (no account enumeration), and a new code only
ever goes to the address on file (S5).
"""
from __future__ import annotations

import logging
from typing import Any, Callable, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions import email_address
from actions.conversation_events import client_address, conversation_channel
from actions.credentials_client import BackendRejected, BackendUnavailable, CredentialsClient
from actions.safety import HelpdeskAction, log_failure, offer_handoff
from actions.usernames import UsernameVerdict, judge
from kernel.privacy import mask_email

logger = logging.getLogger(__name__)

FORM_SLOTS = ("username", "email", "email_confirmed")


def entity_values(tracker: Tracker, entity: str) -> List[str]:
    """Values of ``entity`` in the latest user message."""
    return [str(e.get("value")) for e in (tracker.latest_message or {}).get("entities") or []
            if e.get("entity") == entity and e.get("value")]


class ValidateNewCodeForm(FormValidationAction):
    """Checks the new_code_form answers: username (S6), e-mail syntax, masked read-back."""

    def name(self) -> str:
        return "validate_new_code_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        try:
            return await super().run(dispatcher, tracker, domain)
        except Exception as exc:  # noqa: BLE001 - reject what was given and let the form ask again
            log_failure(self.name(), exc)
            dispatcher.utter_message(response="utter_default")
            return [SlotSet(slot, None) for slot in tracker.slots_to_validate() if slot in FORM_SLOTS]

    def validate_username(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                          domain: Dict[str, Any]) -> Dict[str, Any]:
        """S6: an own name is explained and asked again; anything with spaces is asked again."""
        verdict, username = judge(str(value or ""), entity_values(tracker, "person_name"))
        if verdict is UsernameVerdict.OWN_NAME:
            dispatcher.utter_message(response="utter_username_looks_like_own_name")
            return {"username": None, "person_name_given": True}
        if verdict is UsernameVerdict.INVALID:
            dispatcher.utter_message(response="utter_invalid_username")
            return {"username": None}
        return {"username": username}

    def validate_email(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                       domain: Dict[str, Any]) -> Dict[str, Any]:
        """Typed or spoken address, syntax only; a new address always needs a fresh confirmation."""
        # The channel sealed the address it found in the message (the text holds it masked); the slot
        # may hold only the part NLU tagged ("kiss pista"), so the seal or the whole message decides.
        address = email_address.given_address(value, tracker)
        if address is None:
            dispatcher.utter_message(response="utter_invalid_email")
        return {"email": email_address.sealed(address), **email_address.masked_slots(address),
                "email_confirmed": None}

    def validate_email_confirmed(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: Dict[str, Any]) -> Dict[str, Any]:
        """A no at the read-back asks for the address again (a correction)."""
        if value is True:
            return {"email_confirmed": True}
        if "email" in tracker.slots_to_validate() and tracker.get_slot("email"):
            # "no, it is anna.k@freemail.hu": the new address was just validated; read it back again.
            return {"email_confirmed": None}
        return {"email_confirmed": None, "email": None, **email_address.masked_slots(None)}


class ValidateAccountCheckForm(ValidateNewCodeForm):
    """The same checks for the account check before a diagnosis."""

    def name(self) -> str:
        return "validate_account_check_form"


class ActionRequestNewCode(HelpdeskAction):
    """POST /api/v1/reset-requests, then the same answer whether or not the account matched."""

    def __init__(self, client_factory: Callable[[], CredentialsClient] = CredentialsClient.from_env) -> None:
        self._client_factory = client_factory

    def name(self) -> str:
        return "action_request_new_code"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        username: Optional[str] = tracker.get_slot("username")
        email: Optional[str] = email_address.opened(tracker.get_slot("email"))
        forget = email_address.forget_email()
        if not username or not email:
            dispatcher.utter_message(response="utter_default")
            return forget
        try:
            await self._client_factory().request_new_code(username, email, conversation_channel(tracker),
                                                          tracker.sender_id, client_address=client_address(tracker))
        except BackendUnavailable:
            dispatcher.utter_message(response="utter_backend_down")
            return forget + offer_handoff(dispatcher, "backend_down")
        except BackendRejected as exc:
            logger.info("reset request rejected: %s (%s)", exc.error, exc.field)
            dispatcher.utter_message(response="utter_details_rejected")
            return forget + [SlotSet("username", None)]
        logger.info("new code requested for %s", mask_email(email))
        dispatcher.utter_message(response="utter_new_code_requested")
        # The e-mail is forgotten once used; the username stays for a possible escalation's context.
        return forget

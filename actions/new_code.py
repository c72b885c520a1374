"""The new-code flow (S4, S5, S8): the form's checks and the request to the backend.

The form asks for the username and the e-mail on file and reads the e-mail back masked. On the
phone (metadata channel=phone) the username is spelled ("ká pé i es té a hetvenhét", "k mint
Károly", "k pista 77"), read by the kernel's one parser, read back letter by letter and confirmed by
voice or key (the extra slot ``username_confirmed``); a yes or no the recogniser was unsure of
(Twilio's Confidence, kernel.spoken) is asked again, never guessed. Two failed answers (an
impossible username, an address without "kukac"/"at", a "no" at a read-back) end the form with the
offer of a person. The backend alone decides whether they match, whether a code goes out and whether the requester is rate
limited; the user hears the same words in every case (no account enumeration), and a new code only
ever goes to the address on file (S5).
"""
from __future__ import annotations

import logging
from typing import Any, Callable, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions import email_address
from actions import conversation_events
from actions.conversation_events import client_address, conversation_channel
from actions.credentials_client import BackendRejected, BackendUnavailable, CredentialsClient
from actions.gateway_client import GatewayClient
from actions.safety import HelpdeskAction, log_failure, offer_handoff
from actions.slot_mappings import message_metadata, user_messages
from actions.usernames import UsernameVerdict, is_spelling, judge, judge_spoken
from kernel.privacy import mask_email
from kernel.spoken import READ_BACK_SYMBOLS, confidence_of, needs_confirmation, spell_out

logger = logging.getLogger(__name__)

FORM_SLOTS = ("username", "username_confirmed", "email", "email_confirmed")
MAX_FAILURES = 2  # failed answers in one form before a person is offered
FAILURES = "spelling_failures"


def on_phone(tracker: Tracker) -> bool:
    return tracker.get_slot("channel") == "phone"


def speech_confidence(tracker: Tracker) -> Optional[float]:
    """Twilio's recogniser confidence of the latest message (the phone line passes it), or None."""
    messages = user_messages(tracker)
    return confidence_of(message_metadata(messages[-1] if messages else None).get("confidence"))


def read_back(username: str, tracker: Tracker) -> str:
    """The username as the caller hears it: letter by letter, symbols by name, digit runs together."""
    language = tracker.get_slot("language") or "hu"
    return spell_out(username, READ_BACK_SYMBOLS.get(language, READ_BACK_SYMBOLS["hu"]))


def failed(tracker: Tracker) -> Dict[str, Any]:
    """One more failed answer in this form."""
    return {FAILURES: float((tracker.get_slot(FAILURES) or 0) + 1)}


def forget_spelling() -> List[SlotSet]:
    """A finished form's confirmation and failure count (the username and its read-back stay)."""
    return [SlotSet("username_confirmed", None), SlotSet(FAILURES, 0.0)]


def entity_values(tracker: Tracker, entity: str) -> List[str]:
    """Values of ``entity`` in the latest user message."""
    return [str(e.get("value")) for e in (tracker.latest_message or {}).get("entities") or []
            if e.get("entity") == entity and e.get("value")]


def latest_text(tracker: Tracker) -> str:
    """The latest message as the channel passed it on (a spoken address in it already masked)."""
    return str((tracker.latest_message or {}).get("text") or "")


class ValidateNewCodeForm(FormValidationAction):
    """Checks the new_code_form answers: username (S6), e-mail syntax, masked read-back."""

    def name(self) -> str:
        return "validate_new_code_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        try:
            events = await super().run(dispatcher, tracker, domain)
        except Exception as exc:  # noqa: BLE001 - reject what was given and let the form ask again
            log_failure(self.name(), exc)
            dispatcher.utter_message(response="utter_default")
            return [SlotSet(slot, None) for slot in tracker.slots_to_validate() if slot in FORM_SLOTS]
        return events + self._give_up_after_failures(dispatcher, tracker, events)

    async def required_slots(self, domain_slots: List[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: Dict[str, Any]) -> List[str]:
        """A spelled username (always on the phone; in chat when typed as spoken, "k pista 77") is
        confirmed before the e-mail is asked; a typed one is not (domain.yml lists the slot, this
        drops it then)."""
        slots = list(domain_slots)
        if not on_phone(tracker) and not tracker.get_slot("username_spelled"):
            return [slot for slot in slots if slot != "username_confirmed"]
        if "username" in slots and "username_confirmed" not in slots:
            slots.insert(slots.index("username") + 1, "username_confirmed")
        return slots

    @staticmethod
    def _give_up_after_failures(dispatcher: CollectingDispatcher, tracker: Tracker,
                                events: List[EventType]) -> List[EventType]:
        """After MAX_FAILURES failed answers: the offer of a person, and the form ends (its "done"
        rule runs the request, which finds the details missing and says nothing more)."""
        failures = next((e["value"] for e in reversed(events)
                         if e.get("event") == "slot" and e.get("name") == FAILURES), None)
        if failures is None or failures < MAX_FAILURES:
            return []
        events_after = offer_handoff(dispatcher, "new_code_failed", response="utter_spelling_failed_offer_handoff")
        return events_after + [SlotSet(FAILURES, 0.0), SlotSet("username_confirmed", None),
                               SlotSet("requested_slot", None), ActiveLoop(None)]

    def validate_username(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                          domain: Dict[str, Any]) -> Dict[str, Any]:
        """S6: an own name is explained and asked again; anything with spaces is asked again. On the
        phone the whole transcript is read as a spelling and read back for a yes or no."""
        names = entity_values(tracker, "person_name")
        said = latest_text(tracker) or str(value or "")
        spelled_out = on_phone(tracker)
        if spelled_out:
            verdict, username = judge_spoken(said, names)
        else:
            verdict, username = judge(str(value or ""), names)
            if verdict is UsernameVerdict.INVALID and is_spelling(said, strict=True):
                # typed as it would be said ("k pista 77"): read it the same way and confirm it too
                verdict, username = judge_spoken(said, names)
                spelled_out = True
        if verdict is UsernameVerdict.OWN_NAME:
            dispatcher.utter_message(response="utter_username_looks_like_own_name")
            return {"username": None, "person_name_given": True, **failed(tracker)}
        if verdict is UsernameVerdict.INVALID:
            dispatcher.utter_message(response="utter_invalid_username")
            return {"username": None, **failed(tracker)}
        return {"username": username, "username_spelled": read_back(username, tracker) if spelled_out else None,
                "username_confirmed": None}

    def validate_username_confirmed(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: Dict[str, Any]) -> Dict[str, Any]:
        """Yes: on to the e-mail. No: spell it again (a failed answer). Unsure: the read-back again."""
        if needs_confirmation(speech_confidence(tracker)):
            return {"username_confirmed": None}
        if value is True:
            return {"username_confirmed": True}
        if "username" in tracker.slots_to_validate() and tracker.get_slot("username"):
            return {"username_confirmed": None}  # "no, k i s s p": the new spelling is read back
        return {"username_confirmed": None, "username": None, **failed(tracker)}

    def validate_email(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                       domain: Dict[str, Any]) -> Dict[str, Any]:
        """Typed or spoken address, syntax only; a new address always needs a fresh confirmation."""
        # The channel sealed the address it found in the message (the text holds it masked); the slot
        # may hold only the part NLU tagged ("kiss pista"), so the seal or the whole message decides.
        address = email_address.given_address(value, tracker)
        if address is None:
            dispatcher.utter_message(response="utter_invalid_email")
            return {"email": None, **email_address.masked_slots(None), "email_confirmed": None, **failed(tracker)}
        return {"email": email_address.sealed(address), **email_address.masked_slots(address),
                "email_confirmed": None}

    def validate_email_confirmed(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: Dict[str, Any]) -> Dict[str, Any]:
        """A no at the read-back asks for the address again (a correction); an unsure yes, the read-back."""
        if on_phone(tracker) and needs_confirmation(speech_confidence(tracker)):
            return {"email_confirmed": None}
        if value is True:
            return {"email_confirmed": True}
        if "email" in tracker.slots_to_validate() and tracker.get_slot("email"):
            # "no, it is anna.k@freemail.hu": the new address was just validated; read it back again.
            return {"email_confirmed": None}
        return {"email_confirmed": None, "email": None, **email_address.masked_slots(None), **failed(tracker)}


class ValidateAccountCheckForm(ValidateNewCodeForm):
    """The same checks for the account check before a diagnosis."""

    def name(self) -> str:
        return "validate_account_check_form"


class ActionRequestNewCode(HelpdeskAction):
    """POST /api/v1/reset-requests, then the same answer whether or not the account matched."""

    def __init__(self, client_factory: Callable[[], CredentialsClient] = CredentialsClient.from_env,
                 gateway_factory: conversation_events.GatewayFactory = GatewayClient.from_env) -> None:
        self._client_factory = client_factory
        self._gateway_factory = gateway_factory

    def name(self) -> str:
        return "action_request_new_code"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        username: Optional[str] = tracker.get_slot("username")
        email: Optional[str] = email_address.opened(tracker.get_slot("email"))
        forget = email_address.forget_email() + forget_spelling()
        if not username or not email:
            if tracker.get_slot("offer") != "handoff":  # the form gave up and already offered a person
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
        try:  # statistics (docs/agents.md): never cost the user the answer
            conversation_events.report_new_code_completed(self._gateway_factory, tracker, username)
        except Exception as exc:  # noqa: BLE001
            log_failure(self.name(), exc)
        dispatcher.utter_message(response="utter_new_code_requested")
        # The e-mail is forgotten once used; the username stays for a possible escalation's context.
        return forget

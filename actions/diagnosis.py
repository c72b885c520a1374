"""The account check (POST /api/v1/diagnose) and what the user is told about it.

Details come only for a verified username + e-mail pair; an unverified pair (unknown account, wrong
e-mail, rate limited — the backend does not say which) gets the same generic advice. Even a
verified user is never told the e-mail on file or the username (S5, S9).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import conversation_events, email_address
from actions.credentials_client import BackendRejected, BackendUnavailable, CredentialsClient
from actions.gateway_client import GatewayClient
from actions.safety import HelpdeskAction, offer_handoff
from kernel.contracts import Diagnosis

try:
    from zoneinfo import ZoneInfo

    LOCAL_TIME = ZoneInfo("Europe/Budapest")
except Exception:  # noqa: BLE001 - no tz database: show UTC rather than fail
    LOCAL_TIME = timezone.utc

_MONTHS_HU = ["január", "február", "március", "április", "május", "június", "július", "augusztus",
              "szeptember", "október", "november", "december"]
_MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December"]

# Backend login failure reasons (docs/ARCHITECTURE.md) -> the explanation the user gets
REASON_RESPONSES = {
    "username_looks_like_legal_name": "utter_diagnosis_own_name",  # S6
    "code_used_as_password": "utter_diagnosis_code_as_password",  # S7
    "code_expired": "utter_diagnosis_code_expired",  # S4
    "not_activated": "utter_diagnosis_not_activated",  # S3
    "wrong_password": "utter_diagnosis_wrong_password",  # S8
}
# What the user was told -> the mistake type the statistics count (actions/conversation_events.py)
RESPONSE_TOPICS = {
    "utter_diagnosis_own_name": "own_name_as_username",
    "utter_diagnosis_code_as_password": "code_as_password",
    "utter_diagnosis_code_expired": "code_expired",
    "utter_diagnosis_not_activated": "not_activated",
    "utter_diagnosis_mail_failed": "code_not_received",
}


def format_local(moment: datetime, language: str) -> str:
    """A date and time people read or hear easily, in Budapest time."""
    local = moment.astimezone(LOCAL_TIME) if moment.tzinfo else moment.replace(tzinfo=timezone.utc).astimezone(LOCAL_TIME)
    if language == "en":
        return f"{local.day} {_MONTHS_EN[local.month - 1]} {local.year}, {local:%H:%M}"
    return f"{local.year}. {_MONTHS_HU[local.month - 1]} {local.day}., {local:%H:%M}"


def explain(diagnosis: Diagnosis, language: str) -> tuple[list[tuple[str, dict]], Optional[str]]:
    """The responses (name, template values) for a diagnosis and the offer that follows it."""
    if not diagnosis.verified:
        return [("utter_diagnosis_generic", {})], "new_code"
    reason = diagnosis.latest_failure_reason()
    if diagnosis.state == "locked" or reason == "locked":
        return [("utter_diagnosis_locked", {})], "handoff"
    said: list[tuple[str, dict]] = []
    if reason in REASON_RESPONSES:
        said.append((REASON_RESPONSES[reason], {}))
    live = diagnosis.live_code
    if diagnosis.state == "pending":
        if reason != "not_activated":
            said.append(("utter_diagnosis_not_activated", {}))
        if live and live.exists and live.expires_at:
            said.append(("utter_diagnosis_live_code", {"code_valid_until": format_local(live.expires_at, language)}))
        elif reason != "code_expired":
            said.append(("utter_diagnosis_code_expired", {}))
    if diagnosis.last_code_mail and diagnosis.last_code_mail.status == "refused":
        said.append(("utter_diagnosis_mail_failed", {}))  # S5
    if not said:
        said.append(("utter_diagnosis_active_ok", {}))
    return said, "new_code"


class ActionDiagnose(HelpdeskAction):
    """Runs the diagnosis with the confirmed username + e-mail and explains the likely mistake."""

    def __init__(self, client_factory: Callable[[], CredentialsClient] = CredentialsClient.from_env,
                 gateway_factory: conversation_events.GatewayFactory = GatewayClient.from_env) -> None:
        self._client_factory = client_factory
        self._gateway_factory = gateway_factory

    def name(self) -> str:
        return "action_diagnose"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        username, email = tracker.get_slot("username"), email_address.opened(tracker.get_slot("email"))
        if not username or not email:
            if tracker.get_slot("offer") != "handoff":  # the form gave up and already offered a person
                dispatcher.utter_message(response="utter_default")
            return []
        try:
            channel = conversation_events.conversation_channel(tracker)
            diagnosis = await self._client_factory().diagnose(
                username, email, channel, tracker.sender_id,
                client_address=conversation_events.client_address(tracker))
        except BackendUnavailable:
            dispatcher.utter_message(response="utter_backend_down")
            return offer_handoff(dispatcher, "backend_down")
        except BackendRejected:
            dispatcher.utter_message(response="utter_details_rejected")
            return [SlotSet("username", None)] + email_address.forget_email()
        said, offer = explain(diagnosis, tracker.get_slot("language") or "hu")
        for response, values in said:
            dispatcher.utter_message(response=response, **values)
        conversation_events.report_topics(self._gateway_factory, tracker,
                                          [RESPONSE_TOPICS[r] for r, _ in said if r in RESPONSE_TOPICS])
        events: List[EventType] = [SlotSet("diagnosis", diagnosis.summary())]
        if offer == "handoff":
            return events + offer_handoff(dispatcher, "account_locked")
        dispatcher.utter_message(response="utter_offer_new_code")
        return events + [SlotSet("offer", offer)]

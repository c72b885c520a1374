"""Fakes and builders for the action tests: trackers, a fake credentials backend, a fake gateway.

The fakes keep the backend's contract (docs/ARCHITECTURE.md): a reset request is always accepted,
a diagnosis has details only for a matching username + e-mail pair.
"""
from __future__ import annotations

import asyncio
import pathlib
from typing import Any, Dict, List, Optional

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.credentials_client import BackendRejected, BackendUnavailable
from actions.gateway_client import GatewayUnavailable
from kernel.contracts import Diagnosis, EscalationRequest, EscalationTicket

ROOT = pathlib.Path(__file__).resolve().parents[3]
DOMAIN: Dict[str, Any] = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
DEFAULT_SLOTS = {name: spec.get("initial_value") for name, spec in DOMAIN["slots"].items()}


def user_event(text: str, intent: Optional[str] = None, entities: Optional[List[dict]] = None,
               metadata: Optional[dict] = None, timestamp: float = 1_790_000_000.0) -> Dict[str, Any]:
    parse = {"text": text, "intent": {"name": intent, "confidence": 0.99}, "entities": entities or []}
    return {"event": "user", "text": text, "parse_data": parse, "metadata": metadata or {},
            "timestamp": timestamp}


def tracker(*, text: str = "", intent: Optional[str] = None, entities: Optional[List[dict]] = None,
            slots: Optional[Dict[str, Any]] = None, events: Optional[List[dict]] = None,
            slot_events: Optional[Dict[str, Any]] = None, metadata: Optional[dict] = None,
            active_loop: Optional[str] = None, sender_id: str = "conv-1") -> Tracker:
    """A tracker whose latest user message is ``text``; ``slot_events`` were set after it."""
    all_slots = dict(DEFAULT_SLOTS)
    all_slots.update(slots or {})
    history = list(events or [])
    latest = user_event(text, intent, entities, metadata)
    history.append(latest)
    for name, value in (slot_events or {}).items():
        history.append({"event": "slot", "name": name, "value": value})
        all_slots[name] = value
    return Tracker(sender_id, all_slots, latest["parse_data"], history, False, None,
                   {"name": active_loop} if active_loop else {}, "action_listen")


def run(action, trk: Tracker, dispatcher: Optional[CollectingDispatcher] = None):
    """Run an action; return (events, response names, the dispatched messages)."""
    dispatcher = dispatcher or CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, trk, DOMAIN))
    return events, [m.get("response") for m in dispatcher.messages], dispatcher.messages


def slot_values(events: List[dict]) -> Dict[str, Any]:
    """The last value each slot was set to by ``events``."""
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


class FakeCredentials:
    """In-memory stand-in for the credentials backend, keeping its no-enumeration contract.

    ``outcomes`` records how the fake told each call apart (``sent``, ``no_match``, ``rejected``,
    ``down``), so a test can prove the action had different paths to tell apart and still answered
    as it must. ``rejects``: the field a 4xx names for every call (BackendRejected).
    """

    def __init__(self, accounts: Optional[Dict[str, str]] = None, diagnosis: Optional[Diagnosis] = None,
                 down: bool = False, broken: bool = False, rejects: Optional[str] = None) -> None:
        self.accounts = accounts or {}
        self.diagnosis_for_match = diagnosis or Diagnosis(verified=True, state="active")
        self.down = down
        self.broken = broken
        self.rejects = rejects
        self.calls: List[tuple] = []
        self.client_addresses: List[Optional[str]] = []
        self.codes_sent: List[str] = []
        self.outcomes: List[str] = []

    def __call__(self) -> "FakeCredentials":  # used as the action's client factory
        return self

    def _check(self) -> None:
        if self.down:
            self.outcomes.append("down")
            raise BackendUnavailable("timeout")
        if self.broken:
            raise RuntimeError("unexpected")
        if self.rejects:
            self.outcomes.append("rejected")
            raise BackendRejected("invalid_field", self.rejects)

    async def request_new_code(self, username: str, email: str, channel: str, source: str,
                               client_address: Optional[str] = None) -> None:
        self.calls.append(("reset", username, email, channel, source))
        self.client_addresses.append(client_address)
        self._check()
        if self.accounts.get(username) == email:
            self.codes_sent.append(username)
            self.outcomes.append("sent")
        else:
            self.outcomes.append("no_match")

    async def diagnose(self, username: str, email: str, channel: str, source: str,
                       client_address: Optional[str] = None) -> Diagnosis:
        self.calls.append(("diagnose", username, email, channel, source))
        self.client_addresses.append(client_address)
        self._check()
        if self.accounts.get(username) == email:
            return self.diagnosis_for_match
        return Diagnosis(verified=False)


class FakeGateway:
    """Stand-in for the gateway's escalation API (idempotent on the key)."""

    def __init__(self, down: bool = False) -> None:
        self.down = down
        self.requests: List[EscalationRequest] = []
        self._by_key: Dict[str, EscalationTicket] = {}

    def __call__(self) -> "FakeGateway":
        return self

    async def create_escalation(self, request: EscalationRequest) -> EscalationTicket:
        self.requests.append(request)
        if self.down:
            raise GatewayUnavailable("HTTP 503")
        if request.idempotency_key not in self._by_key:
            n = len(self._by_key) + 1
            self._by_key[request.idempotency_key] = EscalationTicket(id=str(n), reference=f"K-{n:03d}", status="waiting")
        return self._by_key[request.idempotency_key]


def rendered(response: str, **slots: Any) -> str:
    """The text Rasa's own NLG renders for ``response`` of domain.yml with these slot values."""
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator

    filled = {**DEFAULT_SLOTS, **slots}
    message = TemplatedNaturalLanguageGenerator(DOMAIN["responses"]).generate_from_slots(response, filled, "")
    return message["text"]

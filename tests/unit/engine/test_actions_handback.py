"""Hand-back from an agent: the assistant comes back from a clean state and answers as usual."""
from __future__ import annotations

from dialogue_fakes import DOMAIN, run, slot_values, tracker

from actions.handback import ActionAgentHandedBack

LEFTOVERS = {"offer": "handoff", "handoff_reason": "not_understood", "failed_understandings": 2.0,
             "requested_slot": "email"}


def handed_back(**slots):
    trk = tracker(text="köszönöm", intent="thank", slots={**LEFTOVERS, **slots}, active_loop="new_code_form")
    return run(ActionAgentHandedBack(), trk)


def test_hand_back_says_the_assistant_is_back():
    _, responses, _ = handed_back()
    assert responses == ["utter_back_from_agent"]
    assert "utter_back_from_agent" in DOMAIN["responses"]


def test_hand_back_clears_the_offer_counter_and_form():
    events, _, _ = handed_back()
    assert slot_values(events) == {"offer": None, "handoff_reason": None, "requested_slot": None,
                                   "failed_understandings": 0.0, "with_agent": False}
    assert any(e["event"] == "active_loop" and e["name"] is None for e in events)


def test_hand_back_answer_exists_in_hungarian_and_english():
    variants = DOMAIN["responses"]["utter_back_from_agent"]
    conditioned = [v for v in variants if v.get("condition")]
    assert any(not v.get("condition") for v in variants)  # Hungarian, the default
    assert any(c["value"] == "en" for v in conditioned for c in v["condition"] if c["name"] == "language")


def test_hand_back_never_offers_a_person_again_even_on_error(monkeypatch):
    async def broken(self, dispatcher, tracker, domain):
        raise RuntimeError("boom")

    monkeypatch.setattr(ActionAgentHandedBack, "act", broken)
    events, responses, _ = handed_back()
    assert responses == []
    assert slot_values(events)["offer"] is None


"""Rasa and the action server (engine env) as real processes: their metrics ports answer the
Prometheus text format with the expected families (turns per channel, requests per route template,
custom actions and fallbacks), readiness checks the model, the tracker store and the loop, and no
label value carries an e-mail address, a username or a phone number after turns full of them."""
from __future__ import annotations

import re

import httpx
from prometheus_client.parser import text_string_to_metric_families

LEAKS = re.compile(r"[^\s@]+@[^\s@]+|%40|\+?\d[\d ()-]{6,}\d|csaba_p|kiss\.anna")


def families(url: str) -> dict:
    text = httpx.get(url + "/metrics", timeout=10).text
    return {family.name: family for family in text_string_to_metric_families(text)}


def label_values(found: dict) -> list[str]:
    return [value for name, family in found.items() if name.startswith("helpdesk_")
            for sample in family.samples for value in sample.labels.values()]


def test_rasa_and_action_server_metrics_readiness_and_labels(rasa_stack):
    sender = "obs-kiss.anna@example.com"
    for text in ("Szia", "nem jött meg a kódom", "csaba_p", "kiss.anna@example.com", "+36 30 123 4567",
                 "asdf qwer zxcv"):
        rasa_stack.say(sender, text, {"channel": "phone", "language": "hu"})
    httpx.get(f"{rasa_stack.url}/conversations/kiss.anna@example.com/tracker", timeout=10)  # 401, still counted

    ready = httpx.get(rasa_stack.rasa_metrics_url + "/readyz", timeout=10)
    assert ready.status_code == 200, ready.text
    assert set(ready.json()["checks"]) == {"event_loop", "model", "tracker_store", "lock_store"}
    assert httpx.get(rasa_stack.actions_metrics_url + "/readyz", timeout=10).status_code == 200

    rasa = families(rasa_stack.rasa_metrics_url)
    assert {"helpdesk_rasa_turns", "helpdesk_rasa_turn_duration_seconds", "helpdesk_http_requests",
            "helpdesk_http_request_duration_seconds"} <= set(rasa)
    phone_turns = sum(s.value for s in rasa["helpdesk_rasa_turns"].samples
                      if s.name == "helpdesk_rasa_turns_total" and s.labels == {"channel": "phone", "outcome": "ok"})
    assert phone_turns >= 6
    routes = {s.labels.get("route") for s in rasa["helpdesk_http_requests"].samples}
    assert "/webhooks/helpdesk/webhook" in routes
    assert not [v for v in label_values(rasa) if LEAKS.search(v)]

    actions = families(rasa_stack.actions_metrics_url)
    assert {"helpdesk_actions", "helpdesk_action_duration_seconds", "helpdesk_assistant_fallbacks",
            "helpdesk_http_requests"} <= set(actions)
    names = {s.labels.get("action") for s in actions["helpdesk_actions"].samples}
    assert "action_validate_slot_mappings" in names or len(names) > 0
    assert not [v for v in label_values(actions) if LEAKS.search(v)]

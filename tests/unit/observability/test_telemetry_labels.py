"""The metrics' label rules (no personal data in a label: route templates, never raw paths), the
readiness answer and the side port's text format, on a small Flask app instrumented like the gateway."""
from __future__ import annotations

import re

import httpx
import pytest
from flask import Flask, jsonify
from prometheus_client.parser import text_string_to_metric_families

from telemetry import metrics
from telemetry.flask import instrument
from tests.fixtures.ports import free_port

# What must never be a label value: an e-mail address, a phone number, a username that was in a path.
EMAIL = re.compile(r"[^\s@]+@[^\s@]+")
PHONE = re.compile(r"\+?\d[\d ()-]{6,}\d")


def make_app(ready=lambda: None) -> Flask:
    app = Flask("telemetry-test")
    app.testing = True

    @app.get("/api/v1/users/<name>")
    def user(name):
        return jsonify(name="x")

    @app.post("/voice/<step>")
    def voice(step):
        return "", 204

    instrument(app, "unit", checks={"database": ready})
    return app


def label_values(text: str, family_prefix: str = "helpdesk_") -> list[str]:
    return [value for family in text_string_to_metric_families(text) if family.name.startswith(family_prefix)
            for sample in family.samples for value in sample.labels.values()]


def scrape() -> str:
    return metrics.generate_latest(metrics.exposition_registry()).decode()


def test_a_path_with_an_email_or_username_is_counted_under_its_route_template():
    client = make_app().test_client()
    client.get("/api/v1/users/kiss.anna@example.com")
    client.get("/api/v1/users/csaba_p")
    client.post("/voice/+36301234567")
    client.get("/nothing/here/+36 30 123 4567/anna@example.com")  # 404: no route
    text = scrape()
    values = label_values(text)
    assert "/api/v1/users/<name>" in values and "/voice/<step>" in values and metrics.UNMATCHED in values
    leaked = [v for v in values if EMAIL.search(v) or PHONE.search(v) or "csaba_p" in v or "kiss.anna" in v]
    assert not leaked


def test_requests_are_counted_per_route_method_and_status():
    client = make_app().test_client()
    before = _count('helpdesk_http_requests_total', route="/voice/<step>", status="204", process="unit")
    for _ in range(3):
        client.post("/voice/welcome")
    assert _count('helpdesk_http_requests_total', route="/voice/<step>", status="204", process="unit") == before + 3


def _count(name: str, **labels) -> float:
    for family in text_string_to_metric_families(scrape()):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


@pytest.mark.parametrize("value", ["kiss.anna@example.com", "kiss.anna%40example.com", "+36 30 123 4567",
                                   "06301234567", "/api/v1/users/bela@example.org"])
def test_safe_label_redacts_what_looks_like_personal_data(value):
    assert metrics.safe_label(value) == metrics.REDACTED


def test_readiness_is_503_naming_the_failing_dependency_by_type_only():
    def broken():
        raise ConnectionRefusedError("postgresql://helpdesk:SECRET@db/helpdesk refused")

    client = make_app(ready=broken).test_client()
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json == {"status": "not_ready", "checks": {"database": "ConnectionRefusedError"}}
    assert "SECRET" not in answer.get_data(as_text=True)
    assert client.get("/healthz").status_code == 200
    assert make_app().test_client().get("/readyz").status_code == 200


def test_the_side_port_serves_metrics_health_and_readiness_and_nothing_else():
    make_app().test_client().get("/api/v1/users/someone")
    port = free_port()
    server = metrics.serve_side_port("unit", port, checks={"database": lambda: None})
    assert server is not None
    try:
        base = f"http://127.0.0.1:{port}"
        text = httpx.get(base + "/metrics", timeout=5).text
        names = {family.name for family in text_string_to_metric_families(text)}
        assert {"helpdesk_http_requests", "helpdesk_http_request_duration_seconds"} <= names
        assert httpx.get(base + "/healthz", timeout=5).json()["status"] == "ok"
        assert httpx.get(base + "/readyz", timeout=5).status_code == 200
        assert httpx.get(base + "/api/v1/users/someone", timeout=5).status_code == 404
    finally:
        server.shutdown()
        server.server_close()


def test_a_reading_gauge_that_fails_gives_no_sample_and_the_scrape_still_answers():
    def broken():
        raise RuntimeError("database gone")

    gauge = metrics.ReadingGauge("helpdesk_test_depth", "test", ("channel",), broken)
    ok = metrics.ReadingGauge("helpdesk_test_ok", "test", ("channel",), lambda: {("chat",): 2, ("phone",): 0})
    text = metrics.generate_latest(metrics.exposition_registry([gauge, ok])).decode()
    samples = {(s.name, tuple(s.labels.items())): s.value for f in text_string_to_metric_families(text) for s in f.samples}
    assert samples[("helpdesk_test_ok", (("channel", "chat"),))] == 2
    assert not any(name == "helpdesk_test_depth" for name, _ in samples)


def test_metrics_port_from_the_environment():
    assert metrics.side_port_from_env({}) is None
    assert metrics.side_port_from_env({"METRICS_PORT": "0"}) is None
    assert metrics.side_port_from_env({"METRICS_PORT": "x"}) is None
    assert metrics.side_port_from_env({"METRICS_PORT": "9100"}) == ("127.0.0.1", 9100)
    assert metrics.side_port_from_env({"METRICS_PORT": "9100", "METRICS_HOST": "0.0.0.0"}) == ("0.0.0.0", 9100)
    shared = {"METRICS_PORT": "9100", "RASA_METRICS_PORT": "9105", "GATEWAY_METRICS_HOST": "10.0.0.5"}
    assert metrics.side_port_from_env(shared, "rasa") == ("127.0.0.1", 9105)
    assert metrics.side_port_from_env(shared, "gateway") == ("127.0.0.1", 9100)
    assert metrics.side_port_from_env({"GATEWAY_METRICS_PORT": "9101", "GATEWAY_METRICS_HOST": "10.0.0.5"},
                                      "gateway") == ("10.0.0.5", 9101)

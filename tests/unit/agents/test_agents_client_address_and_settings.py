"""The client address the login throttle and the stream limit key on: the TCP peer, and a proxy's
X-Forwarded-For only when that peer is the trusted proxy; the room's settings refuse bad values and
never allow as many streams as the process has threads."""
from __future__ import annotations

import pytest

from agents.settings import AgentsSettings, SettingsError


def test_the_console_takes_the_client_address_from_the_kernels_rule(gateway_settings):
    """The login throttle's key: a client's own X-Forwarded-For is ignored unless the peer is the
    trusted proxy (the rule itself: tests/unit/kernel/test_kernel_network.py)."""
    from flask import Flask

    from agents.client import client_address

    app = Flask(__name__)
    for trusted, peer, header, expected in (((), "203.0.113.5", "192.0.2.1", "203.0.113.5"),
                                            (("10.0.0.2",), "10.0.0.2", "192.0.2.1, 198.51.100.7", "198.51.100.7"),
                                            (("10.0.0.2",), "10.0.0.3", "198.51.100.7", "10.0.0.3")):
        app.config["AGENTS_TRUSTED_PROXIES"] = trusted
        with app.test_request_context("/", headers={"X-Forwarded-For": header}, environ_base={"REMOTE_ADDR": peer}):
            assert client_address() == expected


def test_trusted_proxies_is_the_one_setting_and_the_older_name_still_works():
    assert AgentsSettings.from_env({"TRUSTED_PROXIES": "10.0.0.2, 10.1.0.0/16"}).trusted_proxies == ("10.0.0.2/32", "10.1.0.0/16")
    assert AgentsSettings.from_env({"AGENTS_TRUSTED_PROXY": "127.0.0.1"}).trusted_proxies == ("127.0.0.1/32",)
    with pytest.raises(SettingsError, match="TRUSTED_PROXIES"):
        AgentsSettings.from_env({"TRUSTED_PROXIES": "proxy.local"})


def test_agents_settings_defaults_and_bad_values():
    s = AgentsSettings.from_env({})
    assert s.session_seconds == 9 * 3600 and s.idle_seconds == 30 * 60 and s.trusted_proxies == ()
    assert s.sse_streams == 8 and s.sse_per_escalation == 2 and s.sse_per_client == 2
    assert AgentsSettings.from_env({"GATEWAY_THREADS": "6"}).sse_streams == 1
    with pytest.raises(SettingsError) as exc:
        AgentsSettings.from_env({"GATEWAY_THREADS": "8", "AGENTS_SSE_STREAMS": "8",
                                 "AGENTS_TRUSTED_PROXY": "proxy.local", "AGENTS_SESSION_HOURS": "48"})
    text = str(exc.value)
    assert "AGENTS_SSE_STREAMS" in text and "AGENTS_TRUSTED_PROXY" in text and "AGENTS_SESSION_HOURS" in text


def test_routing_and_expected_wait_settings_defaults_and_bounds():
    config = AgentsSettings.from_env({}).as_config()
    assert (config["AGENTS_OFFER_S"], config["AGENTS_ROUTING_S"], config["AGENTS_DEFAULT_HANDLING_S"],
            config["AGENTS_WAIT_SAMPLES"], config["AGENTS_WAIT_WINDOW_H"]) == (30, 180, 300, 30, 8)
    assert AgentsSettings.from_env({"AGENTS_OFFER_SECONDS": "45"}).offer_seconds == 45
    with pytest.raises(SettingsError, match="AGENTS_OFFER_SECONDS"):
        AgentsSettings.from_env({"AGENTS_OFFER_SECONDS": "1"})
    with pytest.raises(SettingsError, match="AGENTS_ROUTING_SECONDS"):
        AgentsSettings.from_env({"AGENTS_ROUTING_SECONDS": "soon"})

"""The client address the login throttle and the stream limit key on: the TCP peer, and a proxy's
X-Forwarded-For only when that peer is the trusted proxy; the room's settings refuse bad values and
never allow as many streams as the process has threads."""
from __future__ import annotations

import pytest

from agents.client import client_address_of
from agents.settings import AgentsSettings, SettingsError


def test_a_forwarded_for_header_from_the_client_is_ignored_by_default():
    assert client_address_of("203.0.113.5", "192.0.2.1", ()) == "203.0.113.5"


def test_the_trusted_proxys_header_names_the_client_from_the_right():
    trusted = ("10.0.0.2",)
    assert client_address_of("10.0.0.2", "198.51.100.7", trusted) == "198.51.100.7"
    # the client prepended a forged hop; the proxy appended the real one
    assert client_address_of("10.0.0.2", "192.0.2.1, 198.51.100.7", trusted) == "198.51.100.7"
    assert client_address_of("10.0.0.2", "garbage", trusted) == "10.0.0.2"
    assert client_address_of("10.0.0.3", "198.51.100.7", trusted) == "10.0.0.3"  # not the trusted proxy


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

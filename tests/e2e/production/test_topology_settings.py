"""ops/production.py's settings and rendered files, without starting anything: bad settings are named
one per line; every replica has its own port, program and proxy server; every process calls the
others through the proxy's loopback frontends; the widget channel takes the client address from
the proxy's header; a self-signed certificate is made once, private."""
from __future__ import annotations

import stat

import pytest

from ops.production import Topology, TopologyError, ensure_certificate, rasa_credentials


def test_bad_topology_settings_are_named_one_per_line():
    with pytest.raises(TopologyError) as caught:
        Topology.from_env({"RASA_REPLICAS": "zero", "GATEWAY_REPLICAS": "0", "PUBLIC_HTTPS_PORT": "70000",
                           "PRODUCTION_DB_PREFIX": "1; DROP"})
    lines = str(caught.value).splitlines()[1:]
    assert [line.split(":")[0].strip() for line in lines] == [
        "PRODUCTION_DB_PREFIX", "RASA_REPLICAS", "GATEWAY_REPLICAS", "PUBLIC_HTTPS_PORT"]


def test_every_replica_has_its_own_port_program_and_proxy_server(tmp_path):
    topology = Topology.from_env({"RASA_REPLICAS": "3", "ACTION_REPLICAS": "2", "REPLICA_PORT_BASE": "30000",
                                  "PRODUCTION_STATE_DIR": str(tmp_path)})
    ports = [p for kind in topology.replicas().values() for p in kind]
    assert len(ports) == len(set(ports)) and min(ports) == 30000
    config = topology.haproxy_config()
    for i, port in enumerate(topology.replicas()["rasa"], 1):
        assert f"server rasa{i} 127.0.0.1:{port} id {i} check" in config
    supervisor = topology.supervisor_config()
    for name in ("rasa-1", "rasa-2", "rasa-3", "actions-1", "actions-2", "haproxy", "ready"):
        assert f"[program:{name}]" in supervisor
    assert 'RASA_PORT="%d"' % topology.replicas()["rasa"][2] in supervisor


def test_processes_call_each_other_through_the_loopback_frontends():
    topology = Topology.from_env({"RASA_IN_PORT": "15005", "PUBLIC_HTTPS_PORT": "18443"})
    env = topology.shared_env()
    assert env["RASA_URL"] == "http://127.0.0.1:15005"
    assert env["ACTION_SERVER_URL"].startswith("http://127.0.0.1:") and env["ACTION_SERVER_URL"].endswith("/webhook")
    assert env["PUBLIC_BASE_URL"] == env["WIDGET_RASA_URL"] == "https://127.0.0.1:18443"
    assert env["RASA_ENDPOINTS"] == "endpoints.production.yml"
    # Rasa's tracker store never shares a database with the app's
    assert len({env["RASA_TRACKER_DB_NAME"], env["CREDENTIALS_DATABASE_URL"].rsplit("/", 1)[1],
                env["GATEWAY_DATABASE_URL"].rsplit("/", 1)[1]}) == 3
    assert env["AGENTS_TRUSTED_PROXY"] == "127.0.0.1"


def test_the_widget_channel_takes_the_client_address_from_the_proxys_header():
    assert "client_address_header: X-Forwarded-For" in rasa_credentials()


def test_a_self_signed_certificate_is_made_once_and_kept_private(tmp_path):
    path = tmp_path / "tls" / "helpdesk.pem"
    assert ensure_certificate(path, "127.0.0.1") is True
    first = path.read_bytes()
    assert b"BEGIN CERTIFICATE" in first and b"PRIVATE KEY" in first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ensure_certificate(path, "127.0.0.1") is False and path.read_bytes() == first


def test_the_public_address_is_what_twilio_and_the_widget_are_given():
    named = Topology.from_env({"PUBLIC_URL": "https://helpdesk.example.hu/", "PUBLIC_HOST": "0.0.0.0"})
    assert named.shared_env()["PUBLIC_BASE_URL"] == named.shared_env()["WIDGET_RASA_URL"] == "https://helpdesk.example.hu"
    with pytest.raises(TopologyError, match="PUBLIC_URL"):
        Topology.from_env({"PUBLIC_URL": "http://helpdesk.example.hu"})

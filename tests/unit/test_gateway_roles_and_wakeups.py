"""The gateway's process roles and the in-process wake-up of the embedded default (SQLite)."""
from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest

from tests.fixtures.gateway_services import GATEWAY_SECRETS


def settings(**env):
    from gateway.settings import GatewaySettings

    return GatewaySettings.from_env({**GATEWAY_SECRETS, **env})


def test_sqlite_keeps_the_in_process_wake_up_and_no_bridge():
    from agents.notify import Changes

    changes = Changes()
    assert changes.attach("sqlite:///var/gateway.db") is None
    seen = changes.current("escalation:1")
    woke = []
    waiter = threading.Thread(target=lambda: woke.append(changes.wait("escalation:1", seen, 5)))
    waiter.start()
    time.sleep(0.05)
    started = time.monotonic()
    changes.publish("escalation:1")
    waiter.join(5)
    assert woke and woke[0] != seen and time.monotonic() - started < 0.5
    assert changes.wait("escalation:2", changes.current("escalation:2"), 0.05) == changes.current("escalation:2")


def test_a_publish_never_fails_or_waits_when_postgres_is_unreachable():
    from agents.notify import Changes
    from tests.fixtures.ports import free_port

    changes = Changes()
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nothing"
    bridge = changes.attach(url)
    assert bridge is not None and changes.attach(url) is bridge  # one bridge per database
    started = time.monotonic()
    for _ in range(100):
        changes.publish("queue")
    assert time.monotonic() - started < 0.5
    changes.detach(url)


def test_unknown_role_is_a_settings_error_naming_it():
    from gateway.settings import SettingsError

    with pytest.raises(SettingsError, match="GATEWAY_ROLE"):
        settings(GATEWAY_ROLE="everything")


def test_streams_role_runs_gevent_workers_and_web_role_threads():
    from gateway.__main__ import gunicorn_argv

    pg = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    streams = gunicorn_argv(settings(GATEWAY_ROLE="streams", GATEWAY_DATABASE_URL=pg), {"GATEWAY_WORKERS": "2"})
    assert streams[streams.index("--worker-class") + 1] == "gevent" and streams[streams.index("--workers") + 1] == "2"
    web = gunicorn_argv(settings(GATEWAY_ROLE="web", GATEWAY_DATABASE_URL=pg), {"GATEWAY_THREADS": "16"})
    assert web[web.index("--worker-class") + 1] == "gthread" and web[web.index("--threads") + 1] == "16"


@pytest.mark.parametrize("env", [{"GATEWAY_ROLE": "web"}, {"GATEWAY_ROLE": "streams"}, {"GATEWAY_WORKERS": "3"}])
def test_several_processes_on_sqlite_are_refused(env):
    from gateway.__main__ import gunicorn_argv
    from gateway.settings import SettingsError

    s = settings(GATEWAY_ROLE=env.get("GATEWAY_ROLE", "all"))
    with pytest.raises(SettingsError, match="PostgreSQL"):
        gunicorn_argv(s, env)


def test_the_embedded_default_is_one_threaded_process_serving_everything():
    from gateway.__main__ import gunicorn_argv

    argv = gunicorn_argv(replace(settings(), role="all"), {})
    assert argv[argv.index("--workers") + 1] == "1" and argv[argv.index("--worker-class") + 1] == "gthread"

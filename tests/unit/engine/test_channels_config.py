"""credentials.yml and endpoints*.yml load in Rasa 3.6 as the help desk needs them."""
from __future__ import annotations

import pathlib

import pytest
from rasa.core.run import create_http_input_channels
from rasa.core.utils import AvailableEndpoints

from bot.action_calls import current_action_timeout
from bot.channels import HelpdeskRestInput, HelpdeskSocketIOInput

ROOT = pathlib.Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def channel_secret(monkeypatch):
    """The REST channel refuses to start without RASA_CHANNEL_SECRET."""
    monkeypatch.setenv("RASA_CHANNEL_SECRET", "test-rasa-channel-secret-0123456789abcdef")


def test_credentials_register_only_the_redacting_channels():
    channels = create_http_input_channels(None, str(ROOT / "credentials.yml"))
    assert sorted(type(c).__name__ for c in channels) == ["HelpdeskRestInput", "HelpdeskSocketIOInput"]
    rest = next(c for c in channels if isinstance(c, HelpdeskRestInput))
    socket = next(c for c in channels if isinstance(c, HelpdeskSocketIOInput))
    assert rest.policy.max_message_length == 5000
    assert (socket.user_message_evt, socket.bot_message_evt, socket.session_persistence) == (
        "user_uttered",
        "bot_uttered",
        True,
    )
    assert current_action_timeout() <= 5


def test_embedded_endpoints_expand_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ACTION_SERVER_URL", "http://127.0.0.1:5999/webhook")
    monkeypatch.setenv("RASA_TRACKER_SQLITE", str(tmp_path / "tracker.db"))
    endpoints = AvailableEndpoints.read_endpoints(str(ROOT / "endpoints.yml"))
    assert endpoints.action.url == "http://127.0.0.1:5999/webhook"
    assert endpoints.tracker_store.type == "SQL"
    assert endpoints.tracker_store.kwargs == {"dialect": "sqlite", "db": str(tmp_path / "tracker.db")}
    assert endpoints.lock_store.type == "in_memory"


def test_production_endpoints_use_postgres_and_the_redis_url(monkeypatch):
    for name, value in {
        "ACTION_SERVER_URL": "http://127.0.0.1:5055/webhook",
        "RASA_TRACKER_DB_HOST": "db.internal:5433",
        "RASA_TRACKER_DB_NAME": "rasa_tracker",
        "RASA_TRACKER_DB_USER": "rasa",
        "RASA_TRACKER_DB_PASSWORD": "",
        "RASA_TRACKER_LOGIN_DB": "postgres",
        "REDIS_URL": "redis://127.0.0.1:6379/2",
        "RABBITMQ_HOST": "mq.internal",
        "RABBITMQ_PORT": "5672",
        "RABBITMQ_USER": "helpdesk",
        "RABBITMQ_PASSWORD": "",
        "RASA_EVENTS_QUEUE": "helpdesk.rasa-events",
        "RASA_EVENTS_EXCHANGE": "rasa-exchange",
    }.items():
        monkeypatch.setenv(name, value)
    endpoints = AvailableEndpoints.read_endpoints(str(ROOT / "endpoints.production.yml"))
    store = endpoints.tracker_store
    assert (store.type, store.url, store.kwargs["dialect"], store.kwargs["db"]) == (
        "SQL",
        "db.internal:5433",
        "postgresql",
        "rasa_tracker",
    )
    assert endpoints.lock_store.type == "bot.lock_store.RedisUrlLockStore"
    assert endpoints.lock_store.url == "redis://127.0.0.1:6379/2"
    # Rasa's Pika broker to RabbitMQ for the statistics' consumer (agents/broker_consumer.py)
    broker = endpoints.event_broker
    assert (broker.type, broker.url, broker.kwargs["queues"], broker.kwargs["exchange_name"]) == (
        "pika", "mq.internal", ["helpdesk.rasa-events"], "rasa-exchange")


def test_endpoints_refuse_to_start_without_the_action_server_url(monkeypatch):
    monkeypatch.delenv("ACTION_SERVER_URL", raising=False)
    monkeypatch.setenv("RASA_TRACKER_SQLITE", "x.db")
    with pytest.raises(Exception, match="ACTION_SERVER_URL"):
        AvailableEndpoints.read_endpoints(str(ROOT / "endpoints.yml"))

"""The statistics' consumer of Rasa's event broker (production topology; docs/deploy.md).

Rasa publishes every tracker event to RabbitMQ (its Pika event broker, ``endpoints.production.yml``:
a fanout exchange, ``RASA_EVENTS_EXCHANGE``, bound to the durable queue ``RASA_EVENTS_QUEUE``). This
process reads the queue and records the conversation events of the supervisors' statistics
(``kernel.contracts.conversation_events_from_rasa``: a chat conversation started, a mistake type came
up) with ``agents.stats.record_conversation_event``. So no turn waits for, or depends on, a statistics
write: Rasa's publish is fire-and-forget, and when this consumer or the database is down the events
wait in the queue.

Idempotent: a message is acknowledged only after its events are committed, so a crash redelivers it;
the statistics keep one row per (conversation, kind, detail) (unique constraint), so a redelivered
or duplicated event is counted once. A message that is not a Rasa event is acknowledged and dropped
(counted as ``rejected``); a database failure puts the message back (nack, requeue) and backs off.

Nothing of a message is logged (user events carry what the user typed, already redacted): counts and
error types only. ``python -m agents.broker_consumer``; SIGTERM finishes the message in hand and exits
(unacknowledged prefetched messages go back to the queue). METRICS_PORT serves /metrics, /healthz,
/readyz (telemetry.metrics).

The embedded default (``make run``) has no broker: the actions post their events to the gateway
(``POST /api/v1/conversation-events``) instead.
"""
from __future__ import annotations

import json
import logging
import signal
import sys
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Optional

from sqlalchemy import select

from kernel.contracts import ContractError, conversation_events_from_rasa, rasa_event_conversation
from kernel.settings import EnvReader, SettingsError

log = logging.getLogger("agents.broker_consumer")

DEFAULT_QUEUE = "helpdesk.rasa-events"
DEFAULT_EXCHANGE = "rasa-exchange"  # Rasa's default (rasa.core.brokers.pika.RABBITMQ_EXCHANGE)


@dataclass(frozen=True)
class ConsumerSettings:
    rabbitmq_url: str
    queue: str
    exchange: str
    database_url: str
    prefetch: int

    @classmethod
    def from_env(cls, env=None) -> "ConsumerSettings":
        read = EnvReader(env)
        settings = cls(
            rabbitmq_url=read.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F"),
            queue=read.get("RASA_EVENTS_QUEUE", DEFAULT_QUEUE),
            exchange=read.get("RASA_EVENTS_EXCHANGE", DEFAULT_EXCHANGE),
            database_url=read.get("GATEWAY_DATABASE_URL", "sqlite:///var/gateway.db"),
            prefetch=read.integer("BROKER_CONSUMER_PREFETCH", 50, 1, 10_000),
        )
        if not settings.rabbitmq_url.startswith(("amqp://", "amqps://")):
            read.errors.append("RABBITMQ_URL: must be an amqp:// or amqps:// URL")
        read.raise_errors(SettingsError, "bad broker consumer settings")
        return settings


class EventRecorder:
    """Turns one broker message into statistics rows; keeps each conversation's channel and language
    (from its user messages and slots) for the bot events that do not carry them."""

    def __init__(self, session_factory, remember: int = 20_000) -> None:
        self._sessions = session_factory
        self._known: "OrderedDict[str, tuple[Optional[str], Optional[str]]]" = OrderedDict()
        self._remember = remember

    def _context(self, sender: str, channel: Optional[str], language: Optional[str]) -> tuple[str, Optional[str]]:
        old_channel, old_language = self._known.pop(sender, (None, None))
        channel, language = channel or old_channel, language or old_language
        if channel is None:
            channel = self._stored_channel(sender)
        self._known[sender] = (channel, language)
        while len(self._known) > self._remember:
            self._known.popitem(last=False)
        return channel or "chat", language

    def _stored_channel(self, sender: str) -> Optional[str]:
        from agents.models import ConversationEvent

        with self._sessions() as session:
            return session.scalar(select(ConversationEvent.channel)
                                  .where(ConversationEvent.conversation_id == sender).limit(1))

    def record(self, body: bytes) -> str:
        """``recorded`` | ``duplicate`` | ``ignored`` | ``rejected``; raises on a database failure."""
        from agents import stats

        try:
            event = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return "rejected"
        sender, channel, language = rasa_event_conversation(event)
        if sender is None:
            return "rejected"
        channel, language = self._context(sender, channel, language)
        found = conversation_events_from_rasa(event, channel, language)
        if not found:
            return "ignored"
        stored = 0
        with self._sessions() as session:
            for item in found:
                try:
                    stored += bool(stats.record_conversation_event(session, item.as_json()))
                except ContractError:
                    session.rollback()
        return "recorded" if stored else "duplicate"


def _metrics():
    from prometheus_client import Counter, Gauge

    return (Counter("helpdesk_broker_events", "Rasa broker messages handled by the statistics consumer, per outcome.",
                    ["outcome"]),
            Gauge("helpdesk_broker_queue_depth", "Messages waiting in the consumer's queue (last reading)."),
            Gauge("helpdesk_broker_connected", "1 while the consumer is connected to RabbitMQ."))


class Consumer:
    def __init__(self, settings: ConsumerSettings, session_factory, *, on_outcome: Callable[[str], None] = lambda _: None):
        self.settings = settings
        self.recorder = EventRecorder(session_factory)
        self.stopping = threading.Event()
        self.connected = threading.Event()
        self.on_outcome = on_outcome
        self.depth = None

    def declare(self, channel) -> None:
        """The same exchange Rasa declares (fanout, not durable), the durable queue, bound."""
        channel.exchange_declare(self.settings.exchange, exchange_type="fanout", durable=False)
        channel.queue_declare(self.settings.queue, durable=True)
        channel.queue_bind(self.settings.queue, self.settings.exchange)

    def run(self) -> None:
        """Consume until ``stopping`` is set; reconnect with backoff when RabbitMQ goes away."""
        import pika

        backoff = 0.5
        while not self.stopping.is_set():
            try:
                parameters = pika.URLParameters(self.settings.rabbitmq_url)
                parameters.socket_timeout = 5
                parameters.blocked_connection_timeout = 30
                parameters.heartbeat = 30
                connection = pika.BlockingConnection(parameters)
            except pika.exceptions.AMQPError as exc:
                log.warning("RabbitMQ not reachable (%s); retrying in %.1fs", type(exc).__name__, backoff)
                self.stopping.wait(backoff)
                backoff = min(backoff * 2, 15.0)
                continue
            backoff = 0.5
            try:
                self._consume(connection)
            except pika.exceptions.AMQPError as exc:
                log.warning("RabbitMQ connection lost (%s)", type(exc).__name__)
            finally:
                self.connected.clear()
                try:
                    if connection.is_open:
                        connection.close()
                except Exception:  # noqa: BLE001 - closing a broken connection
                    pass

    def _consume(self, connection) -> None:
        channel = connection.channel()
        self.declare(channel)
        channel.basic_qos(prefetch_count=self.settings.prefetch)
        self.connected.set()
        last_depth = 0.0
        for method, _properties, body in channel.consume(self.settings.queue, inactivity_timeout=0.5):
            if time.monotonic() - last_depth > 5:
                last_depth = time.monotonic()
                self.depth = channel.queue_declare(self.settings.queue, durable=True, passive=True).method.message_count
            if method is None:
                if self.stopping.is_set():
                    break
                continue
            try:
                outcome = self.recorder.record(body)
            except Exception as exc:  # noqa: BLE001 - the database: put it back, try again later
                log.warning("statistics not written (%s); the event goes back to the queue", type(exc).__name__)
                channel.basic_nack(method.delivery_tag, requeue=True)
                self.on_outcome("retried")
                self.stopping.wait(1.0)
                continue
            channel.basic_ack(method.delivery_tag)
            self.on_outcome(outcome)
            if self.stopping.is_set():
                break
        channel.cancel()  # prefetched, unacknowledged messages go back to the queue


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = ConsumerSettings.from_env()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    from gateway.db import make_engine, make_session_factory
    from telemetry import metrics
    from telemetry.flask import database_check

    engine = make_engine(settings.database_url)
    events, depth, connected = _metrics()
    consumer = Consumer(settings, make_session_factory(engine), on_outcome=lambda o: events.labels(o).inc())

    def rabbitmq_check() -> None:
        if not consumer.connected.is_set():
            raise ConnectionError("not connected")
        connected.set(1)
        if consumer.depth is not None:
            depth.set(consumer.depth)

    def readings():
        connected.set(1 if consumer.connected.is_set() else 0)
        if consumer.depth is not None:
            depth.set(consumer.depth)
        return ()

    metrics.serve_from_env("broker_consumer", {"rabbitmq": rabbitmq_check, "database": database_check(engine)},
                           readings)

    def stop(_signum, _frame) -> None:
        consumer.stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("consuming Rasa's events from queue %s", settings.queue)
    consumer.run()
    log.info("stopped")
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())

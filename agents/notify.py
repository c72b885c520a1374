"""In-process wake-up for live views (SSE streams, queue). The database stays the source of truth:
a waiter re-reads it after a wake-up or after its timeout, so several gateway processes still work,
only with the timeout as the latency."""
from __future__ import annotations

import threading


class Changes:
    """A generation counter per topic; ``wait`` returns once the topic moved past ``seen`` or on timeout."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._generation: dict[str, int] = {}

    def current(self, topic: str) -> int:
        with self._cond:
            return self._generation.get(topic, 0)

    def publish(self, *topics: str) -> None:
        with self._cond:
            for topic in topics:
                self._generation[topic] = self._generation.get(topic, 0) + 1
            self._cond.notify_all()

    def wait(self, topic: str, seen: int, timeout: float) -> int:
        with self._cond:
            self._cond.wait_for(lambda: self._generation.get(topic, 0) != seen, timeout=timeout)
            return self._generation.get(topic, 0)


changes = Changes()
QUEUE = "queue"


def escalation_topic(escalation_id: str) -> str:
    return f"escalation:{escalation_id}"

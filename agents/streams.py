"""Slots for the relay's event streams (GET /api/v1/chat/<id>/events).

A stream holds a server thread for up to a minute, and the gateway's threads also answer the phone
line's webhooks, which Twilio gives 15 s. So streams are counted in this process: at most
AGENTS_SSE_PER_ESCALATION per escalated chat, AGENTS_SSE_PER_CLIENT per client address and
AGENTS_SSE_STREAMS in all (a quarter of GATEWAY_THREADS by default, always fewer than the threads).
A stream beyond any limit is refused at once with 429, so it never waits on a thread either; the
remaining threads are always free for /voice/* and the console."""
from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    total: int
    per_escalation: int
    per_client: int


class StreamSlots:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._total = 0
        self._by_escalation: Counter[str] = Counter()
        self._by_client: Counter[str] = Counter()

    def acquire(self, escalation_id: str, client: str, limits: Limits) -> "Slot | None":
        """A slot, or None when a limit is reached (the caller answers 429)."""
        with self._lock:
            if (self._total >= limits.total or self._by_escalation[escalation_id] >= limits.per_escalation
                    or self._by_client[client] >= limits.per_client):
                return None
            self._total += 1
            self._by_escalation[escalation_id] += 1
            self._by_client[client] += 1
        return Slot(self, escalation_id, client)

    def _release(self, escalation_id: str, client: str) -> None:
        with self._lock:
            self._total -= 1
            for counter, key in ((self._by_escalation, escalation_id), (self._by_client, client)):
                counter[key] -= 1
                if counter[key] <= 0:
                    del counter[key]

    def open_count(self) -> int:
        with self._lock:
            return self._total


class Slot:
    """One held stream; ``release`` is idempotent (called by the generator and on response close)."""

    def __init__(self, slots: StreamSlots, escalation_id: str, client: str) -> None:
        self._slots, self._escalation_id, self._client = slots, escalation_id, client
        self._lock = threading.Lock()
        self._held = True

    def release(self) -> None:
        with self._lock:
            if not self._held:
                return
            self._held = False
        self._slots._release(self._escalation_id, self._client)

"""The in-process queue for SQLite's one writer (credentials.adapters.unit_of_work.WriteLock): requests
are served in the order they came, and the background outbox worker only when no request waits."""
from __future__ import annotations

import threading
import time

from credentials.adapters.unit_of_work import WriteLock


def test_requests_go_first_in_arrival_order_and_the_background_worker_after_them():
    lock, order = WriteLock(), []
    lock.acquire()  # a transaction in progress

    def take(name: str, background: bool = False) -> threading.Thread:
        def run():
            lock.acquire(background)
            order.append(name)
            time.sleep(0.01)
            lock.release()
        thread = threading.Thread(target=run)
        thread.start()
        time.sleep(0.05)  # queued before the next one comes
        return thread

    threads = [take("worker", background=True), take("request-1"), take("request-2"), take("request-3")]
    lock.release()
    for thread in threads:
        thread.join(timeout=5)
    assert order == ["request-1", "request-2", "request-3", "worker"]


def test_the_background_worker_takes_the_lock_when_nobody_waits():
    lock = WriteLock()
    done = threading.Event()

    def run():
        lock.acquire(background=True)
        lock.release()
        done.set()

    threading.Thread(target=run).start()
    assert done.wait(timeout=5)

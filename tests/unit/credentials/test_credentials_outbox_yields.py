"""Issue 10, L12: the outbox thread inside the serving process steps aside while requests are in flight
(credentials.outbox.RequestActivity), but a sustained burst cannot starve it: each step waits at most
``max_defer``. Real threads, short times."""
from __future__ import annotations

import threading
import time

from credentials.outbox import RequestActivity


def _timed_wait(activity: RequestActivity) -> float:
    start = time.monotonic()
    activity.wait_quiet()
    return time.monotonic() - start


def test_worker_step_waits_until_the_request_in_flight_has_finished():
    activity = RequestActivity(settle=0.005, max_defer=5.0)
    activity.started()
    threading.Timer(0.2, activity.finished).start()
    waited = _timed_wait(activity)
    assert 0.2 <= waited < 2.0


def test_worker_step_is_not_starved_by_a_sustained_burst():
    activity = RequestActivity(settle=0.005, max_defer=0.3)
    stop = threading.Event()

    def burst():  # always at least one request in flight
        activity.started()
        while not stop.is_set():
            activity.started()
            activity.finished()
        activity.finished()

    thread = threading.Thread(target=burst)
    thread.start()
    try:
        waited = _timed_wait(activity)
    finally:
        stop.set()
        thread.join()
    assert 0.3 <= waited < 2.0


def test_worker_does_not_wait_when_no_request_came():
    assert _timed_wait(RequestActivity(settle=0.005, max_defer=5.0)) < 0.5

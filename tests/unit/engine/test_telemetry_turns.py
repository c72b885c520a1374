"""telemetry.sanic on Python 3.10 (the engine env): every user message handed to Rasa is one turn,
counted under its conversation channel with its outcome; a readiness check runs on the server's loop."""
import asyncio
import threading

import pytest
from prometheus_client import REGISTRY

from telemetry.sanic import counted_turns, on_loop


class Message:
    def __init__(self, metadata):
        self.metadata = metadata


def turns(channel, outcome):
    return REGISTRY.get_sample_value("helpdesk_rasa_turns_total", {"channel": channel, "outcome": outcome}) or 0.0


def test_turns_are_counted_per_channel_and_outcome():
    async def answer(message):
        return "ok"

    async def fail(message):
        raise RuntimeError("boom")

    before = (turns("phone", "ok"), turns("other", "ok"), turns("chat", "error"))
    asyncio.run(counted_turns(answer)(Message({"channel": "phone"})))
    asyncio.run(counted_turns(answer)(Message({"channel": "kiss.anna@example.com"})))  # not a channel: "other"
    with pytest.raises(RuntimeError):
        asyncio.run(counted_turns(fail)(Message({"channel": "chat"})))
    assert (turns("phone", "ok"), turns("other", "ok"), turns("chat", "error")) == tuple(b + 1 for b in before)


def test_a_readiness_check_runs_on_the_server_loop_and_fails_when_the_loop_is_stuck():
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        async def fine():
            return None

        on_loop(loop, fine)()
        loop.call_soon_threadsafe(lambda: __import__("time").sleep(1.0))  # the loop is blocked for a second
        with pytest.raises(Exception):
            on_loop(loop, fine, timeout=0.2)()
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)

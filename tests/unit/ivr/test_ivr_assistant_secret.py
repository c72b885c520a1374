"""The phone line proves itself to Rasa's REST channel on every turn (bot/channels.py refuses a turn
without RASA_CHANNEL_SECRET, so nobody else can speak inside a live call)."""
from __future__ import annotations

import httpx

from ivr.clients import CHANNEL_SECRET_HEADER, Assistant

SECRET = "test-rasa-channel-secret-0123456789abcdef"


def test_assistant_sends_the_gateway_secret_in_a_header_never_in_the_url_or_body():
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[{"recipient_id": "CA1", "text": "Szia!"}])

    assistant = Assistant("http://rasa.internal:5005", 2.0, SECRET, transport=httpx.MockTransport(answer))
    assert assistant.turn("CA1", "szia", "hu") == [{"recipient_id": "CA1", "text": "Szia!"}]
    assistant.turn("CA1", "köszönöm", "hu")
    assert len(seen) == 2
    for request in seen:
        assert request.headers[CHANNEL_SECRET_HEADER] == SECRET
        assert SECRET not in str(request.url) and SECRET.encode() not in request.content


def test_the_header_is_the_one_the_channel_reads():
    import pathlib

    from kernel.contracts import CHANNEL_SECRET_HEADER as KERNEL_HEADER

    channels = (pathlib.Path(__file__).resolve().parents[3] / "bot" / "channels.py").read_text()
    assert CHANNEL_SECRET_HEADER == KERNEL_HEADER
    assert "from kernel.contracts import CHANNEL_SECRET_HEADER" in channels

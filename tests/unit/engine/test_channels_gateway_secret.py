"""Rasa's REST channel answers the gateway only: anyone else who posts a CallSid as ``sender`` would
speak inside that live phone call (issue: "Anyone who can reach Rasa can speak inside someone else's
conversation")."""
from __future__ import annotations

import asyncio

import httpx
import pytest
from rasa.core.channels.channel import UserMessage

import bot.channels
from bot.channels import CHANNEL_SECRET_HEADER, ChannelConfigError, HelpdeskRestInput
from test_channels import serve

SECRET = "test-rasa-channel-secret-0123456789abcdef"
TURN = {"sender": "CA0123456789abcdef0123456789abcdef", "message": "a kódom nem jött meg",
        "metadata": {"channel": "phone", "language": "hu"}}


def post_turns(headers_list: list[dict]) -> tuple[list[httpx.Response], list[UserMessage]]:
    received: list[UserMessage] = []

    async def on_new_message(message: UserMessage) -> None:
        received.append(message)
        await message.output_channel.send_text_message(message.sender_id, "rendben")

    async def scenario():
        async with serve(HelpdeskRestInput(channel_secret=SECRET), on_new_message) as base:
            async with httpx.AsyncClient() as client:
                return [await client.post(base + "/webhook", json=TURN, headers=headers) for headers in headers_list]

    return asyncio.run(scenario()), received


def test_rest_channel_refuses_a_turn_without_the_gateway_secret():
    (bare, wrong, prefix, longer, bearer, right), received = post_turns([
        {},
        {CHANNEL_SECRET_HEADER: "x" * len(SECRET)},
        {CHANNEL_SECRET_HEADER: SECRET[:-1]},
        {CHANNEL_SECRET_HEADER: SECRET + "x"},
        {"Authorization": f"Bearer {SECRET}"},  # the secret, but not where the channel looks for it
        {CHANNEL_SECRET_HEADER: SECRET},
    ])
    for refused in (bare, wrong, prefix, longer, bearer):
        assert refused.status_code == 401
        assert refused.json()["error"] == "unauthorized" and SECRET not in refused.text
    assert right.status_code == 200 and right.json() == [{"recipient_id": TURN["sender"], "text": "rendben"}]
    assert [m.sender_id for m in received] == [TURN["sender"]]  # only the gateway's turn reached Rasa


def test_rest_channel_compares_the_secret_in_constant_time(monkeypatch):
    compared: list[tuple[bytes, bytes]] = []
    real = bot.channels.hmac.compare_digest

    def recording(a, b):
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(bot.channels.hmac, "compare_digest", recording)
    responses, _ = post_turns([{CHANNEL_SECRET_HEADER: given} for given in ("", "a", SECRET[:-1], SECRET * 3)])
    assert [r.status_code for r in responses] == [401] * 4
    # one comparison per turn, always of two 32-byte digests: neither length nor prefix shows in the timing
    assert len(compared) == 4 and all(len(a) == len(b) == 32 for a, b in compared)


@pytest.mark.parametrize("value, complaint", [
    (None, "required"),
    ("dev-rasa-token-change-me-0123456789", "example"),
    ("short", "at least 16"),
])
def test_rasa_refuses_to_start_without_a_good_channel_secret(monkeypatch, value, complaint):
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    if value is None:
        monkeypatch.delenv("RASA_CHANNEL_SECRET", raising=False)
    else:
        monkeypatch.setenv("RASA_CHANNEL_SECRET", value)
    with pytest.raises(ChannelConfigError, match=complaint) as caught:
        HelpdeskRestInput.from_credentials({})
    assert "RASA_CHANNEL_SECRET" in str(caught.value)
    assert (value or "@@") not in str(caught.value)


def test_rasa_refuses_a_typed_channel_secret_behind_https(monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://help.example.hu")
    monkeypatch.setenv("RASA_CHANNEL_SECRET", SECRET)  # fine for the embedded default, not on the internet
    with pytest.raises(ChannelConfigError, match="32 random bytes"):
        HelpdeskRestInput.from_credentials({})
    monkeypatch.setenv("RASA_CHANNEL_SECRET", "kO1zC1p8lX2v0Ev0xq3QWq7b2yq3c4fTb9Vn5Gm0hJk")
    assert isinstance(HelpdeskRestInput.from_credentials({}), HelpdeskRestInput)

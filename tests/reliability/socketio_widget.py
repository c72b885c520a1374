"""A chat over Rasa's socket.io channel as the widget (web/static/widget.js) holds it, run in the engine
env (python-socketio 5.9.0 and aiohttp are Rasa's; the app env has no socket.io client):

    .venv/engine/bin/python tests/reliability/socketio_widget.py RASA_URL ORIGIN LANGUAGE TEXT [TEXT ...]

Connects over the websocket transport (as the widget does), asks for a session (``session_request``),
sends each TEXT as ``user_uttered`` with a client message id and the widget's metadata, waits for the
bot's answers, and prints one JSON line: {"session_id", "bot": [...], "stored": [...], "errors": [...]}.
"""
from __future__ import annotations

import asyncio
import json
import sys
import uuid


async def chat(url: str, origin: str, language: str, texts: list[str]) -> dict:
    import socketio

    sio = socketio.AsyncClient(reconnection=False)
    out: dict = {"session_id": None, "bot": [], "stored": [], "errors": []}
    confirmed = asyncio.Event()
    answered = asyncio.Event()

    @sio.on("session_confirm")
    async def _confirm(data):
        out["session_id"] = (data or {}).get("session_id") if isinstance(data, dict) else data
        confirmed.set()

    @sio.on("bot_uttered")
    async def _bot(data):
        out["bot"].append(data)
        answered.set()

    @sio.on("helpdesk_stored")
    async def _stored(data):
        out["stored"].append(data)

    @sio.on("helpdesk_error")
    async def _error(data):
        out["errors"].append(data)
        answered.set()

    await sio.connect(url, socketio_path="/socket.io", transports=["websocket"], headers={"Origin": origin},
                      wait_timeout=20)
    await sio.emit("session_request", {})
    await asyncio.wait_for(confirmed.wait(), 20)
    for text in texts:
        answered.clear()
        await sio.emit("user_uttered", {"message": text, "client_message_id": uuid.uuid4().hex,
                                        "metadata": {"language": language}})
        try:
            await asyncio.wait_for(answered.wait(), 30)
        except asyncio.TimeoutError:
            out["errors"].append({"timeout": text[:20]})
        await asyncio.sleep(0.5)  # the rest of the turn's messages
    await sio.disconnect()
    return out


if __name__ == "__main__":
    rasa_url, origin, language, *said = sys.argv[1:]
    print(json.dumps(asyncio.run(chat(rasa_url, origin, language, said))))

"""A widget's socket.io connection held open across a test, as web/static/widget.js holds it, in the
engine env (python-socketio and aiohttp are Rasa's; the app env has no socket.io client):

    .venv/engine/bin/python tests/reliability/socketio_session.py URL ORIGIN LANGUAGE

Like the widget: the websocket transport; ``session_request`` on every (re)connect, with the session
id and token once it has them; the conversation id in the connection URL (``?conversation=<id>``)
once it has one — reconnecting once to it after the first ``session_confirm`` — so a proxy hashes the
connection to the conversation's Rasa process; reconnection after 0.5 s (at most 3 s) when the
connection drops. A message is sent once (``user_uttered`` with a client message id) and not kept:
widget.js shifts it out of its outbox as it emits it.

Commands on stdin, one JSON object a line: ``{"say": TEXT}`` sends a message; ``{"close": true}``
ends. Events on stdout, one JSON object a line, each with ``t`` (time.monotonic(), the same clock in
every process of the machine) and ``ev`` (connect, disconnect, connect_error, session_confirm,
bot_uttered, helpdesk_stored, helpdesk_error, sent) and ``data``. No secret passes through here
beyond what the test itself types.
"""
from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from urllib.parse import urlencode


def emit(ev: str, data=None) -> None:
    sys.stdout.write(json.dumps({"t": time.monotonic(), "ev": ev, "data": data}, ensure_ascii=False) + "\n")
    sys.stdout.flush()


async def run(url: str, origin: str, language: str) -> None:
    import socketio

    state: dict = {"session_id": None, "session_token": None, "confirmed": False}
    sio = socketio.AsyncClient(reconnection=True, reconnection_delay=0.5, reconnection_delay_max=3,
                               ssl_verify=False)

    def address() -> str:
        query = {"conversation": state["session_id"]} if state["session_id"] else {}
        return url.rstrip("/") + ("/?" + urlencode(query) if query else "")

    @sio.event
    async def connect():
        emit("connect", {"conversation": state["session_id"]})
        request = {"session_id": state["session_id"], "session_token": state["session_token"]} \
            if state["session_id"] else {}
        await sio.emit("session_request", request)

    @sio.event
    async def disconnect():
        state["confirmed"] = False
        emit("disconnect")

    @sio.event
    async def connect_error(data):
        emit("connect_error", str(data)[:200])

    reconnect_to_conversation = asyncio.Event()

    @sio.on("session_confirm")
    async def session_confirm(data):
        first = state["session_id"] is None
        state["session_id"], state["session_token"] = data["session_id"], data["session_token"]
        emit("session_confirm", {"session_id": data["session_id"], "token": data["session_token"]})
        if first:  # the widget reconnects once with the conversation id, to reach its process
            reconnect_to_conversation.set()
        else:
            state["confirmed"] = True

    for name in ("bot_uttered", "helpdesk_stored", "helpdesk_error"):
        sio.on(name, (lambda n: (lambda data: emit(n, data)))(name))

    await sio.connect(address(), socketio_path="/socket.io", transports=["websocket"],
                      headers={"Origin": origin}, wait_timeout=20)
    await asyncio.wait_for(reconnect_to_conversation.wait(), 20)
    await sio.disconnect()
    # the URL the client reconnects to carries the conversation from now on
    await sio.connect(address(), socketio_path="/socket.io", transports=["websocket"],
                      headers={"Origin": origin}, wait_timeout=20)
    while not state["confirmed"]:
        await asyncio.sleep(0.05)
    emit("ready", {"session_id": state["session_id"]})
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            break
        command = json.loads(line)
        if command.get("close"):
            break
        if "say" in command:
            cid = uuid.uuid4().hex
            try:
                await sio.emit("user_uttered", {"message": command["say"], "client_message_id": cid,
                                                "metadata": {"language": language}})
                emit("sent", {"client_message_id": cid})
            except Exception as exc:  # noqa: BLE001 - not connected: the widget keeps it queued; here: said so
                emit("not_sent", type(exc).__name__)
    await sio.disconnect()


if __name__ == "__main__":
    target, page_origin, lang = sys.argv[1:4]
    asyncio.run(run(target, page_origin, lang))

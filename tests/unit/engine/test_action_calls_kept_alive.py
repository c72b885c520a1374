"""Rasa → action server calls reuse their connection (bot/action_calls.apply_kept_alive_sessions).

A real HTTP server on a loopback socket counts the TCP connections it accepts; Rasa's own
EndpointConfig.request makes the calls, as RemoteAction does for every user message.
"""
from __future__ import annotations

import asyncio
import json

import pytest

from bot.action_calls import KEEPALIVE_SECONDS, apply_kept_alive_sessions


class CountingServer:
    """A minimal HTTP/1.1 server: answers every POST with {"events": []}, keeps the connection
    open unless ``close_after_each`` (as a restarted or impatient action server would)."""

    def __init__(self, close_after_each: bool = False) -> None:
        self.connections = 0
        self.requests = 0
        self.close_after_each = close_after_each
        self.server: asyncio.AbstractServer | None = None

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/webhook"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.decode("latin-1").split("\r\n"):
                    if line.lower().startswith("content-length:"):
                        length = int(line.split(":", 1)[1])
                await reader.readexactly(length)
                self.requests += 1
                body = json.dumps({"events": [], "responses": []}).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             + f"Content-Length: {len(body)}\r\n".encode()
                             + (b"Connection: close\r\n" if self.close_after_each else b"") + b"\r\n" + body)
                await writer.drain()
                if self.close_after_each:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()


def test_action_calls_of_one_endpoint_share_one_connection():
    """Ten calls, one TCP connection (Rasa 3.6 alone opens ten)."""
    from rasa.utils.endpoints import EndpointConfig

    apply_kept_alive_sessions()

    async def scenario() -> CountingServer:
        server = CountingServer()
        endpoint = EndpointConfig(url=await server.start())
        for _ in range(10):
            assert await endpoint.request(json={"next_action": "x"}, method="post", timeout=5) == {
                "events": [], "responses": []}
        await server.stop()
        return server

    server = asyncio.run(scenario())
    assert (server.requests, server.connections) == (10, 1)


def test_a_connection_the_server_closed_is_not_reused():
    """The action server closing its side (a restart, its keep-alive timeout, Connection: close)
    costs no call: the next request opens a new connection."""
    from rasa.utils.endpoints import EndpointConfig

    apply_kept_alive_sessions()

    async def scenario() -> CountingServer:
        server = CountingServer(close_after_each=True)
        endpoint = EndpointConfig(url=await server.start())
        for _ in range(3):
            await endpoint.request(json={}, method="post", timeout=5)
        await server.stop()
        return server

    server = asyncio.run(scenario())
    assert (server.requests, server.connections) == (3, 3)


def test_an_idle_connection_is_dropped_before_the_action_servers_keep_alive_ends():
    """Sanic (the action server) closes an idle connection after 5 s; the client drops it after
    KEEPALIVE_SECONDS, first, so a request never goes out on a connection the server is closing."""
    from rasa.utils.endpoints import EndpointConfig

    apply_kept_alive_sessions()
    assert KEEPALIVE_SECONDS < 5

    async def scenario() -> CountingServer:
        server = CountingServer()
        endpoint = EndpointConfig(url=await server.start())
        await endpoint.request(json={}, method="post", timeout=5)
        await endpoint.request(json={}, method="post", timeout=5)
        await asyncio.sleep(KEEPALIVE_SECONDS + 0.5)
        await endpoint.request(json={}, method="post", timeout=5)
        await server.stop()
        return server

    server = asyncio.run(scenario())
    assert (server.requests, server.connections) == (3, 2)


def test_each_call_keeps_its_own_timeout():
    """A hanging action server still fails the call after the request's timeout (the phone line's
    deadline depends on it), with the connection kept."""
    from rasa.utils.endpoints import EndpointConfig

    apply_kept_alive_sessions()

    async def scenario() -> None:
        async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await asyncio.sleep(30)

        server = await asyncio.start_server(hang, "127.0.0.1", 0)
        endpoint = EndpointConfig(url=f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/webhook")
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(asyncio.TimeoutError):
            await endpoint.request(json={}, method="post", timeout=0.5)
        assert loop.time() - started < 2
        server.close()

    asyncio.run(scenario())

"""Agent room of the gateway: the escalation API (for the assistant and the phone line), the chat
relay of escalated web chats, and the agent console at /agents/."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Mount the API, the relay, the console and the CLI on the gateway app."""
    from agents import api, cli, console, relay

    app.register_blueprint(api.bp)
    relay.init_app(app)
    console.init_app(app)
    cli.init_app(app)

"""Agent room of the gateway: the escalation API (for the assistant and the phone line), the chat
relay of escalated web chats, and the agent console at /agents/."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Mount the API, the relay, the console and the CLI on the gateway app."""
    from agents import api, cli, console, csat, relay
    from agents.settings import AgentsSettings

    # The environment's settings, unless the app's config (a test's) already chose a value.
    for key, value in AgentsSettings.from_env().as_config().items():
        app.config.setdefault(key, value)
    app.register_blueprint(api.bp)
    csat.init_app(app)
    relay.init_app(app)
    console.init_app(app)
    cli.init_app(app)

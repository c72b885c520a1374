"""`flask --app gateway agents create-agent --username anna --role supervisor` (prompts for the password)."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from agents import accounts, audit
from gateway import sessions_of

group = AppGroup("agents", help="Agent console administration.")


@group.command("create-agent")
@click.option("--username", required=True)
@click.option("--role", type=click.Choice(["agent", "supervisor"]), default="agent", show_default=True)
@click.option("--display-name", default=None, help="Name shown to users in the chat (default: username).")
@click.password_option(help="Prompted for when not given; never echoed or logged.")
def create_agent(username: str, role: str, display_name: str | None, password: str) -> None:
    """Create an agent account (password hashed with argon2id)."""
    with sessions_of(current_app)() as session:
        try:
            account = accounts.create_agent(session, username, password, role, display_name)
        except accounts.AccountError as exc:
            raise click.ClickException(str(exc)) from None
        audit.record(session, "account_created", actor="cli", username=account.username, role=role)
        session.commit()
    click.echo(f"created {role} {account.username}")


def init_app(app: Flask) -> None:
    app.cli.add_command(group)

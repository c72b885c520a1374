"""`flask --app gateway agents create-agent --username anna --role supervisor` (prompts for the password);
`... agents set-phone-pin --username anna` (prompts for the agent line's keypad PIN);
`... agents set-skills --username anna --languages hu,en --channels chat` (what routing offers her)."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from sqlalchemy import select

from agents import accounts, audit
from agents.models import AgentAccount
from gateway import sessions_of, settings_of

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


@group.command("set-phone-pin")
@click.option("--username", required=True)
@click.option("--pin", prompt="Phone PIN (6-12 digits)", hide_input=True, confirmation_prompt=True,
              help="Prompted for when not given; never echoed or logged.")
def set_phone_pin(username: str, pin: str) -> None:
    """Set an agent's keypad PIN for the agent phone line (hashed with argon2id; unlocks it)."""
    with sessions_of(current_app)() as session:
        try:
            account = accounts.set_phone_pin(session, username, pin.strip())
        except accounts.AccountError as exc:
            raise click.ClickException(str(exc)) from None
        audit.record(session, "phone_pin_set", actor="cli", username=account.username)
        session.commit()
        click.echo(f"phone PIN set for {account.username}: on the agent line, key in agent number "
                   f"{account.id}, then the PIN")


@group.command("set-skills")
@click.option("--username", required=True)
@click.option("--languages", required=True, help="Comma-separated: hu, en.")
@click.option("--channels", required=True, help="Comma-separated: chat, phone.")
def set_skills(username: str, languages: str, channels: str) -> None:
    """Set the languages and channels a waiting case must have to be offered to this agent."""
    with sessions_of(current_app)() as session:
        account = session.scalar(select(AgentAccount).where(AgentAccount.username == username.strip().lower()))
        if account is None:
            raise click.ClickException(f"username: no agent {username!r}")
        split = lambda text: [x.strip() for x in text.split(",") if x.strip()]  # noqa: E731
        try:
            accounts.set_skills(account, split(languages), split(channels))
        except accounts.AccountError as exc:
            raise click.ClickException(str(exc)) from None
        audit.record(session, "skills_set", actor="cli", target=account.username, languages=account.languages,
                     channels=account.channels)
        session.commit()
        click.echo(f"{account.username} takes {account.languages} on {account.channels}")


@group.command("revoke-sessions")
@click.option("--username", required=True, help="The agent whose console sessions end now, everywhere.")
def revoke_sessions(username: str) -> None:
    """Log an agent out of every console session (a lost laptop, a copied cookie, a leaver)."""
    from sqlalchemy import select

    from agents import sessions
    from agents.models import AgentAccount

    with sessions_of(current_app)() as session:
        account = session.scalar(select(AgentAccount).where(AgentAccount.username == username.strip().lower()))
        if account is None:
            raise click.ClickException(f"no agent {username!r}")
        count = sessions.revoke_agent(session, account.id, "cli")
        audit.record(session, "sessions_revoked", actor="cli", target=account.username, count=count)
        session.commit()
    click.echo(f"ended {count} session(s) of {account.username}")


def _retention_settings():
    from agents.retention import RetentionSettings, SettingsError

    try:
        return RetentionSettings.from_env(config=current_app.config)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


@group.command("purge")
@click.option("--dry-run", is_flag=True, help="Count what is past its retention period; delete nothing.")
@click.option("--every", type=click.IntRange(min=60), default=None, metavar="SECONDS",
              help="Run again every SECONDS until stopped (the supervised periodic job of ops/supervise.py); "
                   "a run that fails (the database not migrated or not reachable yet) is retried a minute later.")
def purge(dry_run: bool, every: int | None) -> None:
    """Delete every stored personal datum past its retention period (docs/privacy.md); counts per kind."""
    from sqlalchemy.exc import SQLAlchemyError

    from agents import retention
    from kernel import periodic

    settings = _retention_settings()

    def once() -> retention.Report:
        with sessions_of(current_app)() as session:
            return retention.purge(session, settings, dry_run=dry_run)

    failed: list[str] = []
    status = periodic.repeat(once, every=every, dry_run=dry_run, failures=(SQLAlchemyError,), echo=click.echo,
                             complain=failed.append if every is None else (lambda line: click.echo(line, err=True)))
    if status:
        raise click.ClickException(failed[-1])


@group.command("erase-subject")
@click.option("--phone", default=None, help="The data subject's phone number (any usual form).")
@click.option("--username", default=None, help="The data subject's Ügyfélkapu username.")
@click.option("--dry-run", is_flag=True, help="Count what would be erased; delete nothing.")
def erase_subject(phone: str | None, username: str | None, dry_run: bool) -> None:
    """Erase every conversation of one phone number or one username, in every store (GDPR art. 17);
    the audit entry records the kinds and counts erased, never the subject or the content."""
    from agents import retention

    if (phone is None) == (username is None):
        raise click.ClickException("give exactly one of --phone or --username")
    from sqlalchemy.exc import SQLAlchemyError

    settings = _retention_settings()
    with sessions_of(current_app)() as session:
        try:
            report = retention.erase_subject(session, settings, settings_of(current_app).secret_key,
                                             phone=phone, username=username, actor="cli", dry_run=dry_run)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        except SQLAlchemyError as exc:  # never echo the statement: its parameters hold the subject's digest
            raise click.ClickException(f"erasure failed, nothing erased: {type(exc).__name__}") from None
    for line in report.lines():
        click.echo(line)
    click.echo(f"{'would erase' if dry_run else 'erased'} {report.total} in all")


def init_app(app: Flask) -> None:
    app.cli.add_command(group)

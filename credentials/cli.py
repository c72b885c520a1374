"""The document office's command line (S1, S5, S9), as Flask CLI commands:

    flask --app credentials office register --username kovacsj --legal-name "Kovács János" \\
        --email janos@example.hu --language hu
    flask --app credentials office correct-email --username kovacsj --email new@example.hu
    flask --app credentials office disclose-username --legal-name "Kovács János"

(``python -m credentials office ...`` is the same.) After registering, the first code mail is
sent at once (one outbox pass), so it arrives even when the server is not running."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from credentials import services
from credentials.api.answers import iso
from credentials.domain.exceptions import AccountNotFound, UsernameTaken
from kernel.fields import FieldError

office = AppGroup("office", help="Document office operations (registration, e-mail correction, username disclosure).")


def _backend():
    return current_app.extensions["credentials"]


def _run(use_case, *args):
    from sqlalchemy.exc import SQLAlchemyError

    backend = _backend()
    try:
        return use_case(*args, uow=backend.uow(), kit=backend.kit, channel="cli")
    except SQLAlchemyError as exc:  # never a traceback at the office desk
        raise click.ClickException(
            f"the credentials database cannot be used ({type(exc).__name__}); is it migrated? "
            "`python -m credentials migrate` brings it up to date") from exc
    except FieldError as exc:  # a kernel.fields rule or the backend's own (InvalidField)
        raise click.BadParameter(exc.message, param_hint=f"--{exc.field.replace('_', '-')}") from exc
    except UsernameTaken as exc:
        raise click.BadParameter("this username is already taken", param_hint="--username") from exc
    except AccountNotFound as exc:
        raise click.ClickException("no account with this username") from exc


@office.command("register")
@click.option("--username", required=True, help="The username the person chose (S1).")
@click.option("--legal-name", required=True, help="The person's legal name, as on the ID.")
@click.option("--email", required=True, help="The e-mail address from the registration form.")
@click.option("--language", type=click.Choice(["hu", "en"]), default="hu", show_default=True)
@click.option("--send/--no-send", default=True, show_default=True, help="Send the code mail now.")
def register(username: str, legal_name: str, email: str, language: str, send: bool) -> None:
    """Register an account; its first one-time code is e-mailed (S1, S2)."""
    from credentials.outbox import OutboxWorker

    result = _run(services.register_account, username, legal_name, email, language)
    click.echo(f"registered {result.username} (pending); the code is valid until {iso(result.code_expires_at)}")
    if send:
        backend = _backend()
        OutboxWorker(backend.uow, backend.kit).run_once()
        click.echo("code mail handed to the outbox")


@office.command("correct-email")
@click.option("--username", required=True)
@click.option("--email", required=True, help="The corrected address.")
def correct_email(username: str, email: str) -> None:
    """Correct the e-mail on file (S5); open codes die, the person requests a new one."""
    result = _run(services.correct_email, username, email)
    click.echo(f"e-mail of {result.username} is now {result.email_masked}")


@office.command("disclose-username")
@click.option("--legal-name", required=True)
@click.option("--email", default="", help="The e-mail on file, to narrow the list.")
def disclose_username(legal_name: str, email: str) -> None:
    """Tell a forgotten username, in person after an ID check (S9)."""
    found = _run(services.disclose_usernames, legal_name, email)
    click.echo("\n".join(found) if found else "no account with this legal name")

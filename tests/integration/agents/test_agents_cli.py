"""Agent accounts are created on the command line, the password prompted and stored as argon2id."""
from __future__ import annotations

from sqlalchemy import select

from agents.models import AgentAccount


def test_create_agent_command_stores_an_argon2id_hash(gateway_app, db_session):
    runner = gateway_app.test_cli_runner()
    result = runner.invoke(args=["agents", "create-agent", "--username", "Anna", "--role", "supervisor"],
                           input="a long enough password\na long enough password\n")
    assert result.exit_code == 0, result.output
    account = db_session.scalar(select(AgentAccount))
    assert account.username == "anna" and account.role == "supervisor"
    assert account.password_hash.startswith("$argon2id$")
    assert "a long enough password" not in result.output


def test_create_agent_refuses_a_short_password_and_a_taken_name(gateway_app):
    runner = gateway_app.test_cli_runner()
    short = runner.invoke(args=["agents", "create-agent", "--username", "bela"], input="short\nshort\n")
    assert short.exit_code != 0 and "at least 12" in short.output
    ok = runner.invoke(args=["agents", "create-agent", "--username", "bela"], input="x" * 12 + "\n" + "x" * 12 + "\n")
    assert ok.exit_code == 0
    taken = runner.invoke(args=["agents", "create-agent", "--username", "bela"], input="y" * 12 + "\n" + "y" * 12 + "\n")
    assert taken.exit_code != 0 and "taken" in taken.output


def test_set_skills_command_sets_what_routing_offers_an_agent(gateway_app, db_session):
    runner = gateway_app.test_cli_runner()
    assert runner.invoke(args=["agents", "create-agent", "--username", "cili"], input="x" * 12 + "\n" + "x" * 12 + "\n").exit_code == 0
    ok = runner.invoke(args=["agents", "set-skills", "--username", "cili", "--languages", "en", "--channels", "phone,chat"])
    assert ok.exit_code == 0 and "cili takes en on chat,phone" in ok.output
    account = db_session.scalar(select(AgentAccount))
    assert (account.languages, account.channels) == ("en", "chat,phone")
    bad = runner.invoke(args=["agents", "set-skills", "--username", "cili", "--languages", "de", "--channels", "chat"])
    assert bad.exit_code != 0 and "unknown language or channel: de" in bad.output
    none = runner.invoke(args=["agents", "set-skills", "--username", "nobody", "--languages", "hu", "--channels", "chat"])
    assert none.exit_code != 0

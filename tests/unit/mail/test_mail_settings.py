"""Mail settings are validated once, with one clear error per bad value."""
from __future__ import annotations

import pytest

from credentials.mail.smtp import SmtpSettings, SmtpSettingsError
from mailsink.faults import FaultRuleError, RefusalRule, parse_refusal_rules, refusal_for
from mailsink.settings import SettingsError, SinkSettings


def test_defaults_are_the_embedded_sink():
    settings = SmtpSettings.from_env({})
    assert (settings.host, settings.port, settings.starttls, settings.username) == ("127.0.0.1", 1025, False, None)
    assert settings.timeout_seconds == 5.0
    assert settings.mail_from == "Ugyfelkapu <noreply@ugyfelkapu.example>"


def test_production_relay_settings_are_read():
    settings = SmtpSettings.from_env({
        "SMTP_HOST": "smtp.relay.example", "SMTP_PORT": "587", "SMTP_STARTTLS": "true",
        "SMTP_USERNAME": "helpdesk", "SMTP_PASSWORD": "s3cret-pass", "SMTP_TIMEOUT_SECONDS": "2.5",
        "MAIL_FROM": "Ügyfélkapu <noreply@ugyfelkapu.example>"})
    assert (settings.host, settings.port, settings.starttls) == ("smtp.relay.example", 587, True)
    assert settings.username == "helpdesk" and settings.password == "s3cret-pass"
    assert settings.timeout_seconds == 2.5
    assert "s3cret-pass" not in repr(settings)


@pytest.mark.parametrize("env, message", [
    ({"SMTP_PORT": "smtp"}, "SMTP_PORT: must be a port number 1-65535, got 'smtp'"),
    ({"SMTP_PORT": "70000"}, "SMTP_PORT: must be a port number"),
    ({"SMTP_HOST": "bad host"}, "SMTP_HOST: must be a host name"),
    ({"SMTP_STARTTLS": "maybe"}, "SMTP_STARTTLS: must be true or false, got 'maybe'"),
    ({"SMTP_USERNAME": "u"}, "SMTP_PASSWORD: required when SMTP_USERNAME is set"),
    ({"SMTP_PASSWORD": "p"}, "SMTP_USERNAME: required when SMTP_PASSWORD is set"),
    ({"SMTP_HOST": "smtp.relay.example", "SMTP_USERNAME": "u", "SMTP_PASSWORD": "p"},
     "SMTP_STARTTLS: must be true when logging in"),
    ({"SMTP_TIMEOUT_SECONDS": "0"}, "SMTP_TIMEOUT_SECONDS: must be a number of seconds above 0"),
    ({"SMTP_TIMEOUT_SECONDS": "soon"}, "SMTP_TIMEOUT_SECONDS: must be a number"),
    ({"MAIL_FROM": "noreply"}, "MAIL_FROM: must be an address"),
])
def test_each_bad_mail_setting_is_named(env, message):
    with pytest.raises(SmtpSettingsError) as error:
        SmtpSettings.from_env(env)
    assert message in str(error.value)
    assert str(error.value).count("\n  ") == 1  # exactly one complaint


def test_every_bad_value_is_reported_at_once():
    with pytest.raises(SmtpSettingsError) as error:
        SmtpSettings.from_env({"SMTP_PORT": "x", "SMTP_TIMEOUT_SECONDS": "y", "MAIL_FROM": "z"})
    assert all(name in str(error.value) for name in ("SMTP_PORT", "SMTP_TIMEOUT_SECONDS", "MAIL_FROM"))


def test_password_to_loopback_relay_without_starttls_is_allowed():
    settings = SmtpSettings.from_env({"SMTP_USERNAME": "u", "SMTP_PASSWORD": "p"})
    assert settings.username == "u"


def test_sink_settings_defaults_and_errors(tmp_path):
    settings = SinkSettings.from_env({})
    assert (settings.host, settings.port, str(settings.directory), settings.refusals) == ("127.0.0.1", 1025, "var/mail", ())
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(SettingsError) as error:
        SinkSettings.from_env({"SMTP_PORT": "-1", "MAIL_SINK_DIR": str(a_file), "MAILSINK_REFUSE": "x=200"})
    text = str(error.value)
    assert "SMTP_PORT" in text and "MAIL_SINK_DIR" in text and "MAILSINK_REFUSE" in text


def test_fault_rules_parse():
    assert parse_refusal_rules("full@=552, bad@=550,flaky@=451,late@=554:data") == (
        RefusalRule("full@", 552), RefusalRule("bad@", 550), RefusalRule("flaky@", 451),
        RefusalRule("late@", 554, "data"))
    assert parse_refusal_rules("") == ()


def test_fault_rules_for_broken_servers_parse():
    assert parse_refusal_rules("grey@=451x2,slow@=hang:data,cut@=drop:data,late@=hang") == (
        RefusalRule("grey@", 451, times=2), RefusalRule("slow@", 0, "data", "hang"),
        RefusalRule("cut@", 0, "data", "drop"), RefusalRule("late@", 0, "rcpt", "hang"))
    assert SinkSettings.from_env({"MAILSINK_SILENT": "true"}).silent
    assert not SinkSettings.from_env({}).silent


def test_a_counted_rule_refuses_only_its_first_messages():
    rules, used = parse_refusal_rules("grey@=451x2"), {}
    assert [refusal_for(rules, "grey@example.hu", "rcpt", used) is not None for _ in range(4)] == [True, True, False, False]
    assert refusal_for(rules, "other@example.hu", "rcpt", used) is None


@pytest.mark.parametrize("text", ["full@", "=552", "full@=250", "full@=abc", "full@=552:mail", "grey@=451x0",
                                  "grey@=451xx", "x@=stall"])
def test_bad_fault_rules_are_refused(text):
    with pytest.raises(FaultRuleError, match="MAILSINK_REFUSE"):
        parse_refusal_rules(text)


def test_fault_rule_reply_echoes_the_recipient_like_a_real_server():
    assert RefusalRule("full@", 552).reply("full@example.hu") == "552 5.2.2 <full@example.hu>: Mailbox full, quota exceeded"

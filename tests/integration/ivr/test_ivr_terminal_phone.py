"""The terminal phone (`python -m ivr.phone`, `make call`) drives a real gateway over HTTP."""
from __future__ import annotations

import io
import os
import subprocess
import sys

from ivr.phone import Speaker, main, run
from tests.fixtures.phone_driver import AGENT_PIN, agent_with_pin


def test_terminal_phone_shows_prompts_takes_keys_speech_and_queue_commands(phone_line_factory):
    """Also: "/wait ²" (a Unicode digit, which int() refuses) waits the default 30 s, no crash."""
    line = phone_line_factory()
    agent_number = agent_with_pin(line.app)
    out = io.StringIO()
    code = run(line.call(), Speaker(False), lines=iter(["1", "*", "9", "", "0", "/wait ²", "/wait 20", "/agent en", agent_number,
                                                         AGENT_PIN, "/leave", "1", "/record", "/hangup"]), out=out)
    shown = out.getvalue()
    assert code == 0
    assert "Key in your agent number" in shown and "Welcome, Anna." in shown
    assert "Üdvözöljük az ügyfélkapu segélyvonalán." in shown and "5 napig" in shown
    assert "How can we help? Please tell me briefly." in shown and "I did not hear anything." in shown
    assert "in the queue" in shown and "[helpdesk-en]" in shown and "You are number 1 in the queue." in shown
    assert "Caller in English" in shown and "After the tone" in shown and "(hung up)" in shown


def test_terminal_phone_refuses_to_start_without_the_auth_token(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)
    assert main(["--gateway", "http://127.0.0.1:9"]) == 2


def test_terminal_phone_says_so_when_the_gateway_is_down(tmp_path):
    env = dict(os.environ, TWILIO_AUTH_TOKEN="test-twilio-token-0123456789")
    result = subprocess.run([sys.executable, "-m", "ivr.phone", "--gateway", "http://127.0.0.1:9"], input="",
                            capture_output=True, text=True, env=env, timeout=60,
                            cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__)))))
    assert result.returncode == 1 and "cannot reach the gateway" in result.stderr


def test_terminal_phone_agent_with_a_wrong_pin_hears_no_case(phone_line_factory):
    line = phone_line_factory()
    agent_number = agent_with_pin(line.app)
    out = io.StringIO()
    code = run(line.call(), Speaker(False), lines=iter(["0", "/agent en", agent_number, "135791", "/hangup"]), out=out)
    shown = out.getvalue()
    assert code == 0 and "only takes agents with a phone PIN" in shown and "Caller in" not in shown

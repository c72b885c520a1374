"""``python -m ivr.phone`` (``make call``): a terminal "phone" for trying the line without Twilio.

It plays Twilio against the real gateway (GATEWAY_URL, requests signed with TWILIO_AUTH_TOKEN for
PUBLIC_BASE_URL): shows every prompt (and speaks it with espeak-ng when installed and --speak is
given), takes keys and typed speech. Type digits, * or # to press keys; anything else is "said";
an empty line is silence. Commands: /wait [seconds waited] (in a queue), /leave, /record,
/agent [hu|en] (ring the agent line: asks for the agent number and the phone PIN, which
`python -m agents set-phone-pin --username NAME` sets; without one every agent is refused), /hangup, /help.
"""
from __future__ import annotations

import argparse
import getpass
import os
import re
import shutil
import subprocess
import sys

import httpx

from ivr.callsim import Answer, CallEnded, HttpTransport, TwilioCall
from kernel.fields import ascii_number

KEYS = re.compile(r"^[0-9*#]+$")
HELP = __doc__.split("\n\n", 1)[1]


def _load_dotenv() -> None:
    try:
        from dotenv import load_dotenv
    except ImportError:  # pragma: no cover - python-dotenv is in the app env
        return
    load_dotenv(".env", override=False)


class Speaker:
    """Speaks prompts with espeak-ng in the prompt's language, if asked and installed."""

    def __init__(self, enabled: bool):
        self.binary = shutil.which("espeak-ng") if enabled else None
        if enabled and self.binary is None:
            print("(espeak-ng is not installed: prompts are shown only)", file=sys.stderr)

    def speak(self, text: str, language: str) -> None:
        if self.binary:
            voice = "hu" if language.startswith("hu") else "en"
            subprocess.run([self.binary, "-v", voice, "-s", "165", text], check=False,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def show(answer: Answer, speaker: Speaker, out=sys.stdout) -> None:
    """Print (and speak) what the caller hears, then what the line waits for."""
    if answer.status != 200:
        print(f"[HTTP {answer.status}] {answer.body[:300]}", file=out)
        return
    if answer.root is None:
        return
    for say in answer.root.iter("Say"):
        print(f"  🔊 ({say.attrib.get('language', '?')}) {say.text}", file=out)
        speaker.speak(say.text or "", say.attrib.get("language", "hu-HU"))
    for verb, hint in (("Gather", "press keys or say something"), ("Enqueue", "in the queue: /wait, /leave"),
                       ("Record", "recording: /record to leave a message"), ("Dial", "connecting to a caller"),
                       ("Hangup", "the line hung up")):
        element = answer.find(verb)
        if element is not None:
            detail = f" [{element.text}]" if verb == "Enqueue" else ""
            print(f"  … {hint}{detail}", file=out)


def run(call: TwilioCall, speaker: Speaker, lines=None, out=sys.stdout) -> int:
    """The read-eval loop; ``lines`` (an iterator of input lines) makes it scriptable."""
    read = (lambda: next(lines)) if lines is not None else (lambda: input("📞 > "))
    show(call.dial(), speaker, out)
    while True:
        try:
            line = read().strip()
        except (EOFError, StopIteration, KeyboardInterrupt):
            line = "/hangup"
        try:
            if line in ("/hangup", "/quit"):
                call.hang_up()
                print("(hung up)", file=out)
                return 0
            if line == "/help":
                print(HELP, file=out)
            elif line.startswith("/wait"):
                parts = line.split()
                waited = ascii_number(parts[1], 5) if len(parts) > 1 else None
                show(call.wait_in_queue(waited=30 if waited is None else waited),
                     speaker, out)
            elif line == "/leave":
                show(call.leave_queue("leave"), speaker, out)
            elif line == "/record":
                show(call.leave_message(), speaker, out)
            elif line.startswith("/agent"):
                ring_agent_line(call, line, read, speaker, out, interactive=lines is None)
            elif line == "":
                show(call.silence(), speaker, out)
            elif KEYS.match(line):
                show(call.press(line), speaker, out)
            else:
                show(call.say(line), speaker, out)
        except CallEnded as exc:
            print(f"(nothing to answer: {str(exc)[:120]})", file=out)
            if call.last.find("Hangup") is not None:
                return 0


def ring_agent_line(call: TwilioCall, line: str, read, speaker: Speaker, out, interactive: bool) -> None:
    """``/agent [hu|en]``: a second call, to the agent line, keying in agent number and PIN (the PIN
    is not echoed when typed at a terminal)."""
    lang = line.split()[1] if len(line.split()) > 1 else "hu"
    agent = TwilioCall(call.transport, call.auth_token, call.public_base_url, caller="+3611111111")
    show(agent.post(f"/voice/agent?lang={lang}", {}), speaker, out)
    for label in ("agent number", "PIN"):
        if agent.gather is None:
            return
        try:
            if interactive:
                digits = (getpass.getpass if label == "PIN" else input)(f"  {label} > ")
            else:
                digits = read()
        except (EOFError, StopIteration, KeyboardInterrupt):
            return
        show(agent.press(digits.strip()), speaker, out)


def main(argv: list[str] | None = None) -> int:
    _load_dotenv()
    parser = argparse.ArgumentParser(prog="python -m ivr.phone", description=__doc__.split("\n\n")[0])
    parser.add_argument("--gateway", default=os.environ.get("GATEWAY_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--public-base-url", default=os.environ.get("PUBLIC_BASE_URL"),
                        help="the URL the gateway believes Twilio calls (default: PUBLIC_BASE_URL or --gateway)")
    parser.add_argument("--caller", default="+36301234567", help="the caller ID to present")
    parser.add_argument("--speak", action="store_true", help="speak prompts with espeak-ng")
    args = parser.parse_args(argv)
    token = os.environ.get("TWILIO_AUTH_TOKEN", "")
    if not token:
        print("TWILIO_AUTH_TOKEN is not set (run `make run` once: ops/new_env.py writes .env with fresh secrets)", file=sys.stderr)
        return 2
    print(f"Calling the help line at {args.gateway} — /help for commands, /hangup to end.")
    call = TwilioCall(HttpTransport(args.gateway), token, (args.public_base_url or args.gateway).rstrip("/"),
                      caller=args.caller)
    try:
        return run(call, Speaker(args.speak))
    except httpx.HTTPError as exc:
        print(f"cannot reach the gateway at {args.gateway}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

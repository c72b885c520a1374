#!/usr/bin/env python
"""How long a caller spends on the phone line (issue #13), by voice and by keypad (app env).

    scripts/setup.sh bench && .venv/app/bin/python scripts/bench_call_time.py [--no-write] [--lang hu,en]

Starts the real stack as the e2e tests do (tests/fixtures/*.py: the SMTP sink, the credentials
backend, Rasa + action server with the trained model, the gateway on a free port), plays each main
task through the call driver (ivr/callsim.py) once by voice (the caller says the problem) and once
by keypad (the opening invites speech and offers the keypad menu on "*": the caller presses "*", then
the menu's keys; the new-code branch's username and address are spoken there too, as the keypad
branch asks for them), and for each call
- counts the caller's turns (each answered <Gather>: speech or keys),
- renders every <Say> the line answered, in the call's language, with espeak-ng (voice hu / en,
  165 words a minute, as ``ivr.phone --speak``) into WAV and measures it with sox (``soxi -D``);
  <Pause length> is added as it is,
- adds the caller's own time per turn: a spoken answer max(2.5 s, 0.4 s a word) plus the Gather's
  ``speechTimeout`` (the silence Twilio waits for before it ends the answer; "auto" taken as 1 s),
  a key 0.5 s per key plus the Gather's ``timeout`` when the keys end neither by ``numDigits`` nor by
  ``finishOnKey`` (Twilio waits that long for more keys),
- adds the webhook's own answer time as measured,
- checks that a new-code task's call really got a new-code mail into the SMTP sink.
The caller is assumed to listen to every prompt to its end (no barge-in): an upper bound.
Target: a new code by voice in <= 90 s, and no task longer by voice than by keypad.
Writes the section "Call time" of docs/BENCHMARKS.md (other sections are kept).
"""
from __future__ import annotations

import argparse
import hashlib
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field, replace

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("CHAT_SEAL_KEY", "tQ8vJ2mX5nR7kW1zP4cY9bL6hF3dS0aG2eU8iO5yT7w")  # as tests/conftest.py
# People answer (as in tests/conftest.py): the tasks are timed as in working hours, whenever the bench runs.
os.environ.setdefault("AGENTS_HOURS", "always")

from scripts.benchdoc import measured_on, publish  # noqa: E402

SECTION = "Call time"
KEYPAD_MENU = ("press", "*")  # the opening's "Gombos menü: csillag" / "Keypad menu: press star"
SPOKEN_MIN_S, SPOKEN_PER_WORD_S, KEY_S = 2.5, 0.4, 0.5
AUTO_SPEECH_TIMEOUT_S = 1.0
NEW_CODE_TARGET_S = 90.0
ESPEAK_RATE = "165"

ACCOUNTS = {"hu": ("kpista77", "Kiss Pista", "kiss.pista@gmail.com"),
            "en": ("jsmith84", "John Smith", "john.smith@gmail.com")}

# Each task: (name, voice steps, keypad steps, what its last answer must contain). A step is
# ("say", text) or ("press", keys); ("queue", text) says text until the caller is in the queue (no turn
# when already there). A keypad caller first presses "*": the opening names no menu key but that one.
TASKS = {
    "hu": [
        ("activation help", [("say", "hogyan tudom aktiválni az ügyfélkaput")], [KEYPAD_MENU, ("press", "1")], "5 napig"),
        ("code expired → new code",
         [("say", "lejárt az aktiváló kódom"), ("say", "ká pé i es té a hetvenhét"),
          ("say", "igen"), ("say", "kiss pont pista kukac gmail pont com"), ("say", "igen")],
         [KEYPAD_MENU, ("press", "3"), ("say", "ká pé i es té a hetvenhét"), ("press", "1"),
          ("say", "kiss pont pista kukac gmail pont com"), ("press", "1")], "egyeznek"),
        ("code not received → new code",
         [("say", "nem kaptam meg a kódot"), ("say", "ká pé i es té a hetvenhét"), ("say", "igen"),
          ("say", "kiss pont pista kukac gmail pont com"), ("say", "igen")],
         [KEYPAD_MENU, ("press", "4"), ("press", "3"), ("say", "ká pé i es té a hetvenhét"), ("press", "1"),
          ("say", "kiss pont pista kukac gmail pont com"), ("press", "1")], "egyeznek"),
        ("own name as username", [("say", "a saját nevemet írtam be felhasználónévnek és nem enged be")],
         [KEYPAD_MENU, ("press", "2")], "saját nevét"),
        ("forgotten username", [("say", "elfelejtettem a felhasználónevemet")], [KEYPAD_MENU, ("press", "4")], "okmányirod"),
        ("a person", [("say", "ügyintézővel szeretnék beszélni"), ("queue", "igen")], [KEYPAD_MENU, ("press", "0")], "QUEUE"),
    ],
    "en": [
        ("activation help", [("say", "how do i activate my account")], [KEYPAD_MENU, ("press", "1")], "5 days"),
        ("code expired → new code",
         [("say", "my activation code expired"), ("say", "j as in juliet s m i t h eighty four"), ("say", "yes"), ("say", "john dot smith at gmail dot com"),
          ("say", "yes")],
         [KEYPAD_MENU, ("press", "3"), ("say", "j as in juliet s m i t h eighty four"), ("press", "1"),
          ("say", "john dot smith at gmail dot com"), ("press", "1")], "match"),
        ("code not received → new code",
         [("say", "i never got the activation code"), ("say", "j as in juliet s m i t h eighty four"),
          ("say", "yes"), ("say", "john dot smith at gmail dot com"), ("say", "yes")],
         [KEYPAD_MENU, ("press", "4"), ("press", "3"), ("say", "j as in juliet s m i t h eighty four"), ("press", "1"),
          ("say", "john dot smith at gmail dot com"), ("press", "1")], "match"),
        ("own name as username", [("say", "i typed my own name as the username and it does not let me in")],
         [KEYPAD_MENU, ("press", "2")], "own name"),
        ("forgotten username", [("say", "i forgot my username")], [KEYPAD_MENU, ("press", "4")], "document office"),
        ("a person", [("say", "i want to talk to a person"), ("queue", "yes")], [KEYPAD_MENU, ("press", "0")], "QUEUE"),
    ],
}


class Audio:
    """espeak-ng → WAV → ``soxi -D``, cached per (voice, text)."""

    def __init__(self, directory: pathlib.Path):
        for tool in ("espeak-ng", "soxi"):
            if shutil.which(tool) is None:
                sys.exit(f"{tool} is not installed: run `scripts/setup.sh bench` first")
        self.directory = directory
        self.cache: dict[tuple[str, str], float] = {}

    def seconds(self, text: str, language: str) -> float:
        voice = "hu" if language.lower().startswith("hu") else "en"
        key = (voice, text.strip())
        if not key[1]:
            return 0.0
        if key not in self.cache:
            wav = self.directory / (hashlib.sha256(f"{voice}:{text}".encode()).hexdigest()[:16] + ".wav")
            subprocess.run(["espeak-ng", "-v", voice, "-s", ESPEAK_RATE, "-w", str(wav), key[1]], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
            out = subprocess.run(["soxi", "-D", str(wav)], check=True, capture_output=True, text=True, timeout=30)
            self.cache[key] = float(out.stdout.strip())
        return self.cache[key]


@dataclass
class CallTime:
    task: str
    channel: str
    language: str
    turns: int = 0
    listen_s: float = 0.0
    caller_s: float = 0.0
    wait_s: float = 0.0  # end-of-input silences and key timeouts Twilio waits
    server_s: float = 0.0
    opening_s: float = 0.0  # the answer to the dial: greeting, language offer, menu
    prompts: list[tuple[float, str]] = field(default_factory=list)
    ok: bool = True
    note: str = ""

    @property
    def total_s(self) -> float:
        return self.listen_s + self.caller_s + self.wait_s + self.server_s


def heard(answer, audio: Audio, result: CallTime, default_language: str) -> None:
    if answer.root is None:
        return
    for element in answer.root.iter():
        if element.tag == "Say":
            seconds = audio.seconds(element.text or "", element.attrib.get("language", default_language))
            result.listen_s += seconds
            result.prompts.append((seconds, (element.text or "").strip()))
        elif element.tag == "Pause":
            result.listen_s += float(element.attrib.get("length", "1"))


def input_wait(gather, kind: str, value: str) -> float:
    """Seconds Twilio waits after the caller's input before it posts the action."""
    if gather is None:
        return 0.0
    if kind == "say":
        timeout = gather.attrib.get("speechTimeout", "auto")
        return AUTO_SPEECH_TIMEOUT_S if timeout == "auto" else float(timeout)
    num = gather.attrib.get("numDigits")
    if num and len(value) >= int(num):
        return 0.0
    if value[-1:] == gather.attrib.get("finishOnKey", "#") and gather.attrib.get("finishOnKey", "#"):
        return 0.0
    return float(gather.attrib.get("timeout", "5"))


def code_mails(sink, email: str) -> int:
    """How many mails with an activation code the sink holds for ``email``."""
    from tests.fixtures.mail_services import extract_code

    count = 0
    for message in sink.messages():
        if email in str(message.get("To", "")).lower():
            try:
                extract_code(message)
                count += 1
            except AssertionError:
                pass
    return count


def new_code_arrived(sink, email: str, before: int, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if code_mails(sink, email) > before:
            return True
        time.sleep(0.3)
    return False


def play(line, audio: Audio, lang: str, task: str, channel: str, steps, expect: str, sink=None) -> CallTime:
    from ivr.callsim import CallEnded

    email = ACCOUNTS[lang][2]
    mails_before = code_mails(sink, email) if sink is not None and "new code" in task else None

    result = CallTime(task, channel, lang)
    call = line.call()

    def timed(action):
        nonlocal call
        before = len(call.answers)
        started = time.perf_counter()
        action()
        result.server_s += time.perf_counter() - started
        for answer in call.answers[before:]:
            heard(answer, audio, result, "hu-HU" if lang == "hu" else "en-GB")

    def give(kind: str, value: str) -> None:
        gather = call.gather
        result.turns += 1
        if kind == "say":
            result.caller_s += max(SPOKEN_MIN_S, SPOKEN_PER_WORD_S * len(value.split()))
            result.wait_s += input_wait(gather, "say", value)
            timed(lambda: call.say(value, confidence=0.9))
        else:
            result.caller_s += KEY_S * len(value)
            result.wait_s += input_wait(gather, "press", value)
            timed(lambda: call.press(value))

    try:
        timed(call.dial)
        result.opening_s = result.listen_s
        if lang == "en":
            give("press", "9")
        for kind, value in steps:
            if kind == "queue":
                for _ in range(3):
                    if call.enqueue is not None:
                        break
                    give("say", value)
            else:
                give(kind, value)
        if expect == "QUEUE":
            result.ok = call.enqueue is not None
        else:
            result.ok = expect.lower() in " ".join(call.says).lower()
        if result.ok and mails_before is not None and not new_code_arrived(sink, email, mails_before):
            result.ok, result.note = False, "no new-code mail in the SMTP sink"
        if not result.ok and not result.note:
            result.note = "did not reach the end: last heard " + " | ".join(call.says)[:300]
    except CallEnded as exc:
        result.ok, result.note = False, f"call ended early: {str(exc)[:200]}"
    finally:
        try:
            call.hang_up(int(result.total_s))
        except Exception:  # noqa: BLE001 - the figure is what matters; the status callback is best effort
            pass
    return result


def start_stack(tmp: pathlib.Path):
    """SMTP sink, credentials backend, gateway (live, threaded) and Rasa + actions, as the e2e fixtures."""
    from gateway.settings import GatewaySettings
    from tests.fixtures.credentials_services import start_credentials_server
    from tests.fixtures.gateway_services import GATEWAY_SECRETS, SERVICE_TOKEN, start_live_gateway
    from tests.fixtures.mail_services import start_smtp_sink
    from tests.fixtures.phone_driver import PhoneLine
    from tests.fixtures.rasa_services import MODEL, start_rasa_stack

    if not MODEL.exists():
        sys.exit(f"{MODEL} is missing: run scripts/train.sh first")
    stopped = []
    try:
        sink = start_smtp_sink(tmp / "mail")
        stopped.append(sink)
        credentials = start_credentials_server(tmp / "credentials", sink)
        stopped.append(credentials)
        settings = GatewaySettings.from_env({"GATEWAY_DATABASE_URL": f"sqlite:///{tmp}/gateway.db", **GATEWAY_SECRETS})
        settings = replace(settings, credentials_url=credentials.url)
        live = start_live_gateway(settings, IVR={"rasa_timeout": 8.0})
        stopped.append(live)
        line = PhoneLine(live)
        stack = start_rasa_stack(tmp / "rasa", credentials_url=credentials.url,
                                 credentials_token=credentials.service_token, gateway_url=line.url,
                                 gateway_token=SERVICE_TOKEN)
        stopped.append(stack)
        line.use_assistant(stack.url)
        for lang, (username, name, email) in ACCOUNTS.items():
            credentials.register(username, name, email, lang)
            new_code_arrived(sink, email, 0)  # the registration's own code mail, before any call
        return line, stopped, sink
    except BaseException:
        for thing in reversed(stopped):
            thing.stop()
        raise


def render(results: list[CallTime], languages: list[str]) -> str:
    lines = [f"## {SECTION}", "",
             f"{measured_on()}; commit {_commit()}; `scripts/bench_call_time.py` (issue #13), one run. Each main task",
             "played through the call driver (ivr/callsim.py) against the real stack (Rasa + actions with the trained",
             "model, credentials backend, SMTP sink, gateway), by voice and by keypad. Call time = the audio the caller",
             f"hears (every `<Say>` rendered with espeak-ng -v hu/en -s {ESPEAK_RATE}, measured with `soxi -D`; `<Pause>` as",
             f"given) + the caller's own time (a spoken answer max({SPOKEN_MIN_S} s, {SPOKEN_PER_WORD_S} s a word), a key",
             f"{KEY_S} s) + what Twilio waits after the input (the Gather's `speechTimeout`; a key's `timeout` unless",
             "`numDigits`/`finishOnKey` end it) + the webhooks' measured answer time. Every prompt is heard to its end",
             "(no barge-in), the last answer included: an upper bound. The opening invites speech and names one key for",
             "the keypad menu (\"*\"), so a keypad call presses \"*\" first (one turn, counted) and then the menu's keys;",
             "the keypad channel's new-code branch takes the username and address spoken (as it asks for them).",
             "English calls start with key 9 (one turn, counted).",
             "", "| lang | task | voice turns | voice s (hear+say+wait+srv) | keypad turns | keypad s (hear+say+wait+srv) | voice ≤ keypad |",
             "|---|---|---|---|---|---|---|"]
    by = {(r.language, r.task, r.channel): r for r in results}
    verdicts = []
    for lang in languages:
        for task, *_ in TASKS[lang]:
            v, k = by[(lang, task, "voice")], by[(lang, task, "keypad")]
            fine = v.total_s <= k.total_s
            flag = lambda r: "" if r.ok else " ⚠"  # noqa: E731
            lines.append(f"| {lang} | {task} | {v.turns} | {v.total_s:.1f}{flag(v)} ({v.listen_s:.1f}+{v.caller_s:.1f}+"
                         f"{v.wait_s:.1f}+{v.server_s:.1f}) | {k.turns} | {k.total_s:.1f}{flag(k)} ({k.listen_s:.1f}+{k.caller_s:.1f}+"
                         f"{k.wait_s:.1f}+{k.server_s:.1f}) | "
                         f"{'yes' if fine else 'NO'} |")
            if not fine:
                verdicts.append(f"{lang} {task}: voice {v.total_s:.1f} s > keypad {k.total_s:.1f} s")
    failed = [r for r in results if not r.ok]
    openings = sorted({round(r.opening_s, 1) for r in results})
    lines += ["", "The opening every call hears before its first input (greeting, English offer, the invitation to speak): "
              + "/".join(f"{o:.1f}" for o in openings) + " s; an English call then presses 9 and hears the English invitation."]
    lines += ["", "Targets:"]
    for lang in languages:
        for task in ("code expired → new code", "code not received → new code"):
            r = by[(lang, task, "voice")]
            lines.append(f"- {lang} {task} by voice: {r.total_s:.1f} s — "
                         f"{'met' if r.total_s <= NEW_CODE_TARGET_S and r.ok else 'NOT met'} (≤ {NEW_CODE_TARGET_S:.0f} s)")
    lines.append("- no task longer by voice than by keypad: " + ("met" if not verdicts else "NOT met (" + "; ".join(verdicts) + ")"))
    if failed:
        lines.append("- ⚠ calls that did not reach the task's end (their figures are up to where they stopped): "
                     + "; ".join(f"{r.language} {r.task} ({r.channel}): {r.note}" for r in failed))
    prompts: dict[str, tuple[float, set[str]]] = {}
    for r in results:
        for seconds, text in r.prompts:
            uses = prompts.setdefault(text, (seconds, set()))[1]
            uses.add(f"{r.language} {r.task} ({r.channel})")
    longest = sorted(prompts.items(), key=lambda kv: -kv[1][0])[:10]
    lines += ["", "Where the time goes — the longest prompts heard (seconds of espeak-ng audio; for the prompts' owner):", "",
              "| s | prompt (start) | heard in |", "|---|---|---|"]
    for text, (seconds, uses) in longest:
        short = (text[:110] + "…") if len(text) > 110 else text
        lines.append(f"| {seconds:.1f} | {short.replace('|', '/')} | {len(uses)} calls |")
    spent: dict[str, list] = {}
    new_code_voice = [r for r in results if r.channel == "voice" and "new code" in r.task]
    for r in new_code_voice:
        for seconds, text in r.prompts:
            entry = spent.setdefault(text, [seconds, 0, 0.0])
            entry[1] += 1
            entry[2] += seconds
    total = sum(r.listen_s for r in new_code_voice) or 1.0
    lines += ["", f"Where the new-code calls by voice spend their listening time ({len(new_code_voice)} calls, "
              f"{total:.0f} s heard in all): the prompts with the most seconds summed over those calls.", "",
              "| s summed | times heard | s each | prompt (start) |", "|---|---|---|---|"]
    for text, (seconds, times, summed) in sorted(spent.items(), key=lambda kv: -kv[1][2])[:10]:
        short = (text[:110] + "…") if len(text) > 110 else text
        lines.append(f"| {summed:.1f} ({100 * summed / total:.0f} %) | {times} | {seconds:.1f} | {short.replace('|', '/')} |")
    return "\n".join(lines) + "\n"


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              timeout=10).stdout.strip() or "?"
    except Exception:  # noqa: BLE001
        return "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-write", action="store_true", help="print the section only")
    parser.add_argument("--lang", default="hu,en")
    parser.add_argument("--verbose", action="store_true", help="print every prompt heard")
    args = parser.parse_args(argv)
    languages = [x for x in args.lang.split(",") if x in TASKS]
    with tempfile.TemporaryDirectory(prefix=f"bench-call-time-{uuid.uuid4().hex[:6]}-") as tmp_name:
        tmp = pathlib.Path(tmp_name)
        (tmp / "audio").mkdir()
        audio = Audio(tmp / "audio")
        line, stopped, sink = start_stack(tmp)
        results = []
        try:
            for lang in languages:
                for task, voice, keypad, expect in TASKS[lang]:
                    for channel, steps in (("voice", voice), ("keypad", keypad)):
                        r = play(line, audio, lang, task, channel, steps, expect, sink)
                        results.append(r)
                        print(f"{lang} {task} {channel}: {r.turns} turns, {r.total_s:.1f} s"
                              f"{'' if r.ok else ' (' + r.note + ')'}", file=sys.stderr)
                        if args.verbose:
                            for seconds, text in r.prompts:
                                print(f"    {seconds:5.1f}  {text}", file=sys.stderr)
        finally:
            for thing in reversed(stopped):
                thing.stop()
    publish(render(results, languages), SECTION, ROOT / "docs" / "BENCHMARKS.md", write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())

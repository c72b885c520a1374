"""Paced chat users and phone callers against the production topology's public address (issue #11,
"Paced load as people really behave"); scripts/bench_paced.py runs it level by level:

    .venv/app/bin/python -m locust -f scripts/locust_paced.py --headless -u 50 -r 5 -t 75s \
        --csv var/paced/chat-50 --only-summary PacedChat

Settings from the environment:
  PACED_URL              the public https address (HAProxy's public frontend); its certificate is not checked
  PACED_TWILIO_TOKEN     TWILIO_AUTH_TOKEN of the topology (webhooks are signed for PACED_URL, as Twilio signs
                         them for PUBLIC_BASE_URL)
  PACED_CHATS, PACED_CALLS   fixed user counts when both classes run at once (a mixed level)
  PACED_CHAT_PACE, PACED_CALL_PACE   "low,high" seconds from one turn's start to the next (default 10,30 and 6,12)
  PACED_WARMUP           seconds after spawning completes before the statistics are reset (default 5): what is
                         left in the CSV is the measured window only
  PACED_TURN_TIMEOUT     seconds a turn may take before it counts as failed (default 20)

- ``PacedChat`` is a person in the web widget, over the widget's own path: socket.io (websocket transport)
  through the proxy, first without a conversation id, then reconnected with ``?conversation=<id>`` (the
  proxy's stickiness key) and the session token, exactly as web/static/widget.js does ("chat open").
  They type a turn every PACED_CHAT_PACE seconds ("chat turn": from ``user_uttered`` to the last
  ``bot_uttered`` of the answer, the answer being complete after SETTLE_SECONDS without another
  message), leave after a short conversation and a new person opens the widget.
- ``PacedCall`` is a caller on the phone line, driven by ivr/callsim.py over HTTPS through the proxy:
  signed Twilio webhooks for the public URL, <Redirect>s followed. They dial ("call dial": the greeting
  and the menu), speak a turn every PACED_CALL_PACE seconds (the prompt plays in between; "call turn":
  the speech webhook until the TwiML waits for the caller again), hang up after a few turns ("call
  hang-up": Twilio's status callback) and a new caller dials.

Every turn is one locust request event. A turn counts as failed (``TurnFailed``) when it has no answer
in time, an HTTP error, no TwiML or nothing to hear, the gateway's error TwiML, or the chat channel
rejects it; as fallen back (``FallenBack``) when the answer is the assistant's fallback: the widget's
"assistant unavailable" (``helpdesk_error`` assistant_unavailable) or the phone line's keypad menu
after the assistant missed its deadline (the ``assistant_down`` prompt). bench_paced.py tells the two
apart in locust's failures CSV by the exception's name.
"""
from __future__ import annotations

import logging
import os
import pathlib
import random
import sys
import time
import uuid

ROOT = pathlib.Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import gevent  # noqa: E402  (locust has patched the standard library by now)
import gevent.event  # noqa: E402
from locust import User, events, task  # noqa: E402

from scripts.bench_paced import (  # noqa: E402  (the pure parts: what an answer means, the first turn's delay)
    TurnFailed, classify_call, classify_chat, first_delay, phone_prompts)

log = logging.getLogger("paced")

PUBLIC_URL = os.environ.get("PACED_URL", "https://127.0.0.1:8443").rstrip("/")
TWILIO_TOKEN = os.environ.get("PACED_TWILIO_TOKEN", "")
TURN_TIMEOUT = float(os.environ.get("PACED_TURN_TIMEOUT", "20"))
WARMUP_SECONDS = float(os.environ.get("PACED_WARMUP", "5"))
SETTLE_SECONDS = 1.0  # a chat answer is complete after this long without another bot message

CHATS = [  # questions people ask the widget that the assistant answers itself (no backend, no agent)
    ("hu", ["jó napot", "mi az az ügyfélkapu?", "meddig érvényes az aktiváló kód?", "köszönöm"]),
    ("hu", ["elfelejtettem a jelszavamat", "hogyan érem el az ügyfélvonalat?", "köszönöm, viszlát"]),
    ("hu", ["szia", "meddig érvényes a kód?", "mi az ügyfélvonal telefonszáma?", "köszönöm a segítséget"]),
    ("en", ["hello", "what is ügyfélkapu?", "how long is the code valid?", "thank you"]),
    ("en", ["I forgot my password", "how can I reach the customer line?", "thanks, bye"]),
]
SPEECH = [  # what callers say to the phone line's assistant (Hungarian: the line greets in Hungarian)
    ["meddig érvényes a kód", "mi az ügyfélvonal száma", "köszönöm"],
    ["mi az az ügyfélkapu", "meddig érvényes az aktiváló kód", "köszönöm szépen"],
    ["elfelejtettem a jelszavamat", "hogyan érem el az ügyfélvonalat", "köszönöm"],
]


def pace(variable: str, default: tuple[float, float]) -> tuple[float, float]:
    raw = os.environ.get(variable)
    if not raw:
        return default
    low, high = (float(x) for x in raw.split(","))
    return min(low, high), max(low, high)


def _fire(user: User, kind: str, name: str, started: float, exception: Exception | None = None,
          length: int = 0) -> None:
    user.environment.events.request.fire(request_type=kind, name=name,
                                         response_time=(time.monotonic() - started) * 1000.0,
                                         response_length=length, exception=exception, context={})


@events.spawning_complete.add_listener
def _reset_after_warmup(user_count: int, **_kwargs) -> None:
    """The measured window starts WARMUP_SECONDS after the last user was spawned."""
    env = _ENVIRONMENT[0]
    if env is None:
        return

    def reset() -> None:
        env.stats.reset_all()
        log.warning("paced: statistics reset, measuring %d users", user_count)

    gevent.spawn_later(WARMUP_SECONDS, reset)


_ENVIRONMENT: list = [None]


@events.init.add_listener
def _remember(environment, **_kwargs) -> None:
    _ENVIRONMENT[0] = environment


def _quietly_disconnect(sio) -> None:
    """Close a socket.io connection (websocket-client waits up to 3 s for the server's close frame)."""
    try:
        sio.disconnect()
    except Exception:  # noqa: BLE001 - already gone
        pass


class PacedUser(User):
    abstract = True
    pace_range = (10.0, 30.0)

    def on_start(self) -> None:
        self.next_turn_at = time.monotonic() + first_delay(*self.pace_range)

    def wait_time(self) -> float:
        return max(0.0, self.next_turn_at - time.monotonic())

    def due(self) -> bool:
        """Whether this user's next turn is due; if so, the one after it is scheduled a pace later
        (locust runs the first task at once after on_start: a task that is not due yet does nothing)."""
        now = time.monotonic()
        if now < self.next_turn_at:
            return False
        self.next_turn_at = now + random.uniform(*self.pace_range)
        return True


class PacedChat(PacedUser):
    """A person in the web widget (socket.io through the proxy, sticky on ?conversation=)."""

    pace_range = pace("PACED_CHAT_PACE", (10.0, 30.0))
    fixed_count = int(os.environ.get("PACED_CHATS", "0"))

    def on_start(self) -> None:
        super().on_start()
        self.sio = None
        self.lines: list[str] = []
        self.language = "hu"
        self.inbox: list[tuple[float, str, object]] = []
        self.confirmed = gevent.event.Event()
        self.answered = gevent.event.Event()
        self.session: dict = {}
        self.dropped = False
        self.open()

    def on_stop(self) -> None:
        self.close()

    # --- the widget's connection ------------------------------------------------------------
    def _client(self):
        import socketio

        sio = socketio.Client(reconnection=False, handle_sigint=False, ssl_verify=False)

        @sio.on("session_confirm")
        def _confirm(data):
            if sio is self.sio:
                self.session = data if isinstance(data, dict) else {"session_id": data}
                self.confirmed.set()

        @sio.on("bot_uttered")
        def _bot(data):
            if sio is self.sio:
                self.inbox.append((time.monotonic(), "bot", data))
                self.answered.set()

        @sio.on("helpdesk_error")
        def _error(data):
            if sio is self.sio:
                self.inbox.append((time.monotonic(), "error", data))
                self.answered.set()

        @sio.on("disconnect")
        def _gone():
            if sio is self.sio:
                self.dropped = True
                self.answered.set()

        return sio

    def _connect(self, query: str, resume: dict) -> None:
        self.confirmed.clear()
        self.dropped = False
        self.sio = self._client()
        self.sio.connect(PUBLIC_URL + query, socketio_path="/socket.io", transports=["websocket"],
                         headers={"Origin": PUBLIC_URL}, wait_timeout=TURN_TIMEOUT)
        self.sio.emit("session_request", resume)
        if not self.confirmed.wait(TURN_TIMEOUT):
            raise TurnFailed("no session_confirm")

    def open(self) -> None:
        """What the widget does when a person opens it: a session, then the sticky connection
        (``?conversation=<id>``, HAProxy's hash key) resuming it with its token."""
        started = time.monotonic()
        self.language, lines = random.choice(CHATS)
        try:
            self._connect("", {})
            session = dict(self.session)
            first, self.sio = self.sio, None
            gevent.spawn(_quietly_disconnect, first)  # as the widget does: it does not wait for the close
            self._connect(f"/?conversation={session.get('session_id')}",
                          {"session_id": session.get("session_id"), "session_token": session.get("session_token")})
            if self.session.get("session_id") != session.get("session_id"):
                raise TurnFailed("the session was not resumed on the sticky connection")
        except Exception as exc:  # noqa: BLE001 - socketio.exceptions.ConnectionError, TurnFailed, OSError...
            _fire(self, "SOCKETIO", "chat open", started, exc if isinstance(exc, TurnFailed)
                  else TurnFailed(f"chat open: {type(exc).__name__}: {str(exc)[:80]}"))
            self.close()
            return
        _fire(self, "SOCKETIO", "chat open", started)
        self.lines = list(lines)

    def close(self) -> None:
        sio, self.sio, self.lines = self.sio, None, []
        if sio is not None:
            gevent.spawn(_quietly_disconnect, sio)

    # --- one turn ---------------------------------------------------------------------------
    @task
    def turn(self) -> None:
        if not self.due():
            return
        if self.sio is None:  # the last opening failed: try again
            self.open()
            return
        text = self.lines.pop(0)
        self.inbox.clear()
        self.answered.clear()
        started = time.monotonic()
        outcome: Exception | None
        try:
            self.sio.emit("user_uttered", {"message": text, "client_message_id": uuid.uuid4().hex,
                                           "metadata": {"language": self.language}})
        except Exception as exc:  # noqa: BLE001
            self.dropped = True
            _fire(self, "SOCKETIO", "chat turn", started, TurnFailed(f"chat: emit {type(exc).__name__}"))
        else:
            if not self.answered.wait(TURN_TIMEOUT) or not self.inbox:
                outcome = TurnFailed("chat: connection dropped" if self.dropped
                                     else f"chat: no answer within {TURN_TIMEOUT:g} s")
                _fire(self, "SOCKETIO", "chat turn", started, outcome)
            else:
                while not self.dropped:  # the rest of the answer's messages
                    remaining = self.inbox[-1][0] + SETTLE_SECONDS - time.monotonic()
                    if remaining <= 0:
                        break
                    gevent.sleep(remaining)
                outcome = classify_chat([(kind, data) for _, kind, data in self.inbox])
                self.environment.events.request.fire(
                    request_type="SOCKETIO", name="chat turn", response_time=(self.inbox[-1][0] - started) * 1000.0,
                    response_length=len(self.inbox), exception=outcome, context={})
                log.info("chat %r -> %s", text, [str(d.get("text", ""))[:60] if isinstance(d, dict) else d
                                                  for _, _, d in self.inbox])
                if outcome is None and self.lines and not self.dropped:
                    return
        # the conversation is over (or broken): this person leaves, the next one opens the widget
        self.close()
        self.open()


# --- the phone line --------------------------------------------------------------------------------
class PacedCall(PacedUser):
    """A caller (signed Twilio webhooks for the public URL, through the proxy, as ivr/callsim.py drives them)."""

    pace_range = pace("PACED_CALL_PACE", (6.0, 12.0))
    fixed_count = int(os.environ.get("PACED_CALLS", "0"))
    prompts: dict[str, set[str]] = {}

    def on_start(self) -> None:
        super().on_start()
        import httpx

        from ivr.callsim import HttpTransport

        if not PacedCall.prompts:
            PacedCall.prompts = phone_prompts()
        self.transport = HttpTransport(PUBLIC_URL, timeout=TURN_TIMEOUT)
        self.transport._http.close()
        self.transport._http = httpx.Client(verify=False, timeout=TURN_TIMEOUT)  # the test's self-signed certificate
        self.call = None
        self.lines: list[str] = []
        self.dial()

    def on_stop(self) -> None:
        self.hang_up()
        self.transport.close()

    def _step(self, name: str, action, said: str = "") -> Exception | None:
        started = time.monotonic()
        try:
            answer = action()
        except Exception as exc:  # noqa: BLE001 - httpx errors, CallEnded
            outcome: Exception | None = TurnFailed(f"call: {type(exc).__name__}")
            _fire(self, "TWILIO", name, started, outcome)
            return outcome
        outcome = classify_call(answer.status, answer.root, answer.says, self.prompts)
        _fire(self, "TWILIO", name, started, outcome, len(answer.body))
        log.info("%s %r (%s) -> %s", name, said, answer.status, " ".join(answer.says)[:100])
        return outcome

    def hang_up(self) -> None:
        if self.call is None:
            return
        call, self.call = self.call, None
        started = time.monotonic()
        try:
            status = call.hang_up(duration=60).status
            _fire(self, "TWILIO", "call hang-up", started, None if status in (200, 204) else
                  TurnFailed(f"call: hang-up HTTP {status}"))
        except Exception as exc:  # noqa: BLE001
            _fire(self, "TWILIO", "call hang-up", started, TurnFailed(f"call: hang-up {type(exc).__name__}"))

    def dial(self) -> None:
        from ivr.callsim import TwilioCall

        number = "+3630" + "".join(random.choice("0123456789") for _ in range(7))
        self.call = TwilioCall(self.transport, TWILIO_TOKEN, PUBLIC_URL, caller=number)
        self.lines = list(random.choice(SPEECH))
        if self._step("call dial", self.call.dial) is not None or self.call.gather is None:
            self.hang_up()

    @task
    def turn(self) -> None:
        if not self.due():
            return
        if self.call is None:  # the last dial failed: a new call
            self.dial()
            return
        text = self.lines.pop(0)
        outcome = self._step("call turn", lambda: self.call.say(text, confidence=0.91), text)
        gather = self.call.gather if self.call.answers else None
        if outcome is None and self.lines and gather is not None and "speech" in gather.attrib.get("input", ""):
            return
        # done, fallen back (the call would stay on the keypad) or no longer listening to speech:
        # this caller hangs up and the next one dials (their first words after a pace: the greeting plays)
        self.hang_up()
        self.dial()

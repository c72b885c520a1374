"""The step handler: one webhook = one step of one call. It checks the signature (ivr.signature), looks
the step up in the replay store (ivr.replay), loads the call by CallSid, runs the state's handler once
and stores its TwiML; each route declares whether its handler waits on another service."""
from __future__ import annotations

import functools
import logging
import re
import uuid
from dataclasses import dataclass
from typing import Callable, Literal

from flask import Response, abort, current_app, request
from sqlalchemy.orm import Session

from gateway import sessions_of
from ivr import replay
from ivr.models import PhoneCall
from ivr.prompts import Catalogue, catalogue
from ivr.signature import twilio_only
from ivr.twiml import Voice, public_url
from kernel.spoken import confidence_of

log = logging.getLogger(__name__)

CALL_SID = re.compile(r"^[A-Za-z0-9_-]{2,64}$")
MAX_FIELD = 200
TOO_LONG = "\u2026too-long\u2026"  # the speech a handler gets when the caller said more than it takes
# When a step's handler waits on another service (the assistant, the credentials backend): "always",
# "on_speech" (speech goes to the assistant) or "never". Before it waits, the claim and the call are
# committed, so the database is not locked meanwhile (SQLite allows one writer at a time).
CallsOut = Literal["never", "on_speech", "always"]


@dataclass
class Step:
    """What a state handler gets: the call, its database session and the caller's input."""

    call: PhoneCall
    session: Session
    digits: str
    speech: str
    form: dict[str, str]
    new_call: bool = False  # the call was not known before this step

    @property
    def confidence(self) -> float | None:
        """Twilio's recogniser confidence of ``speech`` (None with keys or when Twilio sent none)."""
        return confidence_of(self.form.get("Confidence")) if self.speech else None

    @property
    def cat(self) -> Catalogue:
        return catalogue(self.call.language)

    def voice(self) -> Voice:
        return Voice(self.cat)

    def next_url(self, endpoint: str, **values: object) -> str:
        """Action URL for the caller's next answer: carries the step number it answers."""
        return public_url(endpoint, step=self.call.turn, **values)


def twiml(body: str, status: int = 200) -> Response:
    return Response(body, status=status, mimetype="text/xml")


def call_sid_of_request() -> str:
    """The CallSid of this webhook; 400 when missing or not shaped like one."""
    sid = (request.form.get("CallSid") or "").strip()
    if not CALL_SID.match(sid):
        abort(400, description="Missing or malformed CallSid.")
    return sid


def form_field(name: str, limit: int = MAX_FIELD) -> str:
    """A form field as text, cut to ``limit`` characters (Twilio never sends more)."""
    return (request.form.get(name) or "").strip()[:limit]


def ascii_digits(text: str) -> str:
    """Only the keypad's digits 0-9 of ``text``: ``str.isdigit()`` also accepts "²", "١٢", "１２" and "߁",
    which no keypad sends (and ``int("²")`` raises)."""
    return "".join(ch for ch in text if "0" <= ch <= "9")


def ivr_step(states: tuple[str, ...] | None = None, on_unknown_call: str = "restart", calls_out: CallsOut = "never"):
    """Decorator of a state's route. ``states``: the call states this route answers; a call in another
    state (a stale or forged action URL) hears its current prompt again instead.
    ``on_unknown_call``: "restart" (apologise, start over) or "create" (Twilio posts about a call we do
    not know, e.g. one the fallback URL answered). ``calls_out``: see :data:`CallsOut`."""

    def decorate(handler: Callable[..., Voice | str]):
        @functools.wraps(handler)
        @twilio_only
        def view(**kwargs):
            sid = call_sid_of_request()
            name = request.endpoint.rsplit(".", 1)[-1]
            key = f"{name}:{(request.args.get('step') or '').strip()[:40] or name}"
            sealer = current_app.extensions["ivr"].sealer
            with sessions_of(current_app)() as session:
                kept = replay.stored(session, sealer, sid, key)
                if kept.seen:
                    log.info("replayed webhook %s for call %s: %s", key, sid[-6:],
                             "stored answer" if kept.answer is not None else "still being answered")
                    return twiml(kept.answer if kept.answer is not None else str(_hold_on(session, sid)))
                call = session.get(PhoneCall, sid)
                new_call = call is None
                if call is None:
                    if on_unknown_call == "restart":
                        return twiml(str(_restart(sid)))
                    call = PhoneCall(call_sid=sid)
                    session.add(call)
                    session.flush()
                turn = replay.claim(session, sid, key)
                if turn is None:
                    kept = replay.stored(session, sealer, sid, key)
                    return twiml(kept.answer if kept.answer is not None else str(_hold_on(session, sid)))
                call.turn = (call.turn or 0) + 1
                ctx = _step(call, session, new_call)
                if calls_out == "always" or (calls_out == "on_speech" and ctx.speech):
                    session.commit()
                if states is not None and call.state not in states:
                    log.info("call %s is in state %s, not %s: prompting again", sid[-6:], call.state, states)
                    result = current_app.extensions["ivr"].render_state(ctx, ctx.voice())
                else:
                    result = handler(ctx, **kwargs)
                body = str(result)
                replay.keep(turn, sealer, body)
                session.commit()
                return twiml(body)

        return view

    return decorate


def _step(call: PhoneCall, session: Session, new_call: bool) -> Step:
    """The handler's view of this webhook: the caller's keys and speech, overlong speech marked."""
    limit = current_app.extensions["ivr"].config.max_speech_chars
    speech = (request.form.get("SpeechResult") or "").strip()
    return Step(call=call, session=session, digits=form_field("Digits", 40),
                speech=speech if len(speech) <= limit else TOO_LONG,
                form={k: v[:MAX_FIELD] for k, v in request.form.items() if k != "SpeechResult"}, new_call=new_call)



def _hold_on(session: Session, sid: str) -> Voice:
    """A duplicate arrived while the first copy is still being answered: hold, then resume the call."""
    call = session.get(PhoneCall, sid)
    voice = Voice(catalogue(call.language if call else "hu"))
    voice.response.pause(length=1)
    voice.response.redirect(public_url("ivr.resume", step=f"r{uuid.uuid4().hex[:10]}"), method="POST")
    return voice


def _restart(sid: str) -> Voice:
    """A Gather answer for a call we have no record of: apologise and begin again."""
    voice = Voice(catalogue("hu"))
    voice.say_key("unknown_call")
    voice.response.redirect(public_url("ivr.incoming"), method="POST")
    return voice

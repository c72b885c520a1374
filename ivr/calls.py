"""One webhook = one step of one call: load the call by CallSid, run the state's handler once, store
its TwiML under (CallSid, step) so a replayed webhook gets the same answer and no second side effect."""
from __future__ import annotations

import functools
import logging
import re
import time
import uuid
from dataclasses import dataclass
from typing import Callable

from flask import Response, abort, current_app, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway import sessions_of
from ivr.models import PhoneCall, PhoneTurn
from ivr.prompts import Catalogue, catalogue
from ivr.signature import twilio_only
from ivr.twiml import Voice, public_url

log = logging.getLogger(__name__)

CALL_SID = re.compile(r"^[A-Za-z0-9_-]{2,64}$")
REPLAY_WAIT_SECONDS = 2.0
# Steps that may call another service even without speech: the claim is committed before they run.
CALLS_OUT = {"ivr.newcode_email_confirm", "ivr.converse"}
MAX_FIELD = 200


@dataclass
class Step:
    """What a state handler gets: the call, its database session and the caller's input."""

    call: PhoneCall
    session: Session
    digits: str
    speech: str
    form: dict[str, str]

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


def _stored_answer(session: Session, sid: str, step: str) -> tuple[bool, str | None]:
    """(seen, TwiML) of this step; waits briefly while a concurrent duplicate is being answered."""
    deadline = time.monotonic() + REPLAY_WAIT_SECONDS
    while True:
        response = session.execute(
            select(PhoneTurn.response).where(PhoneTurn.call_sid == sid, PhoneTurn.step == step)).first()
        if response is None:
            return False, None
        if response[0] is not None or time.monotonic() >= deadline:
            return True, response[0]
        session.rollback()  # end the read snapshot so the other worker's commit becomes visible
        time.sleep(0.05)


def ivr_step(states: tuple[str, ...] | None = None, on_unknown_call: str = "restart"):
    """Decorator of a state's route. ``states``: the call states this route answers; a call in another
    state (a stale or forged action URL) hears its current prompt again instead.
    ``on_unknown_call``: "restart" (apologise, start over) or "create" (Twilio posts about a call we do
    not know, e.g. one the fallback URL answered)."""

    def decorate(handler: Callable[[Step], Voice | str]):
        @functools.wraps(handler)
        @twilio_only
        def view(**kwargs):
            sid = call_sid_of_request()
            step = (request.args.get("step") or "").strip()[:40] or request.endpoint.rsplit(".", 1)[-1]
            key = f"{request.endpoint.rsplit('.', 1)[-1]}:{step}"
            with sessions_of(current_app)() as session:
                seen, answered = _stored_answer(session, sid, key)
                if answered is not None:
                    log.info("replayed webhook %s for call %s: stored answer", key, sid[-6:])
                    return twiml(answered)
                if seen:  # a duplicate still being answered by another worker
                    return twiml(str(_hold_on(session, sid)))
                call = session.get(PhoneCall, sid)
                if call is None:
                    if on_unknown_call == "restart":
                        return twiml(str(_restart(sid)))
                    call = PhoneCall(call_sid=sid)
                    session.add(call)
                    session.flush()
                # Claim the step first: a concurrent duplicate now finds it and waits for the answer.
                turn = PhoneTurn(call_sid=sid, step=key)
                session.add(turn)
                try:
                    session.flush()
                except IntegrityError:
                    session.rollback()
                    _, answered = _stored_answer(session, sid, key)
                    return twiml(answered if answered is not None else str(_hold_on(session, sid)))
                call.turn = (call.turn or 0) + 1
                room = current_app.extensions["ivr"]
                limit = room.config.max_speech_chars
                raw_speech = (request.form.get("SpeechResult") or "").strip()
                if raw_speech or request.endpoint in CALLS_OUT:
                    # Release the write lock before the handler waits on Rasa or the backend (SQLite).
                    session.commit()
                ctx = Step(call=call, session=session, digits=form_field("Digits", 40),
                           speech=raw_speech if len(raw_speech) <= limit else TOO_LONG,
                           form={k: v[:MAX_FIELD] for k, v in request.form.items() if k != "SpeechResult"})
                if states is not None and call.state not in states:
                    log.info("call %s is in state %s, not %s: prompting again", sid[-6:], call.state, states)
                    result = room.render_state(ctx, ctx.voice())
                else:
                    result = handler(ctx, **kwargs)
                body = str(result)
                turn.response = body
                session.commit()
                return twiml(body)

        return view

    return decorate


TOO_LONG = "\u2026too-long\u2026"


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

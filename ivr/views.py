"""Routes of the call's start, the main menu, the assistant conversation and the call's end.

The main menu answers keys through one dispatch table; free speech goes to the assistant (Rasa,
channel phone). When the assistant is down the caller keeps the keypad menu with recorded answers
built from the prompt catalogue (S1-S11)."""
from __future__ import annotations

import logging
import re
import unicodedata
from typing import Callable

from flask import Response, current_app, request
from sqlalchemy import select

from gateway import sessions_of
from ivr import cases
from ivr.blueprint import bp, enter, reprompt, state
from ivr.calls import TOO_LONG, Step, call_sid_of_request, form_field, ivr_step, twiml
from ivr.clients import AssistantUnavailable
from ivr.models import CallbackTicket, PhoneCall
from ivr.prompts import catalogue
from ivr.queueing import escalate, rate_call
from ivr.signature import twilio_only
from ivr.speech import VoiceFormatter
from ivr.twiml import Voice, public_url
from kernel.clock import utcnow
from kernel.privacy import mask_phone_number, redact_text
from kernel.spoken import too_unsure

log = logging.getLogger(__name__)

# Recorded answers of the keypad menu: key -> (catalogue key, what the caller tried)
TOPICS = {
    "1": ("topic_activation", "activation_help"),          # S1-S4
    "2": ("topic_login", "login_problem"),                 # S6, S7
    "4": ("topic_username_email", "forgot_username"),      # S5, S9
    "5": ("topic_contacts", "contact_info"),               # S11
}
TO_ENGLISH = {"english", "in english", "english please", "inglis", "angol", "angolul", "angolul kérem",
              "angolul kerem", "speak english"}
TO_HUNGARIAN = {"magyar", "magyarul", "hungarian", "in hungarian", "magyarul kérem", "magyarul kerem"}
TERMINAL_STATUSES = {"completed", "busy", "failed", "no-answer", "canceled"}


def _room():
    return current_app.extensions["ivr"]


# --- renderers --------------------------------------------------------------------------------

@state("start")
def render_start(ctx: Step, voice: Voice, intro: list[str] | None = None) -> Voice:
    """The short invitation to speak (the call's opening): the keypad menu is one key away ("*")
    and comes by itself after silence (``reprompt``)."""
    if ctx.call.assistant_down:
        return enter(ctx, "menu", voice, intro)
    gather = voice.gather(ctx.next_url("ivr.menu"), num_digits=1)
    for chunk in intro or []:
        voice.say(chunk, gather)
    voice.say_key("invite", gather)
    return voice


@state("menu")
def render_menu(ctx: Step, voice: Voice, intro: list[str] | None = None) -> Voice:
    """The main menu, or after a recorded or assistant answer the short "what next" prompt."""
    call = ctx.call
    gather = voice.gather(ctx.next_url("ivr.menu"), speech=not call.assistant_down, num_digits=1)
    for chunk in intro or []:
        voice.say(chunk, gather)
    keypad_only = "_keypad" if call.assistant_down else ""
    voice.say_key(("after_answer" if call.repeat_chunks else "menu") + keypad_only, gather)
    if call.helped and call.repeat_chunks:
        voice.say_key("rating_offer", gather)
    return voice


# What the line waits for after the assistant spoke (ivr.speech.SpokenReply.expects) -> the call's state.
CONVERSE_STATES = {"done": "converse", "question": "converse_ask", "yes_no": "converse_yes_no",
                   "spelling": "converse_spell"}


def _render_converse(ctx: Step, voice: Voice, intro: list[str] | None, expects: str) -> Voice:
    """After the assistant spoke. An answer that ends a task: "ask on", and the rating offer (key 8).
    A question (a yes/no, a spelling, its options by key): the question is the prompt, nothing after
    it; heard again (silence, a stray key, intro None) it comes with its keys."""
    call = ctx.call
    gather = voice.gather(ctx.next_url("ivr.converse"), speech=not call.assistant_down, num_digits=1,
                          spelling=expects == "spelling", yes_no=expects == "yes_no")
    again = intro is None and expects != "done"
    for chunk in (list(call.repeat_chunks or []) if again else intro or []):
        voice.say(chunk, gather)
    if expects == "done":  # the task is done (the assistant answered: call.helped): ask on, or rate it
        voice.say_key("after_bot", gather)
    elif again and expects == "yes_no" and call.options:
        voice.say_key("yes_no_keys", gather)
    return voice


def _converse_renderer(expects: str) -> Callable[..., Voice]:
    def render(ctx: Step, voice: Voice, intro: list[str] | None = None) -> Voice:
        return _render_converse(ctx, voice, intro, expects)
    render.__name__ = f"render_{CONVERSE_STATES[expects]}"
    return render


for _expects, _state_name in CONVERSE_STATES.items():
    state(_state_name)(_converse_renderer(_expects))


@state("offer_person")
def render_offer_person(ctx: Step, voice: Voice, intro: list[str] | None = None) -> Voice:
    """A person is offered; silence means "stay on the line" and connects."""
    key = {"backend_down": "newcode_backend_down", "new_code_failed": "newcode_person_offer",
           "withheld_limited": "newcode_withheld_limited"}.get(
        ctx.call.escalation_reason or "", "offer_person")
    gather = voice.gather(ctx.next_url("ivr.offer_person"), speech=False, num_digits=1)
    voice.say_key(key, gather)
    return voice


def greet(ctx: Step) -> Voice:
    """Hungarian greeting, the English offer in an English voice, then the short invitation to speak
    (the keypad menu on "*" or after silence: docs/phone.md, "Call time")."""
    voice = ctx.voice()
    call = ctx.call
    call.state, call.retries, call.repeat_chunks = "start", 0, []
    gather = voice.gather(ctx.next_url("ivr.menu"), num_digits=1)
    voice.say_key("greeting", gather)
    # "For English press 9" is English, so an English voice says it (and vice versa).
    Voice(catalogue("en" if call.language == "hu" else "hu")).say(ctx.cat.text("english_offer"), gather)
    voice.say_key("invite", gather)
    return voice


# --- actions shared by the menus -----------------------------------------------------------------

def answer_topic(prompt_key: str, tried: str) -> Callable[[Step], Voice]:
    def answer(ctx: Step) -> Voice:
        text = ctx.cat.text(prompt_key)
        ctx.call.mark_tried(tried)
        ctx.call.helped = True
        ctx.call.hear("bot", text)
        ctx.call.repeat_chunks = [text]
        return enter(ctx, "menu", intro=[text])
    return answer


def start_new_code(ctx: Step) -> Voice:
    return enter(ctx, "nc_username", intro=[ctx.cat.text("newcode_intro")])


def press_0(ctx: Step) -> Voice:
    return escalate(ctx, "caller_pressed_0")


def toggle_language(ctx: Step) -> Voice:
    return switch_language(ctx, "en" if ctx.call.language == "hu" else "hu")


def switch_language(ctx: Step, language: str) -> Voice:
    """The invitation again, in the other language (which says that the language changed)."""
    ctx.call.language = language
    ctx.call.repeat_chunks = []
    ctx.call.options = []
    return enter(ctx, "start")


def repeat(ctx: Step) -> Voice:
    """"*": the last answer or question again; at the opening, the keypad menu."""
    chunks = list(ctx.call.repeat_chunks or [])
    if ctx.call.state in CONVERSE_STATES.values():
        return enter(ctx, ctx.call.state, intro=chunks)
    return enter(ctx, "menu", intro=chunks)


def main_menu(ctx: Step) -> Voice:
    ctx.call.repeat_chunks = []
    ctx.call.options = []
    ctx.call.escalation_reason = None
    return enter(ctx, "menu")


MENU_KEYS: dict[str, Callable[[Step], Voice]] = {
    **{key: answer_topic(prompt, tried) for key, (prompt, tried) in TOPICS.items()},
    "3": start_new_code,
    "0": press_0,
    "8": rate_call,
    "9": toggle_language,
    "*": repeat,
    "#": main_menu,
}


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFC", text).lower()
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def dispatch(ctx: Step, keys: dict[str, Callable[[Step], Voice]]) -> Voice:
    """One key, one speech turn, or the shared re-prompt path."""
    if ctx.digits:
        action = keys.get(ctx.digits) if len(ctx.digits) == 1 else None
        if action is None:
            ctx.call.hear("user", f"[key {ctx.digits[:8]}]")
            return reprompt(ctx, "no_match")
        ctx.call.hear("user", f"[key {ctx.digits}]")
        return action(ctx)
    if ctx.speech == TOO_LONG:
        return reprompt(ctx, "too_long")
    if ctx.speech:
        plain = _plain(ctx.speech)
        if plain in TO_ENGLISH:
            return switch_language(ctx, "en")
        if plain in TO_HUNGARIAN:
            return switch_language(ctx, "hu")
        if too_unsure(ctx.confidence):  # not acted on: the caller says it again (or uses the keys)
            ctx.call.hear("user", "[not heard clearly]")
            return reprompt(ctx, "low_confidence")
        return assistant_turn(ctx, ctx.speech, ctx.confidence)
    return reprompt(ctx, "no_input")


def assistant_turn(ctx: Step, message: str, confidence: float | None = None) -> Voice:
    """One speech turn through the assistant; on failure the keypad menu (recorded answers)."""
    call = ctx.call
    call.hear("user", redact_text(message)[0])
    voice = ctx.voice()
    if call.assistant_down:
        voice.say_key("assistant_down")
        return enter(ctx, "menu", voice)
    try:
        messages = _room().assistant.turn(call.call_sid, message, call.language, confidence)
    except AssistantUnavailable:
        call.assistant_down = True
        call.mark_tried("assistant")
        voice.say_key("assistant_down")
        call.repeat_chunks = []
        return enter(ctx, "menu", voice)
    reply = VoiceFormatter(ctx.cat).format(messages)
    call.mark_tried("assistant")
    if reply.offers_person_only:
        # The caller asked for a person and the assistant would ask "shall I?": on the phone that
        # costs a turn, so the line transfers at once, as with key 0 (working hours and all).
        return escalate(ctx, "caller_pressed_0", voice)
    for chunk in reply.chunks:
        call.hear("bot", chunk)
    if reply.handoff is not None:  # the assistant asks for a person: the phone line opens the case
        for chunk in reply.chunks:
            voice.say(chunk)
        return escalate(ctx, "bot_handoff", voice, handoff=reply.handoff)
    if not reply.chunks:
        return reprompt(ctx, "no_match")
    call.helped = True
    call.options = [{"digit": o.digit, "title": o.title, "payload": o.payload} for o in reply.options]
    call.repeat_chunks = reply.chunks
    return enter(ctx, CONVERSE_STATES[reply.expects], voice, intro=reply.chunks)


# --- routes -------------------------------------------------------------------------------------

@bp.post("/incoming")
@ivr_step(on_unknown_call="create")
def incoming(ctx: Step) -> Voice:
    """The number's voice URL: a new call (keyed on CallSid) hears the greeting and the menu."""
    call = ctx.call
    if call.caller_number_masked is None:
        call.caller_number_masked = mask_phone_number(form_field("From", 32)) or None
    cases.call_started(ctx)
    return greet(ctx)


@bp.post("/menu")
@ivr_step(states=("start", "menu"), calls_out="on_speech")
def menu(ctx: Step) -> Voice:
    return dispatch(ctx, MENU_KEYS)


@bp.post("/converse")
@ivr_step(states=tuple(CONVERSE_STATES.values()), calls_out="always")
def converse(ctx: Step) -> Voice:
    options = {o["digit"]: o for o in ctx.call.options or []}
    if ctx.digits in options:
        option = options[ctx.digits]
        ctx.call.hear("user", f"[key {ctx.digits}: {option['title']}]")
        return assistant_turn(ctx, option["payload"])
    return dispatch(ctx, MENU_KEYS)


@bp.post("/offer-person")
@ivr_step(states=("offer_person",), calls_out="on_speech")
def offer_person(ctx: Step) -> Voice:
    if ctx.digits in ("", "0"):
        return escalate(ctx, ctx.call.escalation_reason or "not_understood")
    if ctx.digits == "#":
        return main_menu(ctx)
    return dispatch(ctx, MENU_KEYS)


@bp.post("/resume")
@ivr_step()
def resume(ctx: Step) -> Voice:
    """Where a duplicate webhook's hold music leads: the call's current prompt again."""
    return _room().render_state(ctx, ctx.voice())


@bp.post("/status")
@twilio_only
def status() -> Response:
    """Status callback: the end, duration and outcome of a call, recorded once (replays change nothing)."""
    sid = call_sid_of_request()
    call_status = form_field("CallStatus", 20).lower()
    if call_status not in TERMINAL_STATUSES:
        return Response(status=204)
    try:
        duration = max(0, min(int(form_field("CallDuration", 10) or 0), 86400))
    except ValueError:
        duration = None
    with sessions_of(current_app)() as session:
        call = session.get(PhoneCall, sid)
        if call is None:
            call = PhoneCall(call_sid=sid, state="ended")
            session.add(call)
        if call.ended_at is None:
            has_ticket = session.scalar(select(CallbackTicket.id).where(CallbackTicket.call_sid == sid)) is not None
            call.ended_at = utcnow()
            call.duration_seconds = duration
            call.call_status = call_status
            call.outcome = ("left_message" if has_ticket else "escalated" if call.escalation_id or call.enqueued_at
                            else "solved_by_bot" if call.helped else "hung_up")
            call.sealed_username = call.sealed_email = None
            cases.call_event(session, sid, call.language, "ended")
            if not has_ticket:  # a call-back ticket keeps its case open
                cases.ended(session, call.escalation_id,
                            "phone_call_completed" if call.connected_at else "caller_hung_up_waiting")
    return Response(status=204)


@bp.post("/fallback")
@twilio_only
def fallback() -> Response:
    """The number's fallback URL: fixed TwiML, no assistant, no database — apologise and queue."""
    return twiml(fallback_twiml())


def fallback_twiml() -> str:
    hu, en = catalogue("hu"), catalogue("en")
    voice = Voice(hu)
    voice.say_key("fallback")
    Voice(en).say(en.text("fallback"), voice.response)
    voice.response.enqueue(hu.queue, wait_url=public_url("ivr.queue_wait", lang="hu"), wait_url_method="POST",
                           action=public_url("ivr.queue_done", step="fallback"), method="POST")
    return str(voice)


@bp.errorhandler(Exception)
def any_error(exc: Exception):
    """No caller is ever dropped by a bug: log it and answer with the fallback TwiML."""
    from werkzeug.exceptions import HTTPException

    if isinstance(exc, HTTPException):
        return exc
    log.exception("phone line error on %s", request.path)
    return twiml(fallback_twiml())

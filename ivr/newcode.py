"""New code by phone (S4, S8): spell the username, say the e-mail on file, confirm each by key, then
one request to the credentials backend. The code only ever goes to the address on file (S5), the
caller hears the same words whether anything matched or not, and no password is asked or taken."""
from __future__ import annotations

import re

from flask import current_app

from ivr import cases, limits
from ivr.blueprint import bp, enter, reprompt, state
from ivr.calls import TOO_LONG, Step, ivr_step
from ivr.queueing import escalate
from ivr.twiml import Voice
from kernel.contracts import NewCodeRequest, Rejected, Unavailable
from kernel.privacy import mask_email
from kernel.spoken import (READ_BACK_SYMBOLS, parse_email, parse_keypad_username, parse_username, spell_out,
                           too_unsure)

# A caller about to say a password is stopped (S7: the password is never part of a help call).
_PASSWORD_WORDS = re.compile(r"\b(jelsz\w*|password|passcode|pin)\b", re.IGNORECASE)


def _room():
    return current_app.extensions["ivr"]


def _symbols(ctx: Step) -> dict[str, str]:
    """How the read-back names the symbols: the kernel's words, overridden by the catalogue's."""
    cat = ctx.cat
    return {**READ_BACK_SYMBOLS.get(cat.language, {}),
            ".": cat.text("spell_dot"), "@": cat.text("spell_at"), "_": cat.text("spell_underscore"),
            "-": cat.text("spell_dash"), "+": cat.text("spell_plus")}


# --- renderers --------------------------------------------------------------------------------

@state("nc_username")
def render_username(ctx: Step, voice: Voice, intro: list[str] | None = None) -> Voice:
    gather = voice.gather(ctx.next_url("ivr.newcode_username"), finish_on_key="#", timeout=8, spelling=True)
    for chunk in intro or []:
        voice.say(chunk, gather)
    voice.say_key("newcode_username_ask", gather)
    return voice


@state("nc_username_confirm")
def render_username_confirm(ctx: Step, voice: Voice, intro: list[str] | None = None) -> Voice:
    return _read_back(ctx, voice, ctx.call.sealed_username, "nc_username", "ivr.newcode_username_confirm",
                      "newcode_username_readback")


@state("nc_keypad_offer")
def render_keypad_offer(ctx: Step, voice: Voice, intro: list[str] | None = None) -> Voice:
    gather = voice.gather(ctx.next_url("ivr.newcode_keypad_offer"), speech=False, num_digits=1)
    voice.say_key("newcode_keypad_offer", gather)
    return voice


@state("nc_keypad")
def render_keypad(ctx: Step, voice: Voice, intro: list[str] | None = None) -> Voice:
    gather = voice.gather(ctx.next_url("ivr.newcode_keypad"), speech=False, finish_on_key="#", timeout=10)
    voice.say_key("newcode_keypad_ask", gather)
    return voice


@state("nc_email")
def render_email(ctx: Step, voice: Voice, intro: list[str] | None = None) -> Voice:
    gather = voice.gather(ctx.next_url("ivr.newcode_email"), finish_on_key="#", timeout=8, spelling=True)
    voice.say_key("newcode_email_ask", gather)
    return voice


@state("nc_email_confirm")
def render_email_confirm(ctx: Step, voice: Voice, intro: list[str] | None = None) -> Voice:
    return _read_back(ctx, voice, ctx.call.sealed_email, "nc_email", "ivr.newcode_email_confirm",
                      "newcode_email_readback")


def _read_back(ctx: Step, voice: Voice, sealed: str | None, ask_state: str, endpoint: str, prompt: str) -> Voice:
    """What the caller gave, spelled back for 1 (right) or 2 (wrong); asked again when it is gone."""
    value = _room().sealer.unseal(sealed)
    if value is None:
        return enter(ctx, ask_state, voice)
    gather = voice.gather(ctx.next_url(endpoint), speech=False, num_digits=1)
    voice.say_key(prompt, gather, spelled=spell_out(value, _symbols(ctx)))
    voice.say_key("confirm_keys", gather)
    return voice


# --- the steps ----------------------------------------------------------------------------------

def _common_keys(ctx: Step) -> Voice | None:
    """Keys that work in every step: 0 a person, * hear it again."""
    if ctx.digits == "0":
        return escalate(ctx, "caller_pressed_0")
    if ctx.digits == "*":
        return enter(ctx, ctx.call.state)
    return None


def _failed(ctx: Step, what: str) -> Voice:
    """A spelling was not understood or not confirmed: once more, then keypad (username) or a person."""
    call = ctx.call
    call.failures = (call.failures or 0) + 1
    if what == "username":
        call.sealed_username = None
    else:
        call.sealed_email = None
    if call.failures >= 2:
        if what == "username" and call.failures == 2:
            return enter(ctx, "nc_keypad_offer")
        call.escalation_reason = "new_code_failed"
        return enter(ctx, "offer_person")
    voice = ctx.voice()
    voice.say_key("newcode_retry")
    return enter(ctx, "nc_username" if what == "username" else "nc_email", voice)


def _spoken(ctx: Step, parse, what: str) -> Voice:
    if ctx.speech == TOO_LONG:
        return reprompt(ctx, "too_long")
    if _PASSWORD_WORDS.search(ctx.speech):
        ctx.call.hear("user", "[password mentioned: not taken]")
        voice = ctx.voice()
        voice.say_key("no_password")
        return enter(ctx, ctx.call.state, voice)
    if too_unsure(ctx.confidence):  # the recogniser itself is unsure: ask again, never read back a guess
        ctx.call.hear("user", f"[{what} not heard clearly]")
        return reprompt(ctx, "low_confidence")
    value = parse(ctx.speech)
    if value is None:
        ctx.call.hear("user", f"[{what} not understood]")
        return _failed(ctx, what)
    sealed = _room().sealer.seal(value)
    if what == "username":
        ctx.call.sealed_username = sealed
        ctx.call.hear("user", "[username spelled]")
        return enter(ctx, "nc_username_confirm")
    ctx.call.sealed_email = sealed
    ctx.call.hear("user", f"[e-mail given: {mask_email(value)}]")
    return enter(ctx, "nc_email_confirm")


@bp.post("/new-code/username")
@ivr_step(states=("nc_username",))
def newcode_username(ctx: Step) -> Voice:
    answer = _common_keys(ctx)
    if answer is not None:
        return answer
    if ctx.digits:
        username = parse_keypad_username(ctx.digits)
        if username is None:
            return reprompt(ctx, "no_match")
        ctx.call.sealed_username = _room().sealer.seal(username)
        ctx.call.hear("user", "[username typed]")
        return enter(ctx, "nc_username_confirm")
    if ctx.speech:
        return _spoken(ctx, parse_username, "username")
    return reprompt(ctx, "no_input")


@bp.post("/new-code/username-confirm")
@ivr_step(states=("nc_username_confirm",))
def newcode_username_confirm(ctx: Step) -> Voice:
    answer = _common_keys(ctx)
    if answer is not None:
        return answer
    if ctx.digits == "1":
        ctx.call.failures = 0
        return enter(ctx, "nc_email")
    if ctx.digits == "2":
        return _failed(ctx, "username")
    return reprompt(ctx, "no_match" if ctx.digits else "no_input")


@bp.post("/new-code/keypad-offer")
@ivr_step(states=("nc_keypad_offer",))
def newcode_keypad_offer(ctx: Step) -> Voice:
    if ctx.digits == "1":
        return enter(ctx, "nc_keypad")
    if ctx.digits in ("", "0"):
        return escalate(ctx, "new_code_failed")
    if ctx.digits == "#":
        return enter(ctx, "menu")
    return reprompt(ctx, "no_match")


@bp.post("/new-code/keypad")
@ivr_step(states=("nc_keypad",))
def newcode_keypad(ctx: Step) -> Voice:
    username = parse_keypad_username(ctx.digits)
    if username is None:
        return reprompt(ctx, "no_match" if ctx.digits else "no_input")
    ctx.call.sealed_username = _room().sealer.seal(username)
    ctx.call.hear("user", "[username typed]")
    return enter(ctx, "nc_username_confirm")


@bp.post("/new-code/email")
@ivr_step(states=("nc_email",))
def newcode_email(ctx: Step) -> Voice:
    answer = _common_keys(ctx)
    if answer is not None:
        return answer
    if ctx.speech:
        return _spoken(ctx, parse_email, "email")
    return reprompt(ctx, "no_match" if ctx.digits else "no_input")


@bp.post("/new-code/email-confirm")
@ivr_step(states=("nc_email_confirm",), calls_out="always")
def newcode_email_confirm(ctx: Step) -> Voice:
    answer = _common_keys(ctx)
    if answer is not None:
        return answer
    if ctx.digits == "1":
        return request_new_code(ctx)
    if ctx.digits == "2":
        return _failed(ctx, "email")
    return reprompt(ctx, "no_match" if ctx.digits else "no_input")


def request_new_code(ctx: Step) -> Voice:
    """One reset request per call to the backend; the same words for every account (S4, S5, S8)."""
    call = ctx.call
    room = _room()
    username = room.sealer.unseal(call.sealed_username)
    email = room.sealer.unseal(call.sealed_email)
    if username is None or email is None:
        voice = ctx.voice()
        voice.say_key("newcode_retry")
        return enter(ctx, "nc_username", voice)
    if not call.reset_requested:
        # The backend's per-source limit keys on the full number's keyed digest (never the masked
        # number, which callers sharing two last digits would share); withheld numbers share one key
        # and, before it, one stricter bucket of the line's own, which the caller is told about.
        caller = limits.caller_of_request()
        if caller.withheld and not limits.take("new_code", caller.key, room.config.withheld_new_codes_per_hour):
            call.hear("bot", "[new code refused: too many requests from withheld numbers]")
            call.mark_tried("request_new_code")
            call.sealed_username = call.sealed_email = None
            call.escalation_reason = "withheld_limited"
            return enter(ctx, "offer_person")
        try:
            room.credentials.request_new_code(NewCodeRequest(
                username=username, email=email, channel="phone", source=caller.key))
            cases.call_event(ctx.session, call.call_sid, call.language, "topic", "new_code_completed")
        except Rejected:
            pass  # a malformed username or address hears what an unknown account hears (no enumeration)
        except Unavailable:
            call.hear("bot", "[new-code service unavailable]")
            call.mark_tried("request_new_code")
            call.escalation_reason = "backend_down"
            return enter(ctx, "offer_person")
        call.reset_requested = True
    call.sealed_username = call.sealed_email = None
    call.failures = 0
    call.mark_tried("request_new_code")
    call.helped = True
    done = ctx.cat.text("newcode_done")
    call.hear("bot", done)
    call.repeat_chunks = [done]
    return enter(ctx, "menu", intro=[done])

"""A person: the call's case (through the port to the escalations, ivr.cases), the queue of the
caller's language, what a waiting caller hears, the message they may leave (a call-back ticket), and
the agent's line."""
from __future__ import annotations

import math

from flask import Response, current_app, request
from sqlalchemy import select

from gateway import sessions_of
from ivr import cases, limits
from ivr.blueprint import bp, enter, reprompt, state
from ivr.calls import Step, ascii_digits, call_sid_of_request, form_field, ivr_step, twiml
from ivr.models import CallbackTicket, PhoneCall
from ivr.prompts import LANGUAGES, catalogue
from ivr.signature import twilio_only
from ivr.twiml import Voice, public_url, reference_for_speech
from kernel.clock import utcnow
from kernel.contracts import HandoffRequest
from kernel.fields import ascii_number
from kernel.hours import Availability, describe

RECORD_MAX_SECONDS = 120


def _config():
    return current_app.extensions["ivr"].config


def escalate(ctx: Step, reason: str, voice: Voice | None = None, handoff: HandoffRequest | None = None) -> Voice:
    """The call's case (once per call), its reference read out, and the caller queued; ``handoff``:
    the assistant asked for a person (its reason, what it tried, its diagnosis go on the case)."""
    call = ctx.call
    voice = voice or ctx.voice()
    call.escalation_reason = call.escalation_reason or reason
    call.mark_tried("person")
    availability = _room().availability()
    if not availability.open:
        return out_of_hours(ctx, voice, availability, handoff)
    cases.open_case(ctx, reason, handoff)
    if call.escalation_reference:
        voice.say_key("escalate_connecting", reference=reference_for_speech(call.escalation_reference))
    else:
        voice.say_key("escalate_connecting_plain")
    return _enqueue(ctx, voice)


def _room():
    return current_app.extensions["ivr"]


def when_back(cat, availability: Availability) -> str:
    """"Most nincs elérhető ügyintézőnk. Ügyintézőink hétfőn 8 órától érhetők el." in the catalogue's
    language, from the one rule (kernel.hours)."""
    if availability.back_at is None:
        return cat.text("closed_back_unknown")
    return cat.text("closed_back", back=describe(availability.back_at, availability.at, cat.language))


def say_when_back(ctx: Step, voice: Voice, availability: Availability) -> None:
    """When people are back, said to the caller and kept in the call's transcript."""
    text = when_back(ctx.cat, availability)
    ctx.call.hear("bot", text)
    voice.say(text)


def out_of_hours(ctx: Step, voice: Voice, availability: Availability, handoff: HandoffRequest | None) -> Voice:
    """A person asked for outside the working hours: when people are back, then a message to be called
    back (a call-back ticket, as when nobody comes in time) or back to the assistant, which answers 24/7.
    The assistant's own offer (``handoff``) already said when people are back and asked whether to
    leave a message: the caller said yes, so the recording starts."""
    call = ctx.call
    call.mark_tried("out_of_hours")
    if handoff is not None:  # the case now, with the assistant's reason, what it tried and its diagnosis
        cases.open_case(ctx, call.escalation_reason, handoff)
        return enter(ctx, "record", voice)
    say_when_back(ctx, voice, availability)
    return enter(ctx, "closed_choice", voice)


@state("closed_choice")
def render_closed_choice(ctx: Step, voice: Voice, intro: list[str] | None = None) -> Voice:
    gather = voice.gather(ctx.next_url("ivr.closed_choice"), speech=False, num_digits=1)
    voice.say_key("closed_choice", gather)
    return voice


@bp.post("/closed-choice")
@ivr_step(states=("closed_choice",))
def closed_choice(ctx: Step) -> Voice:
    """Out of hours: 1, 0 (or silence) leaves a message to be called back; 2 or # goes on with the
    assistant (the main menu, speech and keys)."""
    if ctx.digits in ("", "1", "0"):
        ctx.call.hear("user", f"[key {ctx.digits}]" if ctx.digits else "[silence]")
        return enter(ctx, "record")
    if ctx.digits in ("2", "#"):
        ctx.call.hear("user", f"[key {ctx.digits}]")
        ctx.call.escalation_reason = None
        ctx.call.repeat_chunks = []
        return enter(ctx, "menu")
    return reprompt(ctx, "no_match")


def _enqueue(ctx: Step, voice: Voice) -> Voice:
    call = ctx.call
    call.state = "queued"
    call.queue = ctx.cat.queue
    call.enqueued_at = utcnow()
    call.connected_at = None
    wait_params = {"lang": call.language} | ({"case": call.escalation_id} if call.escalation_id else {})
    voice.response.enqueue(ctx.cat.queue, wait_url=public_url("ivr.queue_wait", **wait_params),
                           wait_url_method="POST", action=ctx.next_url("ivr.queue_done"), method="POST")
    cases.queued(ctx)
    return voice


@bp.post("/queue-wait")
@twilio_only
def queue_wait() -> Response:
    """Twilio's waitUrl, called again and again while the caller waits: position and expected wait
    in their language; after the configured time they are taken out to leave a message.
    The expected wait is the help desk's own (agents/waits.py through the port: recent handling times
    and the agents available for the line; ``?case=`` is the call's case, in the URL Twilio signs).
    With no case, or when the database does not answer, Twilio's own queue figures are used, so the
    fallback URL's queue works even without the database."""
    language = request.args.get("lang") if request.args.get("lang") in LANGUAGES else "hu"
    voice = Voice(catalogue(language))
    position, average, waited = (_number(form_field(n, 12)) for n in ("QueuePosition", "AvgQueueTime", "QueueTime"))
    availability = _room().availability()
    if not availability.open:  # the working hours ended while the caller waited: nobody will come now
        voice.say(when_back(voice.cat, availability))
        voice.response.leave()
        return twiml(str(voice))
    if waited is not None and waited >= _config().queue_message_after:
        voice.say_key("queue_offer_message")
        voice.response.leave()
        return twiml(str(voice))
    ours = cases.expected_wait(request.args.get("case", "")[:32])
    if ours is not None and ours.position:
        position = ours.position
    if position is not None and position >= 1:
        voice.say_key("queue_position", position=position)
    if ours is not None:
        _say_expected(voice, ours.expected_wait_s)
    elif average:
        voice.say_key("queue_wait_minutes", minutes=max(1, math.ceil(average / 60)))
    else:
        voice.say_key("queue_wait_short")
    voice.say_key("queue_hold")
    voice.response.pause(length=_config().queue_pause)
    return twiml(str(voice))


def _say_expected(voice: Voice, seconds: int | None) -> None:
    """The expected wait as the caller hears it: under a minute, about one minute, about N minutes
    (rounded up), or that nobody can take the line right now (no estimate)."""
    if seconds is None:
        voice.say_key("queue_expected_unknown")
    elif seconds < 60:
        voice.say_key("queue_expected_soon")
    elif seconds <= 90:
        voice.say_key("queue_expected_one_minute")
    else:
        voice.say_key("queue_wait_minutes", minutes=math.ceil(seconds / 60))


def _number(text: str) -> int | None:
    """Twilio's figure (QueuePosition, QueueTime, RecordingDuration...) as a whole number, or None when it
    is not a finite number in range ("inf", "1e999" and "nan" parse as floats but are no count)."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(value):
        return None
    value = int(value)
    return value if 0 <= value < 10**7 else None


@bp.post("/queue-done")
@ivr_step(on_unknown_call="create")
def queue_done(ctx: Step) -> Voice:
    """The Enqueue action: the caller left the queue — served, hung up, or nobody came in time."""
    cases.call_started(ctx)
    result = form_field("QueueResult", 32).lower()
    voice = ctx.voice()
    if result == "bridged":  # the agent ended the call: the caller may rate it before hanging up
        return enter(ctx, "rating", voice)
    if result == "hangup":
        ctx.call.state = "done"
        voice.response.hangup()
        return voice
    if not _room().availability().open:  # out of hours: a message, or back to the assistant (no waiting on)
        return enter(ctx, "closed_choice", voice)
    if result != "leave":
        voice.say_key("queue_offer_message")
    return enter(ctx, "queue_choice", voice)


@state("rating")
def render_rating(ctx: Step, voice: Voice, intro: list[str] | None = None) -> Voice:
    """One short prompt: a key from 1 to 5 rates the call; silence skips it (CSAT, docs/agents.md)."""
    gather = voice.gather(ctx.next_url("ivr.rating"), speech=False, num_digits=1, timeout=5)
    voice.say_key("rating_prompt", gather)
    return voice


def rate_call(ctx: Step) -> Voice:
    """Key 8 after an answer (the caller is done with the bot): the rating prompt."""
    return enter(ctx, "rating")


@bp.post("/rating")
@ivr_step(states=("rating",))
def rating(ctx: Step) -> Voice:
    voice = ctx.voice()
    ctx.call.state = "done"
    if ctx.digits in ("1", "2", "3", "4", "5"):
        ctx.call.hear("user", f"[rating {ctx.digits}]")
        cases.rating(ctx.session, ctx.call.call_sid, ctx.call.language, int(ctx.digits))
        voice.say_key("rating_thanks")
    else:
        voice.say_key("goodbye")
    voice.response.hangup()
    return voice


@state("queue_choice")
def render_queue_choice(ctx: Step, voice: Voice, intro: list[str] | None = None) -> Voice:
    gather = voice.gather(ctx.next_url("ivr.queue_choice"), speech=False, num_digits=1)
    voice.say_key("queue_choice", gather)
    return voice


@bp.post("/queue-choice")
@ivr_step(states=("queue_choice",))
def queue_choice(ctx: Step) -> Voice:
    """1 (or silence) leaves a message; 2 or 0 waits on."""
    if ctx.digits in ("", "1"):
        return enter(ctx, "record")
    if ctx.digits in ("2", "0"):
        voice = ctx.voice()
        voice.say_key("queue_hold")
        return _enqueue(ctx, voice)
    return reprompt(ctx, "no_match")


@state("record")
def render_record(ctx: Step, voice: Voice, intro: list[str] | None = None) -> Voice:
    voice.say_key("record_prompt")
    action = ctx.next_url("ivr.recorded")
    voice.response.record(action=action, method="POST", max_length=RECORD_MAX_SECONDS, timeout=5,
                          finish_on_key="#", play_beep=True, trim="trim-silence",
                          recording_status_callback=public_url("ivr.recording_status"),
                          recording_status_callback_method="POST")
    # Twilio skips the action when nothing was recorded: the ticket is still made.
    voice.response.redirect(action, method="POST")
    return voice


@bp.post("/recorded")
@ivr_step(states=("record",), on_unknown_call="create")
def recorded(ctx: Step) -> Voice:
    """The Record action: a call-back ticket (and the escalation marked "callback"), so nothing is lost."""
    call = ctx.call
    cases.call_started(ctx)
    recording_url = _recording_url(form_field("RecordingUrl", 500))
    cases.open_case(ctx, call.escalation_reason or "left_message")
    ticket = ctx.session.scalar(select(CallbackTicket).where(CallbackTicket.call_sid == call.call_sid))
    if ticket is None:
        ticket = CallbackTicket(call_sid=call.call_sid, language=call.language,
                                callback_number=form_field("From", 32) or None,
                                caller_number_masked=call.caller_number_masked)
        ctx.session.add(ticket)
    ticket.escalation_id = call.escalation_id
    ticket.escalation_reference = call.escalation_reference
    ticket.recording_url = ticket.recording_url or recording_url
    ticket.recording_sid = ticket.recording_sid or (form_field("RecordingSid", 64) or None)
    duration = _number(form_field("RecordingDuration", 8))
    ticket.recording_seconds = ticket.recording_seconds or duration
    call.hear("user", "[voice message left]" if recording_url else "[no voice message]")
    call.state = "done"
    cases.callback_requested(ctx.session, call.escalation_id, ticket.recording_url)
    voice = ctx.voice()
    availability = _room().availability()
    if availability.open or availability.back_at is None:
        if call.escalation_reference:
            voice.say_key("record_thanks", reference=reference_for_speech(call.escalation_reference))
    else:  # "we call you back soon" would not be true: when, from the working hours
        voice.say_key("record_thanks_closed", back=describe(availability.back_at, availability.at, call.language),
                      reference=reference_for_speech(call.escalation_reference) if call.escalation_reference else "-")
    voice.say_key("goodbye")
    voice.response.hangup()
    return voice


def _recording_url(url: str) -> str | None:
    return url if url.startswith(("https://", "http://")) else None


@bp.post("/recording-status")
@twilio_only
def recording_status() -> Response:
    """Recording status callback: the finished recording's URL reaches the ticket (idempotent)."""
    sid = call_sid_of_request()
    url = _recording_url(form_field("RecordingUrl", 500))
    if form_field("RecordingStatus", 20).lower() != "completed" or not url:
        return Response(status=204)
    with sessions_of(current_app)() as session:
        ticket = session.scalar(select(CallbackTicket).where(CallbackTicket.call_sid == sid))
        if ticket is not None and ticket.recording_url is None:
            ticket.recording_url = url
            ticket.recording_sid = form_field("RecordingSid", 64) or None
            session.commit()
            cases.callback_requested(session, ticket.escalation_id, url)
    return Response(status=204)


# --- the agent's line -----------------------------------------------------------------------------
# Caller ID can be spoofed, so it proves nothing: every agent keys in their agent number and PIN
# (agents.phone_port checks it, locks an agent's PIN after five misses in a row); wrong PINs are
# also counted per calling number (its keyed digest; withheld numbers share one smaller bucket).
# There is no open mode: with no agent holding a PIN, every caller is refused.

PIN_ATTEMPTS_PER_CALL = 3


def _agent_language() -> str:
    return request.args.get("lang") if request.args.get("lang") in LANGUAGES else "hu"


def _pin_misses_allowed(caller: limits.Caller) -> int:
    allowed = _config().agent_pin_misses_per_hour
    return max(1, allowed // 3) if caller.withheld else allowed


def _goodbye(voice: Voice, key: str) -> Response:
    voice.say_key(key)
    voice.response.hangup()
    return twiml(str(voice))


def _ask_agent_number(voice: Voice, language: str, attempt: int) -> Response:
    gather = voice.gather(public_url("ivr.agent_number", lang=language, attempt=attempt), speech=False,
                          finish_on_key="#", timeout=10)
    voice.say_key("agent_number_ask", gather)
    return twiml(str(voice))


@bp.post("/agent")
@twilio_only
def agent() -> Response:
    """An agent rings in: agent number and PIN by keypad, then the case summary of the
    longest-waiting caller and the connection.

    ``?lang=en`` on the agent number's voice URL serves the English queue first (default Hungarian)."""
    call_sid_of_request()
    language = _agent_language()
    voice = Voice(catalogue(language))
    allowed = _config().agent_numbers  # an extra filter when set; never a substitute for the PIN
    if allowed and form_field("From", 32).replace(" ", "") not in allowed:
        return _goodbye(voice, "agent_not_allowed")
    caller = limits.caller_of_request()
    if limits.reached("agent_pin", caller.key, _pin_misses_allowed(caller)):
        return _goodbye(voice, "agent_pin_too_many")
    return _ask_agent_number(voice, language, 1)


@bp.post("/agent/number")
@twilio_only
def agent_number() -> Response:
    """The agent number was keyed in: now the PIN (the number rides in the signed action URL)."""
    call_sid_of_request()
    language = _agent_language()
    voice = Voice(catalogue(language))
    number = ascii_digits(form_field("Digits", 12))
    gather = voice.gather(public_url("ivr.agent_pin", lang=language, agent=number or "-",
                                     attempt=_attempt()), speech=False, finish_on_key="#", timeout=10)
    voice.say_key("agent_pin_ask", gather)
    return twiml(str(voice))


def _attempt() -> int:
    """The PIN try of this call (``?attempt=`` of the line's own URL); anything but ASCII digits (a
    look-alike such as "٣" included, which ``int`` would take) counts as the last try."""
    attempt = ascii_number(request.args.get("attempt", "1"), 6)
    return PIN_ATTEMPTS_PER_CALL if attempt is None else max(1, min(attempt, PIN_ATTEMPTS_PER_CALL))


@bp.post("/agent/pin")
@twilio_only
def agent_pin() -> Response:
    """The PIN was keyed in: the agent is put through, or refused (three tries a call)."""
    call_sid_of_request()
    language = _agent_language()
    voice = Voice(catalogue(language))
    caller = limits.caller_of_request()
    if limits.reached("agent_pin", caller.key, _pin_misses_allowed(caller)):
        return _goodbye(voice, "agent_pin_too_many")
    on_line = cases.verify_agent(request.args.get("agent", ""), form_field("Digits", 16), caller.key)
    if on_line is None:
        limits.take("agent_pin", caller.key, _pin_misses_allowed(caller))
        attempt = _attempt()
        if attempt >= PIN_ATTEMPTS_PER_CALL:
            voice.say_key("agent_pin_refused")
            return _goodbye(voice, "goodbye")
        voice.say_key("agent_pin_refused")
        voice.say_key("agent_pin_try_again")
        return _ask_agent_number(voice, language, attempt + 1)
    voice.say_key("agent_welcome", agent=on_line.display_name)
    return _connect_agent(voice, language)


def _connect_agent(voice: Voice, language: str) -> Response:
    """The case summary of the longest-waiting caller (the agent's language first), then the <Dial>."""
    queues = [catalogue(language).queue] + [catalogue(lang).queue for lang in LANGUAGES if lang != language]
    with sessions_of(current_app)() as session:
        waiting = None
        for queue in queues:
            waiting = session.scalar(
                select(PhoneCall).where(PhoneCall.queue == queue, PhoneCall.enqueued_at.is_not(None),
                                        PhoneCall.connected_at.is_(None), PhoneCall.ended_at.is_(None),
                                        PhoneCall.state == "queued")
                .order_by(PhoneCall.enqueued_at).limit(1))
            if waiting is not None:
                break
        if waiting is None:
            return _goodbye(voice, "agent_no_callers")
        voice.say(case_summary(waiting, language))
    dial = voice.response.dial(action=public_url("ivr.agent_done", lang=language), method="POST")
    dial.queue(waiting.queue, url=public_url("ivr.agent_connect"), method="POST")
    return twiml(str(voice))


def case_summary(call: PhoneCall, language: str) -> str:
    """What the agent hears before the caller is put through (the whisper)."""
    cat = catalogue(language)
    reason_key = f"reason_{call.escalation_reason}"
    reason = cat.text(reason_key) if reason_key in cat.entries else cat.text("reason_other")
    tried = [cat.text(f"tried_{t}") for t in call.tried if f"tried_{t}" in cat.entries]
    last = next((t["text"] for t in reversed(call.transcript or []) if t.get("role") == "user"), None)
    return cat.text(
        "agent_summary", language=cat.text(f"language_name_{call.language}"),
        reference=reference_for_speech(call.escalation_reference) if call.escalation_reference else "-",
        reason=reason, tried=", ".join(tried) or cat.text("agent_nothing_tried"),
        last=(last or cat.text("agent_no_last"))[:200])


@bp.post("/agent-connect")
@twilio_only
def agent_connect() -> Response:
    """The <Queue url>: played to the dequeued caller just before the agent is on; marks them connected."""
    sid = call_sid_of_request()
    with sessions_of(current_app)() as session:
        call = session.get(PhoneCall, sid)
        language = call.language if call else "hu"
        if call is not None and call.connected_at is None:
            call.connected_at = utcnow()
            call.agent_call_sid = form_field("DequeingCallSid", 64) or form_field("DequeueingCallSid", 64) or None
            session.commit()
            cases.connected(session, call.escalation_id)
    voice = Voice(catalogue(language))
    voice.say_key("caller_connecting")
    return twiml(str(voice))


@bp.post("/agent-done")
@twilio_only
def agent_done() -> Response:
    """The agent's <Dial> ended."""
    language = request.args.get("lang") if request.args.get("lang") in LANGUAGES else "hu"
    voice = Voice(catalogue(language))
    voice.say_key("goodbye")
    voice.response.hangup()
    return twiml(str(voice))

"""The phone line's blueprint, its state registry and the one shared re-prompt path.

Each IVR state has one route (its Gather posts there) and one renderer (what the caller hears in
that state); ``enter`` moves a call into a state, ``reprompt`` is the only way invalid input or
silence is answered: up to two re-prompts, then a person is offered."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Protocol

from flask import Blueprint

from gateway.credentials_client import CredentialsClient
from ivr.calls import Step
from ivr.clients import Assistant
from ivr.config import IvrConfig
from ivr.sealing import Sealer
from ivr.twiml import Voice
from kernel.clock import utcnow
from kernel.hours import Availability

bp = Blueprint("ivr", __name__, url_prefix="/voice")

MAX_REPROMPTS = 2


class Renderer(Protocol):
    def __call__(self, ctx: Step, voice: Voice, intro: list[str] | None = None) -> Voice: ...


RENDERERS: dict[str, Renderer] = {}


def state(name: str) -> Callable[[Renderer], Renderer]:
    """Register the renderer of IVR state ``name``."""

    def register(render: Renderer) -> Renderer:
        RENDERERS[name] = render
        return render

    return register


@dataclass
class PhoneRoom:
    """What the phone line needs per app: settings, the two service clients and the sealer."""

    config: IvrConfig
    assistant: Assistant
    credentials: CredentialsClient
    sealer: Sealer
    clock: Callable[[], datetime] = utcnow  # a test may set app.config["IVR_CLOCK"]

    def availability(self) -> Availability:
        """Whether people answer now and, if not, when they are back (kernel.hours)."""
        return self.config.hours.status(self.clock())

    def render_state(self, ctx: Step, voice: Voice) -> Voice:
        return RENDERERS.get(ctx.call.state, RENDERERS["menu"])(ctx, voice)


def enter(ctx: Step, name: str, voice: Voice | None = None, intro: list[str] | None = None) -> Voice:
    """Move the call into state ``name`` and render its prompt (after whatever ``voice`` holds)."""
    ctx.call.state = name
    ctx.call.retries = 0
    return RENDERERS[name](ctx, voice or ctx.voice(), intro)


def reprompt(ctx: Step, why: str) -> Voice:
    """The shared path for silence and for input that fits nothing: ``why`` is a catalogue key."""
    ctx.call.retries = (ctx.call.retries or 0) + 1
    voice = ctx.voice()
    if ctx.call.retries > MAX_REPROMPTS:
        ctx.call.escalation_reason = ctx.call.escalation_reason or "not_understood"
        return enter(ctx, "offer_person", voice)
    voice.say_key(why)
    if ctx.call.state == "start":  # silence (or a stray key) at the opening's invitation: the keypad menu
        ctx.call.state = "menu"
    return RENDERERS[ctx.call.state](ctx, voice)

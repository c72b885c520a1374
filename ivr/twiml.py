"""TwiML in one language: every <Say> and <Gather> gets that language's voice and speech settings,
and every action URL is absolute under PUBLIC_BASE_URL (the URL Twilio will sign and call)."""
from __future__ import annotations

from flask import current_app, url_for
from twilio.twiml.voice_response import Gather, VoiceResponse

from gateway import settings_of
from ivr.prompts import Catalogue


def public_url(endpoint: str, **values: object) -> str:
    """Absolute URL of a route of this blueprint as Twilio must call it."""
    return settings_of(current_app).public_base_url + url_for(endpoint, **values)


def reference_for_speech(reference: str) -> str:
    """``HD-7K3R`` → ``H D, 7 K 3 R``: read character by character."""
    head, _, tail = reference.partition("-")
    return ", ".join(" ".join(part) for part in (head, tail) if part)


class Voice:
    """Builds one TwiML response in the language of ``catalogue``."""

    def __init__(self, catalogue: Catalogue):
        self.cat = catalogue
        self.response = VoiceResponse()

    def say(self, text: str, parent=None) -> None:
        (parent if parent is not None else self.response).say(
            text, voice=self.cat.voice, language=self.cat.speech_language)

    def say_key(self, key: str, parent=None, **values: object) -> None:
        self.say(self.cat.text(key, **values), parent)

    def gather(self, action: str, *, speech: bool = True, num_digits: int | None = None,
               finish_on_key: str | None = None, timeout: int = 6, spelling: bool = False,
               yes_no: bool = False) -> Gather:
        """A <Gather> posting to ``action`` even on silence (so no input is handled, never dropped);
        the <Say> put inside it can be interrupted by the caller (barge-in). ``spelling``: the caller
        spells a username or an address (longer pauses, the spelling words as hints). ``yes_no``: a
        one-word answer is expected (a short end-of-speech silence).
        Why each speech setting: docs/phone.md ("Speech recognition settings")."""
        attrs: dict[str, object] = {
            "action": action, "method": "POST", "input": "dtmf speech" if speech else "dtmf",
            "timeout": timeout, "action_on_empty_result": True,
        }
        if speech:
            attrs.update(language=self.cat.speech_language, speech_model=self.cat.speech_model,
                         hints=self.cat.spelling_hints if spelling else self.cat.hints,
                         speech_timeout=self.cat.speech_timeout(spelling, yes_no), profanity_filter=False,
                         barge_in=True)
        if num_digits:
            attrs["num_digits"] = num_digits
        if finish_on_key is not None:
            attrs["finish_on_key"] = finish_on_key
        gather = self.response.gather(**attrs)
        # If a Gather ever ends without calling its action, the caller is still not left in silence.
        self.response.redirect(action, method="POST")
        return gather

    def __str__(self) -> str:
        return str(self.response)

"""The assistant's chat-shaped answers made fit for a voice line: the one place that formats them.

No markup, no emoji, no links read letter by letter, sentences split, long text cut into chunks a
text-to-speech engine reads naturally, buttons read as numbered options the caller can press.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from ivr.prompts import Catalogue
from kernel.contracts import HandoffRequest
from kernel.fields import is_email
from kernel.privacy import REDACTED_TOKEN

MAX_CHUNK = 280
MAX_OPTIONS = 9

_LINK_MD = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_HTML_TAG = re.compile(r"<[^>]{1,200}>")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`|~~)(?=\S)(.+?)(?<=\S)\1")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+", re.MULTILINE)
_HEADING = re.compile(r"^\s*#{1,6}\s*", re.MULTILINE)
_URL = re.compile(r"\b(?:https?://)?((?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:hu|com|org|net|eu|gov)(?:/[^\s]*)?)",
                  re.IGNORECASE)
_WORD = re.compile(r"\S+")
_AROUND_A_WORD = "([{<\"'.,;:!?)]}>"
_CASE_REFERENCE = re.compile(r"\bHD-([0-9A-Z]{4,6})\b")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,!?:;])")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=\S)")


@dataclass(frozen=True)
class SpokenOption:
    """A bot button the caller chooses by pressing ``digit``."""

    digit: str
    title: str
    payload: str


# What the phone line waits for after an assistant turn (the assistant's phone responses mark it with
# ``custom: {answer: ...}`` in domain.yml; buttons or a closing "?" make a question too).
EXPECTS = ("done", "question", "yes_no", "spelling")


@dataclass
class SpokenReply:
    """What the caller hears for one assistant turn."""

    chunks: list[str] = field(default_factory=list)
    options: list[SpokenOption] = field(default_factory=list)
    handoff: HandoffRequest | None = None  # the assistant asks for a person
    # "done": the answer ends a task; "question": it asks something (its options read out);
    # "yes_no": a yes/no question (by voice, or 1/2); "spelling": a username or an address is spelled next
    expects: str = "done"
    # The whole reply is the assistant's "shall I pass you to a person?" (``custom: {offer: person}``):
    # the caller has just asked for one.
    offers_person_only: bool = False


class VoiceFormatter:
    """Formats assistant messages ({"text", "buttons"?, "custom"?}) for one language's voice."""

    def __init__(self, catalogue: Catalogue, max_chunk: int = MAX_CHUNK):
        if max_chunk < 40:
            raise ValueError("max_chunk must be at least 40 characters")
        self.catalogue = catalogue
        self.max_chunk = max_chunk

    def format(self, messages: list[dict[str, Any]]) -> SpokenReply:
        reply = SpokenReply()
        sentences: list[str] = []
        answer = None
        texts = 0
        person_offer = False
        for message in messages:
            if not isinstance(message, dict):
                continue
            text = message.get("text")
            if isinstance(text, str) and text.strip():
                sentences.extend(self.sentences(text))
                texts += 1
            custom = message.get("custom")
            if isinstance(custom, dict):
                answer = custom.get("answer") if custom.get("answer") in EXPECTS else answer
                person_offer = person_offer or custom.get("offer") == "person"
            for button in message.get("buttons") or []:
                if len(reply.options) >= MAX_OPTIONS or not isinstance(button, dict):
                    continue
                title = self.clean(str(button.get("title") or "")).rstrip(".")
                payload = str(button.get("payload") or button.get("title") or "")
                if title and payload:
                    reply.options.append(SpokenOption(str(len(reply.options) + 1), title, payload))
            reply.handoff = HandoffRequest.from_payload(message.get("custom")) or reply.handoff
            if _asks_yes_no(message.get("custom")) and not reply.options:
                # a yes/no question: by voice, or 1 for yes and 2 for no (the assistant's intents)
                reply.options = [SpokenOption("1", self.catalogue.text("option_yes"), "/affirm"),
                                 SpokenOption("2", self.catalogue.text("option_no"), "/deny")]
        if reply.options and answer != "yes_no":
            # buttons: the caller must hear their keys; a yes/no is answered by voice (its keys, 1 and
            # 2, are said when the question is heard again: ivr.views)
            sentences.append(self.catalogue.text("options_intro"))
            sentences.extend(self.catalogue.text("option", digit=o.digit, title=o.title) for o in reply.options)
        reply.chunks = self.chunk(sentences)
        if answer is not None:
            reply.expects = answer
        elif reply.options or (sentences and sentences[-1].endswith("?")):
            reply.expects = "question"
        reply.offers_person_only = person_offer and texts == 1 and reply.handoff is None
        return reply

    def clean(self, text: str) -> str:
        """Plain speakable text: markup, emoji and the redaction token removed, links made sayable."""
        text = unicodedata.normalize("NFC", text)
        text = _LINK_MD.sub(lambda m: m.group(1), text)
        text = _HTML_TAG.sub(" ", text)
        text = _HEADING.sub("", text)
        text = _BULLET.sub("", text)
        text = _EMPHASIS.sub(lambda m: m.group(2), text)
        text = text.replace(REDACTED_TOKEN, "")
        text = _CASE_REFERENCE.sub(lambda m: "H D, " + " ".join(m.group(1)), text)  # read out, not as a word
        text = _WORD.sub(self._say_email, text)
        text = _URL.sub(self._say_url, text)
        text = "".join(ch for ch in text if not _is_symbol(ch))
        return _SPACE_BEFORE_PUNCT.sub(r"\1", " ".join(text.split()))

    def sentences(self, text: str) -> list[str]:
        """``text`` cleaned and split into sentences (lines and list items count as sentences)."""
        out: list[str] = []
        for line in text.splitlines():
            line = self.clean(line)
            if not line:
                continue
            if line[-1] not in ".!?…:":
                line += "."
            out.extend(s.strip() for s in _SENTENCE_END.split(line) if s.strip())
        return out

    def chunk(self, sentences: list[str]) -> list[str]:
        """Sentences joined into chunks of at most ``max_chunk`` characters; overlong ones split at words."""
        chunks: list[str] = []
        current = ""
        for sentence in sentences:
            for piece in self._split_long(sentence):
                if current and len(current) + 1 + len(piece) > self.max_chunk:
                    chunks.append(current)
                    current = piece
                else:
                    current = f"{current} {piece}".strip()
        if current:
            chunks.append(current)
        return chunks

    def _split_long(self, sentence: str) -> list[str]:
        if len(sentence) <= self.max_chunk:
            return [sentence]
        pieces: list[str] = []
        current = ""
        for word in sentence.split(" "):
            word = word[: self.max_chunk]
            if current and len(current) + 1 + len(word) > self.max_chunk:
                pieces.append(current)
                current = word
            else:
                current = f"{current} {word}".strip()
        if current:
            pieces.append(current)
        return pieces

    def _say_email(self, match: re.Match) -> str:
        """A word that is an e-mail address (kernel.fields' rule) said with the words for "@" and "."."""
        word = match.group(0)
        address = word.strip(_AROUND_A_WORD)
        if not is_email(address):
            return word
        local, _, domain = address.partition("@")
        dot = f" {self.catalogue.text('spell_dot')} "
        spoken = f"{local} {self.catalogue.text('spell_at')} {domain.replace('.', dot)}"
        start = word.index(address)
        return word[:start] + spoken + word[start + len(address):]

    def _say_url(self, match: re.Match) -> str:
        dot = f" {self.catalogue.text('spell_dot')} "
        return match.group(1).rstrip("/").replace(".", dot).replace("/", " / ")


def _asks_yes_no(custom: Any) -> bool:
    """The assistant's marker on a spoken yes/no question (``custom: {answer: yes_no}`` in domain.yml)."""
    return isinstance(custom, dict) and custom.get("answer") == "yes_no"


def _is_symbol(ch: str) -> bool:
    """Emoji, pictographs and other symbols a voice must not read out."""
    if ch in "\u200d\ufe0f\ufe0e":
        return True
    category = unicodedata.category(ch)
    return category in ("So", "Cs", "Co") or (category == "Sk" and ord(ch) > 0x2000)

"""The prompt catalogues of the phone line: one YAML file per language, loaded and checked once, with
the facts of the letter (code lifetime from CODE_TTL_DAYS, the S11 contacts) from kernel.facts."""
from __future__ import annotations

import functools
import pathlib
from dataclasses import dataclass, field

import yaml

from kernel.catalogue import CatalogueError, check, folded
from kernel.catalogue import placeholders as _placeholders  # noqa: F401 (the prompt tests use it)
from kernel.facts import text_params
from kernel.fields import LANGUAGES

_DIR = pathlib.Path(__file__).resolve().parent
# Placeholders the phone line fills when it says a prompt; every other one must be a fact.
SPOKEN_VALUES = frozenset({"digit", "title", "spelled", "reference", "position", "minutes", "language", "reason",
                           "tried", "last", "agent", "back"})


@dataclass(frozen=True)
class Catalogue:
    """Every word the phone line says in one language, plus the voice settings of that language."""

    language: str
    entries: dict[str, str]
    facts: dict[str, str] = field(default_factory=dict)  # kernel.facts.text_params of the language

    @property
    def voice(self) -> str:
        return self.entries["voice"]

    @property
    def speech_language(self) -> str:
        """The BCP-47 tag Twilio's <Say> and <Gather> take (hu-HU, en-GB)."""
        return self.entries["language"]

    @property
    def queue(self) -> str:
        return self.entries["queue"]

    @property
    def hints(self) -> str:
        """The words a free-speech <Gather> should expect (the domain's words)."""
        return self.entries["hints"]

    @property
    def spelling_hints(self) -> str:
        """The words a spelling <Gather> should expect (symbol words, letter names, mail providers)."""
        return self.entries["hints_spelling"]

    @property
    def speech_model(self) -> str:
        return self.entries["speech_model"]

    def speech_timeout(self, spelling: bool = False, yes_no: bool = False) -> str:
        """Seconds of silence that end an answer: a whole number, as Twilio requires with a speechModel
        (a spelling waits longest, a yes or no least)."""
        if spelling:
            return self.entries["speech_timeout_spelling"]
        return self.entries["speech_timeout_yes_no" if yes_no else "speech_timeout"]

    def text(self, name: str, **values: object) -> str:
        """The prompt ``name`` with its {placeholders} filled in: the facts, then ``values``."""
        return self.entries[name].format(**{**self.facts, **values})


def _load(language: str) -> dict[str, str]:
    return folded(yaml.safe_load((_DIR / f"{language}.yml").read_text(encoding="utf-8")), f"{language}.yml")


@functools.cache
def catalogues() -> dict[str, Catalogue]:
    """Both catalogues, checked to have the same keys and the same placeholders per key, each one a
    fact or a value the phone line fills; the facts are read from the environment (a bad
    CODE_TTL_DAYS raises kernel.settings.SettingsError)."""
    loaded = {lang: _load(lang) for lang in LANGUAGES}
    facts = {lang: text_params(lang) for lang in LANGUAGES}
    check(loaded, {lang: SPOKEN_VALUES | facts[lang].keys() for lang in loaded})
    return {lang: Catalogue(lang, entries, facts[lang]) for lang, entries in loaded.items()}


def catalogue(language: str | None) -> Catalogue:
    """The catalogue of ``language``; Hungarian for anything unknown (Hungarian first)."""
    all_ = catalogues()
    return all_.get(language or "hu", all_["hu"])

"""The prompt catalogues of the phone line: one YAML file per language, loaded and checked once."""
from __future__ import annotations

import functools
import pathlib
import string
from dataclasses import dataclass

import yaml

LANGUAGES = ("hu", "en")
_DIR = pathlib.Path(__file__).resolve().parent


class CatalogueError(ValueError):
    """A catalogue file is missing a key, has an extra one, or a placeholder that differs."""


@dataclass(frozen=True)
class Catalogue:
    """Every word the phone line says in one language, plus the voice settings of that language."""

    language: str
    entries: dict[str, str]

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
        return self.entries["hints"]

    def text(self, name: str, **values: object) -> str:
        """The prompt ``name`` with its {placeholders} filled in."""
        template = self.entries[name]
        return template.format(**values) if values else template


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _load(language: str) -> dict[str, str]:
    raw = yaml.safe_load((_DIR / f"{language}.yml").read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise CatalogueError(f"{language}.yml: not a mapping")
    return {str(k): " ".join(str(v).split()) for k, v in raw.items()}


@functools.cache
def catalogues() -> dict[str, Catalogue]:
    """Both catalogues, checked to have the same keys and the same placeholders per key."""
    loaded = {lang: _load(lang) for lang in LANGUAGES}
    reference = loaded[LANGUAGES[0]]
    for lang, entries in loaded.items():
        missing = set(reference) ^ set(entries)
        if missing:
            raise CatalogueError(f"{lang}.yml: keys differ from {LANGUAGES[0]}.yml: {sorted(missing)}")
        for key, template in entries.items():
            if _placeholders(template) != _placeholders(reference[key]):
                raise CatalogueError(f"{lang}.yml: placeholders of {key!r} differ from {LANGUAGES[0]}.yml")
    return {lang: Catalogue(lang, entries) for lang, entries in loaded.items()}


def catalogue(language: str | None) -> Catalogue:
    """The catalogue of ``language``; Hungarian for anything unknown (Hungarian first)."""
    all_ = catalogues()
    return all_.get(language or "hu", all_["hu"])

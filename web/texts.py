"""The chat widget's text catalogues (web/catalogue/<language>.yml), loaded and checked once, with
the facts of the letter (code lifetime, S11 contacts) filled in from kernel.facts."""
from __future__ import annotations

import functools
import json
import pathlib
import string
from typing import Mapping, Optional

import yaml

from kernel.facts import text_params
from kernel.fields import LANGUAGES

CATALOGUE_DIR = pathlib.Path(__file__).resolve().parent / "catalogue"
# Placeholders the widget itself fills when it shows a text (web/static/widget.js, `t(key, values)`).
WIDGET_PLACEHOLDERS = frozenset({"reference", "position", "name"})


class CatalogueError(ValueError):
    """A catalogue file is missing a key, has an extra one, or a placeholder nobody fills."""


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@functools.cache
def catalogue(language: str) -> dict[str, str]:
    """The raw texts of ``language`` (white space folded), placeholders not yet filled."""
    raw = yaml.safe_load((CATALOGUE_DIR / f"{language}.yml").read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise CatalogueError(f"{language}.yml: not a mapping")
    return {str(k): " ".join(str(v).split()) for k, v in raw.items()}


def check_catalogues(catalogues: Mapping[str, Mapping[str, str]], facts: Mapping[str, str]) -> None:
    """Every language has the same keys with the same placeholders, each one filled by ``facts`` or the widget."""
    (first, reference), *others = catalogues.items()
    for language, entries in others:
        if entries.keys() != reference.keys():
            differ = sorted(reference.keys() ^ entries.keys())
            raise CatalogueError(f"{language}.yml and {first}.yml differ in keys: {', '.join(differ)}")
        for key, text in entries.items():
            if _placeholders(text) != _placeholders(reference[key]):
                raise CatalogueError(f"{language}.yml: {key} has other placeholders than in {first}.yml")
    for language, entries in catalogues.items():
        for key, text in entries.items():
            unknown = _placeholders(text) - WIDGET_PLACEHOLDERS - facts.keys()
            if unknown:
                raise CatalogueError(f"{language}.yml: {key} has unknown placeholders {sorted(unknown)}")


class _KeepWidgetPlaceholders(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def widget_texts(language: str, env: Optional[Mapping[str, str]] = None) -> dict[str, str]:
    """The widget's texts in ``language`` with the facts filled in; {reference}, {position}, {name} stay."""
    facts = text_params(language, env)
    check_catalogues({lang: catalogue(lang) for lang in LANGUAGES}, facts)
    values = _KeepWidgetPlaceholders(facts)
    return {key: text.format_map(values) for key, text in catalogue(language).items()}


def all_widget_texts(env: Optional[Mapping[str, str]] = None) -> dict[str, dict[str, str]]:
    """Language -> that language's widget texts, for every language of the help desk."""
    return {language: widget_texts(language, env) for language in LANGUAGES}


def as_script(texts: Mapping[str, Mapping[str, str]]) -> str:
    """``texts`` as a JavaScript object literal that is safe inside an HTML <script> too."""
    return json.dumps(texts, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")

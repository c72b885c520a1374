"""The chat widget's text catalogues (web/catalogue/<language>.yml), loaded and checked once, with
the facts of the letter (code lifetime, S11 contacts) filled in from kernel.facts."""
from __future__ import annotations

import functools
import json
import pathlib
from typing import Mapping, Optional

import yaml

from kernel.catalogue import CatalogueError, check, folded
from kernel.facts import text_params
from kernel.fields import LANGUAGES

__all__ = ["CatalogueError", "catalogue", "check_catalogues", "widget_texts", "all_widget_texts", "as_script"]

CATALOGUE_DIR = pathlib.Path(__file__).resolve().parent / "catalogue"
# Placeholders the widget itself fills when it shows a text (web/static/widget.js, `t(key, values)`).
WIDGET_PLACEHOLDERS = frozenset({"reference", "position", "name", "n", "back", "minutes"})


@functools.cache
def catalogue(language: str) -> dict[str, str]:
    """The raw texts of ``language`` (white space folded), placeholders not yet filled."""
    raw = yaml.safe_load((CATALOGUE_DIR / f"{language}.yml").read_text(encoding="utf-8"))
    return folded(raw, f"{language}.yml")


def check_catalogues(catalogues: Mapping[str, Mapping[str, str]], facts: Mapping[str, str]) -> None:
    """Every language has the same keys with the same placeholders, each one filled by ``facts`` or the widget."""
    check(catalogues, {language: WIDGET_PLACEHOLDERS | facts.keys() for language in catalogues})


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

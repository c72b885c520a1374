"""The agent console's texts (agents/texts/<language>.yml) and the agent's language.

The agent's language is the one chosen in the console's header (kept in the session cookie), else
the browser's ``Accept-Language``, else Hungarian. Facts of the letter (``{days}``) come from
kernel.facts; the console fills its own placeholders (a name, a number) when it shows a text."""
from __future__ import annotations

import functools
import pathlib

import yaml
from flask import request, session

from kernel.catalogue import CatalogueError, check, folded
from kernel.facts import text_params
from kernel.fields import LANGUAGES

CATALOGUE_DIR = pathlib.Path(__file__).resolve().parent / "texts"
__all__ = ["CatalogueError", "catalogue", "agent_language", "choose_language", "text", "script_texts"]
SESSION_KEY = "agents_language"
DEFAULT_LANGUAGE = "hu"


@functools.cache
def catalogue(language: str) -> dict[str, str]:
    """The texts of ``language``, every language checked against Hungarian once."""
    texts = {lang: folded(yaml.safe_load((CATALOGUE_DIR / f"{lang}.yml").read_text(encoding="utf-8")), f"{lang}.yml")
             for lang in (DEFAULT_LANGUAGE, *(lang for lang in LANGUAGES if lang != DEFAULT_LANGUAGE))}
    check(texts)
    return texts[language if language in texts else DEFAULT_LANGUAGE]


def agent_language() -> str:
    """The language the current agent reads the console in."""
    chosen = session.get(SESSION_KEY)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def choose_language(language: str) -> None:
    """Remember the agent's choice for this console session (a language the console has)."""
    if language in LANGUAGES:
        session[SESSION_KEY] = language


def text(key: str, language: str | None = None, **params: object) -> str:
    """The text ``key`` in ``language`` (default: the agent's), facts and ``params`` filled in."""
    lang = language or agent_language()
    return catalogue(lang)[key].format(**{**text_params(lang), **params})


def script_texts(prefixes: tuple[str, ...]) -> dict[str, str]:
    """The raw texts the console's script needs (keys starting with ``prefixes``), agent's language."""
    return {k: v for k, v in catalogue(agent_language()).items() if k.startswith(prefixes)}

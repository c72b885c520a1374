"""Checks shared by every text catalogue (the phone line's prompts, the widget's and the console's
texts): each language has the same keys with the same ``{placeholders}``, and every placeholder is
one something fills. Reading the files (YAML) stays with each room; this module gets their contents."""
from __future__ import annotations

import string
from typing import AbstractSet, Mapping, Optional


class CatalogueError(ValueError):
    """A catalogue is not a mapping, misses or adds a key, or has a placeholder that differs or that
    nothing fills; the message names the file and the key."""


def placeholders(template: str) -> frozenset[str]:
    """The ``{names}`` a template asks for."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)


def folded(raw: object, name: str) -> dict[str, str]:
    """A catalogue file's contents as key -> text, white space folded to single spaces."""
    if not isinstance(raw, dict):
        raise CatalogueError(f"{name}: not a mapping")
    return {str(k): " ".join(str(v).split()) for k, v in raw.items()}


def check(catalogues: Mapping[str, Mapping[str, str]],
          fills: Optional[Mapping[str, AbstractSet[str]]] = None) -> None:
    """Every language's catalogue against the first one's keys and placeholders; with ``fills``
    (language -> the placeholders filled for it), no placeholder beyond those."""
    (first, reference), *others = catalogues.items()
    for language, entries in others:
        if entries.keys() != reference.keys():
            differ = sorted(reference.keys() ^ entries.keys())
            raise CatalogueError(f"{language}.yml and {first}.yml differ in keys: {', '.join(differ)}")
        for key, text in entries.items():
            if placeholders(text) != placeholders(reference[key]):
                raise CatalogueError(f"{language}.yml: {key} has other placeholders than in {first}.yml")
    for language, entries in catalogues.items() if fills is not None else ():
        for key, text in entries.items():
            unknown = placeholders(text) - fills[language]
            if unknown:
                raise CatalogueError(f"{language}.yml: {key} has unknown placeholders {sorted(unknown)}")

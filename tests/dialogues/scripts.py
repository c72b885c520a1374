"""Loader and checker of the shared dialogue scripts (tests/dialogues/*.yml, see README.md)."""
from __future__ import annotations

import pathlib
from dataclasses import dataclass, field

import yaml

DIR = pathlib.Path(__file__).resolve().parent
CHANNELS = ("chat", "phone")


@dataclass(frozen=True)
class DialogueStep:
    say: str | None = None
    press: str | None = None
    expect: tuple[str, ...] = ()


@dataclass(frozen=True)
class Dialogue:
    name: str
    language: str
    rules: tuple[str, ...]
    channels: tuple[str, ...]
    steps: tuple[DialogueStep, ...] = field(default_factory=tuple)
    path: pathlib.Path | None = None
    # The account the dialogue needs at the document office ({username, email, legal_name}), and
    # whether it ends with a new-code mail in the SMTP sink (the runner checks the sink).
    account: dict | None = None
    expect_new_code_mail: bool = False


def _step(raw: dict, where: str) -> DialogueStep:
    if not isinstance(raw, dict) or ("say" in raw) == ("press" in raw):
        raise ValueError(f"{where}: a step has exactly one of 'say' or 'press'")
    expect = raw.get("expect_intent_or_text_contains", ())
    expect = (expect,) if isinstance(expect, str) else tuple(str(e) for e in expect)
    return DialogueStep(say=raw.get("say"), press=None if raw.get("press") is None else str(raw["press"]),
                        expect=expect)


def load_dialogue(path: pathlib.Path) -> Dialogue:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or raw.get("language") not in ("hu", "en") or not raw.get("steps"):
        raise ValueError(f"{path.name}: needs name, language (hu|en) and steps")
    channels = tuple(raw.get("channels") or CHANNELS)
    if set(channels) - set(CHANNELS):
        raise ValueError(f"{path.name}: unknown channel in {channels}")
    steps = tuple(_step(s, f"{path.name} step {i + 1}") for i, s in enumerate(raw["steps"]))
    account = raw.get("account")
    if account is not None and (not isinstance(account, dict) or {"username", "email", "legal_name"} - set(account)):
        raise ValueError(f"{path.name}: account needs username, email and legal_name")
    return Dialogue(name=str(raw.get("name") or path.stem), language=raw["language"],
                    rules=tuple(raw.get("rules") or ()), channels=channels, steps=steps, path=path,
                    account=account, expect_new_code_mail=bool(raw.get("expect_new_code_mail")))


def load_dialogues(channel: str | None = None) -> list[Dialogue]:
    """Every dialogue script, optionally only those replayed on ``channel``."""
    dialogues = [load_dialogue(p) for p in sorted(DIR.glob("*.yml"))]
    return [d for d in dialogues if channel is None or channel in d.channels]


def expectation_met(expected: tuple[str, ...], intent: str | None, texts: list[str]) -> bool:
    """True when no expectation is set, or one of them is the intent or occurs in the texts."""
    if not expected:
        return True
    heard = " ".join(texts).casefold()
    return any(e == intent or e.casefold() in heard for e in expected)

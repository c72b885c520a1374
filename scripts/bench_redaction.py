#!/usr/bin/env python
"""Benchmark of the secret redaction (kernel/redaction.py) on a labelled corpus (app or engine env).

    .venv/app/bin/python scripts/bench_redaction.py [--corpus tests/data/redaction_corpus.yml] [--no-write]

Two figures: the share of secrets caught (the secret no longer appears in the redacted text) and the
share of ordinary help-desk messages left unchanged. The secrets are the corpus's classes (every
password and code in every template of its language, and the hand-written cases, some of them
answers to the bot's password-field question); the ordinary messages are the corpus's own plus every
example of data/nlu/*.yml that holds no secret. Writes the section "Secret redaction" of
docs/BENCHMARKS.md (other sections are kept).
"""
from __future__ import annotations

import argparse
import pathlib
import re
import sys
from dataclasses import dataclass
from typing import Iterator

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kernel.redaction import REDACTION_TOKEN, redact  # noqa: E402 (needs ROOT on sys.path)
from scripts.benchdoc import measured_on, publish  # noqa: E402

SECTION = "Secret redaction"
CORPUS = ROOT / "tests" / "data" / "redaction_corpus.yml"
NLU = ROOT / "data" / "nlu"
_ANNOTATION = re.compile(r"\[([^\]]+)\]\((?:[^)]+)\)|\[([^\]]+)\]\{[^}]*\}")


@dataclass(frozen=True)
class Secret:
    text: str
    secret: str
    expecting_secret: bool = False


def secrets(corpus: dict) -> Iterator[Secret]:
    """Every labelled secret: the classes (values × templates) and the hand-written cases."""
    for value in corpus.get("passwords", []):
        for template in corpus.get("password_templates", []):
            yield Secret(template.format(secret=value), value)
    for value in corpus.get("codes", []):
        for template in corpus.get("code_templates", []):
            yield Secret(template.format(secret=value), value.rstrip("-"))
    for case in corpus.get("secrets", []):
        yield Secret(case["text"], case["secret"], bool(case.get("expecting_secret")))


def nlu_examples(folder: pathlib.Path = NLU) -> Iterator[str]:
    """The plain text of every training example that holds no secret (annotations removed)."""
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            if "intent" not in block or block["intent"] == "shared_secret":
                continue
            for line in str(block.get("examples") or "").splitlines():
                text = line.strip()
                if not text.startswith("- "):
                    continue
                text = _ANNOTATION.sub(lambda m: m.group(1) or m.group(2), text[2:].strip())
                if REDACTION_TOKEN not in text:
                    yield text


def ordinary(corpus: dict) -> Iterator[tuple[str, bool]]:
    """``(message, expecting_secret)`` pairs that must come back unchanged."""
    for text in corpus.get("ordinary", []):
        yield text, False
    for text in corpus.get("ordinary_answers", []):
        yield text, True
    for text in nlu_examples():
        yield text, False


def caught(case: Secret) -> bool:
    redacted, kinds = redact(case.text, expecting_secret=case.expecting_secret)
    return bool(kinds) and case.secret not in redacted


def unchanged(text: str, expecting_secret: bool) -> bool:
    return redact(text, expecting_secret=expecting_secret)[1] == []


def measure(corpus: dict) -> dict:
    """The two figures and the cases each one missed."""
    all_secrets = list(secrets(corpus))
    all_ordinary = list(dict.fromkeys(ordinary(corpus)))
    missed = [c for c in all_secrets if not caught(c)]
    changed = [(t, e) for t, e in all_ordinary if not unchanged(t, e)]
    # The same ordinary messages as answers to the bot's password-field question (a user who asks for
    # a person instead, or says something else): the whole-answer rule must leave them alone too.
    after_question = [t for t, e in all_ordinary if not e]
    changed_after_question = [t for t in after_question if not unchanged(t, True)]
    return {
        "after_question": len(after_question), "changed_after_question": changed_after_question,
        "unchanged_after_question_share": 1 - len(changed_after_question) / len(after_question),
        "secrets": len(all_secrets), "missed": missed,
        "ordinary": len(all_ordinary), "changed": changed,
        "caught_share": 1 - len(missed) / len(all_secrets),
        "unchanged_share": 1 - len(changed) / len(all_ordinary),
    }


def report(result: dict) -> str:
    lines = [
        f"## {SECTION}",
        "",
        f"{measured_on()}, `scripts/bench_redaction.py` over `tests/data/redaction_corpus.yml` and the "
        "examples of `data/nlu/*.yml`: kernel/redaction.py as the input channels apply it (S7, S8).",
        "",
        "| figure | messages | share |",
        "|---|---|---|",
        f"| secrets caught (the secret is gone from the stored text) | {result['secrets']} | "
        f"{result['caught_share']:.1%} |",
        f"| ordinary help-desk messages left unchanged | {result['ordinary']} | {result['unchanged_share']:.1%} |",
        f"| the same, as the answer to the bot's password-field question | {result['after_question']} | "
        f"{result['unchanged_after_question_share']:.1%} |",
        "",
        "After the password-field question a one-word answer that may be the password (secret-shaped, or a "
        "plain ASCII word of six letters or more that is no ordinary answer) is hidden whole: the third "
        "figure is what that costs ordinary messages (the bot then warns and asks again).",
    ]
    if result["missed"]:
        lines += ["", "Secrets missed: " + "; ".join(f"`{c.text}`" for c in result["missed"][:10])]
    if result["changed"]:
        lines += ["", "Ordinary messages changed: " + "; ".join(f"`{t}`" for t, _ in result["changed"][:10])]
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=pathlib.Path, default=CORPUS)
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "docs" / "BENCHMARKS.md")
    parser.add_argument("--no-write", action="store_true", help="print only, do not touch docs/BENCHMARKS.md")
    args = parser.parse_args(argv)
    corpus = yaml.safe_load(args.corpus.read_text(encoding="utf-8"))
    publish(report(measure(corpus)), SECTION, args.out, write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""NLU cross-validation of the assistant, per language (engine env).

    .venv/engine/bin/python scripts/nlu_crossval.py [--folds 5] [--seed 42] [--no-write]

Splits data/nlu into stratified folds (by intent and language, from each example block's
``metadata: {language: ...}``), trains the NLU pipeline of config.yml on each training part (without
its FallbackClassifier, so the raw confidence is measured) and parses the held-out part. Reports
intent macro-F1 per language, the most frequent confusion pairs, out_of_scope recall, and the
FallbackClassifier threshold that maximises correct accepts minus twice the wrong accepts over all
folds (a wrong answer costs the user more than being asked to rephrase).
Writes the section "NLU cross-validation" of docs/BENCHMARKS.md (other sections are kept).
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import logging
import os
import pathlib
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Iterable

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.benchdoc import measured_on, publish  # noqa: E402 (needs ROOT on sys.path)
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Rasa's training cache would reuse components of an earlier run on the same fold: the training
# time reported below would then be a cache lookup.
os.environ.setdefault("RASA_MAX_CACHE_SIZE", "0")

SECTION = "NLU cross-validation"
FALLBACK = "nlu_fallback"
OUT_OF_SCOPE = "out_of_scope"


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    language: str
    entities: tuple[tuple[str, str], ...] = ()  # (entity type, value) as annotated


@dataclass(frozen=True)
class Prediction:
    example: Example
    intent: str
    confidence: float
    fold: int
    entities: tuple[tuple[str, str], ...] = ()  # (entity type, value) as extracted, duplicates merged


def load_examples(data: pathlib.Path) -> tuple[list[Example], list, object]:
    """Every intent example of ``data`` with its block's language (``unknown`` when missing),
    the matching Rasa messages, and the whole training data."""
    from rasa.shared.nlu.training_data.loading import load_data

    training_data = load_data(str(data))
    examples, messages = [], []
    for message in training_data.intent_examples:
        messages.append(message)
        metadata = message.get("metadata") or {}
        language = ((metadata.get("intent") or {}).get("language")
                    or (metadata.get("example") or {}).get("language") or "unknown")
        gold = tuple(sorted({(e["entity"], str(e["value"])) for e in message.get("entities") or []}))
        examples.append(Example(message.get("text"), message.get("intent"), str(language), gold))
    return examples, messages, training_data


def stratified_folds(examples: list[Example], folds: int, seed: int) -> list[list[int]]:
    """Indices per fold; each (intent, language) group is spread evenly over the folds."""
    groups: dict[tuple[str, str], list[int]] = collections.defaultdict(list)
    for index, example in enumerate(examples):
        groups[(example.intent, example.language)].append(index)
    rng = random.Random(seed)
    buckets: list[list[int]] = [[] for _ in range(folds)]
    offset = 0
    for key in sorted(groups):
        members = groups[key]
        rng.shuffle(members)
        for position, index in enumerate(members):
            buckets[(position + offset) % folds].append(index)
        offset += len(members)  # rotate so small groups do not all start in fold 0
    return buckets


def config_without_fallback(config: pathlib.Path, target: pathlib.Path) -> None:
    """config.yml without its FallbackClassifier (we want the raw confidences)."""
    import yaml

    content = yaml.safe_load(config.read_text(encoding="utf-8"))
    content["pipeline"] = [c for c in content.get("pipeline", []) if c.get("name") != "FallbackClassifier"]
    target.write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False), encoding="utf-8")


def write_split(training_data, held_out: set[int], target: pathlib.Path) -> None:
    """The full NLU data (regexes, lookups, synonyms) without the held-out intent examples."""
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
    from rasa.shared.nlu.training_data.training_data import TrainingData

    kept = [m for m in training_data.training_examples if id(m) not in held_out]
    subset = TrainingData(
        training_examples=kept,
        entity_synonyms=training_data.entity_synonyms,
        regex_features=training_data.regex_features,
        lookup_tables=training_data.lookup_tables,
    )
    target.write_text(RasaYAMLWriter().dumps(subset), encoding="utf-8")


async def _parse_all(model: str, examples: Iterable[Example], fold: int) -> list[Prediction]:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    predictions = []
    for example in examples:
        parsed = await agent.parse_message(example.text)
        intent = parsed.get("intent") or {}
        found = tuple(sorted({(e["entity"], str(e["value"])) for e in parsed.get("entities") or []}))
        predictions.append(Prediction(example, intent.get("name") or "", float(intent.get("confidence") or 0.0), fold,
                                      found))
    return predictions


def cross_validate(examples: list[Example], messages: list, training_data, config: pathlib.Path, folds: int, seed: int,
                   work: pathlib.Path) -> tuple[list[Prediction], list[float]]:
    from rasa.model_training import train_nlu

    buckets = stratified_folds(examples, folds, seed)
    plain_config = work / "config.yml"
    config_without_fallback(config, plain_config)
    predictions: list[Prediction] = []
    train_seconds = []
    for fold, test_indices in enumerate(buckets):
        split = work / f"fold{fold}.yml"
        write_split(training_data, {id(messages[i]) for i in test_indices}, split)
        started = time.monotonic()
        model = train_nlu(str(plain_config), str(split), str(work / "models"), fixed_model_name=f"fold{fold}")
        train_seconds.append(time.monotonic() - started)
        if not model:
            raise SystemExit(f"training fold {fold} failed")
        held_out = [examples[i] for i in test_indices]
        predictions += asyncio.run(_parse_all(model, held_out, fold))
        print(f"fold {fold + 1}/{folds}: trained in {train_seconds[-1]:.0f} s, {len(held_out)} held out", flush=True)
    return predictions, train_seconds


# --- metrics -----------------------------------------------------------------------------------


def macro_f1(predictions: list[Prediction]) -> tuple[float, dict[str, float]]:
    """Macro-F1 over the gold intents of ``predictions`` (and per-intent F1)."""
    labels = sorted({p.example.intent for p in predictions})
    scores = {}
    for label in labels:
        tp = sum(1 for p in predictions if p.intent == label and p.example.intent == label)
        fp = sum(1 for p in predictions if p.intent == label and p.example.intent != label)
        fn = sum(1 for p in predictions if p.intent != label and p.example.intent == label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores[label] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return (sum(scores.values()) / len(scores) if scores else 0.0), scores


def entity_scores(predictions: list[Prediction]) -> dict[str, tuple[float, float, float, int]]:
    """Per entity type: precision, recall and F1 of exact (type, value) matches, and the gold count."""
    scores = {}
    for name in sorted({n for p in predictions for n, _ in (*p.example.entities, *p.entities)}):
        gold = [(i, v) for i, p in enumerate(predictions) for n, v in p.example.entities if n == name]
        found = [(i, v) for i, p in enumerate(predictions) for n, v in p.entities if n == name]
        hits = len(set(gold) & set(found))
        precision = hits / len(found) if found else 0.0
        recall = hits / len(gold) if gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[name] = (precision, recall, f1, len(gold))
    return scores


# A wrong answer (the bot confidently answers another topic) costs the user more than a re-prompt
# (nlu_fallback: "could you put it another way?"), so a wrong accept counts double.
WRONG_ACCEPT_COST = 2


def best_threshold(predictions: list[Prediction]) -> tuple[float, list[tuple[float, int, int]]]:
    """The FallbackClassifier threshold maximising correct accepts minus WRONG_ACCEPT_COST × wrong accepts."""
    curve = []
    for step in range(5, 96):
        threshold = step / 100
        accepted = [p for p in predictions if p.confidence >= threshold]
        correct = sum(1 for p in accepted if p.intent == p.example.intent)
        curve.append((threshold, correct, len(accepted) - correct))
    best = max(curve, key=lambda row: (row[1] - WRONG_ACCEPT_COST * row[2], -row[0]))
    return best[0], curve


def report(predictions: list[Prediction], train_seconds: list[float], folds: int, seed: int, config: pathlib.Path) -> str:
    import rasa

    languages = sorted({p.example.language for p in predictions})
    lines = [f"## {SECTION}", ""]
    lines += [
        f"{measured_on()}, "
        f"Rasa {rasa.__version__}, by `scripts/nlu_crossval.py` ({folds} folds stratified by intent and language, "
        f"seed {seed}; pipeline of `{config.name}` without its FallbackClassifier; "
        f"{len(predictions)} examples; training {sum(train_seconds) / len(train_seconds):.0f} s per fold; "
        f"data and config {_data_version()}).",
        "",
        "| language | examples | intent macro-F1 | accuracy | target |",
        "|---|---|---|---|---|",
    ]
    for language in languages:
        subset = [p for p in predictions if p.example.language == language]
        f1, _ = macro_f1(subset)
        accuracy = sum(p.intent == p.example.intent for p in subset) / len(subset)
        target = "≥ 0.95 " + ("met" if f1 >= 0.95 else "**not met**") if language in ("hu", "en") else ""
        lines.append(f"| {language} | {len(subset)} | {f1:.3f} | {accuracy:.3f} | {target} |")
    overall, per_intent = macro_f1(predictions)
    lines.append(f"| all | {len(predictions)} | {overall:.3f} | "
                 f"{sum(p.intent == p.example.intent for p in predictions) / len(predictions):.3f} | |")

    lines += ["", "Weakest intents (F1 over both languages):", ""]
    for intent, score in sorted(per_intent.items(), key=lambda kv: kv[1])[:6]:
        lines.append(f"- `{intent}` {score:.3f}")

    confusions = collections.Counter(
        (p.example.intent, p.intent, p.example.language) for p in predictions if p.intent != p.example.intent
    )
    lines += ["", "Top confusion pairs (gold → predicted):", "", "| gold | predicted | language | count |", "|---|---|---|---|"]
    for (gold, predicted, language), count in confusions.most_common(12):
        lines.append(f"| {gold} | {predicted} | {language} | {count} |")
    if not confusions:
        lines.append("| – | – | – | 0 |")

    entities = entity_scores(predictions)
    if entities:
        lines += ["", "Entities (exact type and value, held-out examples of every intent; values the extractors "
                  "find where none is annotated count against precision):", "",
                  "| entity | annotated | precision | recall | F1 |", "|---|---|---|---|---|"]
        for name, (precision, recall, f1, count) in entities.items():
            lines.append(f"| {name} | {count} | {precision:.3f} | {recall:.3f} | {f1:.3f} |")

    threshold, curve = best_threshold(predictions)
    oos = [p for p in predictions if p.example.intent == OUT_OF_SCOPE]
    if oos:
        recall = sum(p.intent == OUT_OF_SCOPE for p in oos) / len(oos)
        safe = sum(p.intent == OUT_OF_SCOPE or p.confidence < threshold for p in oos) / len(oos)
        lines += ["", f"out_of_scope recall: **{recall:.3f}** ({len(oos)} examples); handled safely "
                      f"(out_of_scope or below the recommended threshold, i.e. nlu_fallback): {safe:.3f}."]
    by_threshold = {round(t, 2): (c, w) for t, c, w in curve}
    current = _configured_threshold(config)
    lines += [
        "",
        f"Recommended FallbackClassifier threshold: **{threshold:.2f}** (maximises correct accepts − "
        f"{WRONG_ACCEPT_COST} × wrong accepts over all held-out predictions; config.yml has {current}).",
        "",
        "| threshold | correct accepts | wrong accepts | rejected (→ nlu_fallback) |",
        "|---|---|---|---|",
    ]
    for t in sorted({0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 0.8, round(threshold, 2)}):
        correct, wrong = by_threshold[round(t, 2)]
        lines.append(f"| {t:.2f} | {correct} | {wrong} | {len(predictions) - correct - wrong} |")
    lines.append("")
    return "\n".join(lines)


def _data_version() -> str:
    """The commit the NLU data and config come from, and whether they had local changes."""
    import subprocess

    def git(*args: str) -> str:
        result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return result.stdout.strip() if result.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", "data/nlu", "config.yml")
    return f"of commit {commit}" + (" plus uncommitted changes" if dirty else "")


def _configured_threshold(config: pathlib.Path) -> str:
    import yaml

    for component in yaml.safe_load(config.read_text(encoding="utf-8")).get("pipeline", []):
        if component.get("name") == "FallbackClassifier":
            return str(component.get("threshold", 0.3))
    return "no FallbackClassifier"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--config", type=pathlib.Path, default=ROOT / "config.yml")
    parser.add_argument("--data", type=pathlib.Path, default=ROOT / "data" / "nlu")
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "docs" / "BENCHMARKS.md")
    parser.add_argument("--no-write", action="store_true", help="print the section only")
    args = parser.parse_args(argv)
    if args.folds < 2:
        parser.error("--folds must be at least 2")
    logging.basicConfig(level=logging.WARNING)
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # unconfigured, structlog prints every parse at debug level

    examples, messages, training_data = load_examples(args.data)
    if not examples:
        raise SystemExit(f"no intent examples in {args.data}")
    with tempfile.TemporaryDirectory(prefix="nlu-cv-") as work:
        predictions, train_seconds = cross_validate(examples, messages, training_data, args.config, args.folds, args.seed,
                                                    pathlib.Path(work))
    section = report(predictions, train_seconds, args.folds, args.seed, args.config)
    publish(section, SECTION, args.out, write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())

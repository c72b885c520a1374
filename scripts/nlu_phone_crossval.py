#!/usr/bin/env python
"""Intent accuracy on phone transcripts beside typed messages, cross-validated (engine env; issue #13).

    .venv/engine/bin/python scripts/nlu_phone_crossval.py [--folds 5] [--seed 42] [--full] [--no-write]

The same folds as scripts/nlu_crossval.py (its functions): every intent example is held out once.
By default each fold trains the pipeline's intent classifier itself (bot/nlu/linear_intent.py, with
config.yml's settings, exactly as Rasa trains it: the intent depends on the text alone), which takes
seconds; ``--full`` trains the whole Rasa pipeline per fold as nlu_crossval.py does (minutes per fold). The phone-style examples are the blocks of data/nlu marked ``style: phone`` (lowercase, no
punctuation, fillers, number words, run-ons, split or misheard domain words, spelled usernames and
spoken addresses); the others are the typed ones. Reports the intent accuracy of each per language
(target: phone ≥ 0.95 in each language) and the phone examples it got wrong. Writes the section
"NLU on phone transcripts" of docs/BENCHMARKS.md.
"""
from __future__ import annotations

import argparse
import logging
import pathlib
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.benchdoc import measured_on, publish  # noqa: E402
from scripts.nlu_crossval import cross_validate, load_examples  # noqa: E402

SECTION = "NLU on phone transcripts"
TARGET = 0.95


def phone_texts(data: pathlib.Path) -> set[tuple[str, str]]:
    """(text, intent) of every example in a block marked ``style: phone``."""
    import yaml

    found: set[tuple[str, str]] = set()
    for path in sorted(data.glob("*.yml")):
        for entry in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if (entry.get("metadata") or {}).get("style") != "phone" or "intent" not in entry:
                continue
            for line in str(entry.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    found.add((line[2:].strip(), entry["intent"]))
    return found


def classifier_cross_validate(examples, config_path: pathlib.Path, folds: int, seed: int) -> list:
    """Held-out predictions of the pipeline's intent classifier, trained per fold as Rasa trains it."""
    import yaml
    from scipy.sparse import hstack
    from sklearn.linear_model import LogisticRegression

    from bot.nlu.linear_intent import LinearIntentClassifier, _vectorizers, fold_text
    from scripts.nlu_crossval import Prediction, stratified_folds

    settings = LinearIntentClassifier.get_default_config()
    for component in yaml.safe_load(config_path.read_text(encoding="utf-8")).get("pipeline", []):
        if component.get("name", "").endswith("LinearIntentClassifier"):
            settings.update({k: v for k, v in component.items() if k != "name"})
    folded = [fold_text(e.text) for e in examples]
    predictions = []
    for fold, held_out in enumerate(stratified_folds(examples, folds, seed)):
        test = set(held_out)
        train = [i for i in range(len(examples)) if i not in test]
        vectorizers = _vectorizers(settings)
        features = hstack([v.fit_transform([folded[i] for i in train]) for v in vectorizers]).tocsr()
        model = LogisticRegression(C=float(settings["C"]), max_iter=int(settings["max_iter"]),
                                   random_state=settings["random_state"], solver="lbfgs").fit(
            features, [examples[i].intent for i in train])
        test_features = hstack([v.transform([folded[i] for i in held_out]) for v in vectorizers]).tocsr()
        for index, label, probabilities in zip(held_out, model.predict(test_features),
                                               model.predict_proba(test_features)):
            predictions.append(Prediction(examples[index], str(label), float(max(probabilities)), fold))
        print(f"fold {fold + 1}/{folds}: {len(held_out)} held out", flush=True)
    return predictions


def report(predictions, phone: set[tuple[str, str]], folds: int, seed: int, full: bool) -> str:
    how = ("the whole Rasa pipeline of config.yml trained per fold" if full else
           "the pipeline's intent classifier (`bot/nlu/linear_intent.py`, config.yml's settings) trained per fold "
           "as Rasa trains it")
    lines = [f"## {SECTION}", "", f"{measured_on()}; {folds}-fold cross-validation (seed {seed}), the folds of "
             f"\"NLU cross-validation\", {how} (`scripts/nlu_phone_crossval.py`). Phone transcripts are the `style: phone` "
             "blocks of `data/nlu/` (lowercase, no punctuation, fillers, number words, run-ons, split or misheard "
             "domain words, spelled usernames, spoken addresses); each held out once, like every other example.", "",
             "| language | typed examples | typed accuracy | phone examples | phone accuracy | phone target |",
             "|---|---|---|---|---|---|"]
    wrong = []
    for language in ("hu", "en"):
        subset = [p for p in predictions if p.example.language == language]
        typed = [p for p in subset if (p.example.text, p.example.intent) not in phone]
        spoken = [p for p in subset if (p.example.text, p.example.intent) in phone]
        typed_acc = sum(p.intent == p.example.intent for p in typed) / max(1, len(typed))
        phone_acc = sum(p.intent == p.example.intent for p in spoken) / max(1, len(spoken))
        verdict = "met" if phone_acc >= TARGET else "NOT met"
        lines.append(f"| {language} | {len(typed)} | {typed_acc:.3f} | {len(spoken)} | {phone_acc:.3f} | "
                     f"≥ {TARGET} {verdict} |")
        wrong += [p for p in spoken if p.intent != p.example.intent]
    if wrong:
        lines += ["", "Phone transcripts classified wrongly (gold → predicted):", ""]
        lines += [f"- `{p.example.text}` ({p.example.language}): {p.example.intent} → {p.intent}" for p in wrong[:20]]
    lines += ["", "The typed figures are the same run's other held-out examples (the \"NLU cross-validation\" "
              "section's figures come from the whole pipeline). The phone examples are written to look like "
              "Twilio's transcripts, not taken from real calls: recorded transcripts of real calls would be the "
              "stronger test."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--config", type=pathlib.Path, default=ROOT / "config.yml")
    parser.add_argument("--data", type=pathlib.Path, default=ROOT / "data" / "nlu")
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "docs" / "BENCHMARKS.md")
    parser.add_argument("--no-write", action="store_true", help="print the section only")
    parser.add_argument("--full", action="store_true", help="train the whole Rasa pipeline per fold (slow)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    examples, messages, training_data = load_examples(args.data)
    phone = phone_texts(args.data)
    if not phone:
        raise SystemExit(f"no `style: phone` blocks in {args.data}")
    if args.full:
        with tempfile.TemporaryDirectory(prefix="nlu-phone-cv-") as work:
            predictions, _ = cross_validate(examples, messages, training_data, args.config, args.folds, args.seed,
                                            pathlib.Path(work))
    else:
        predictions = classifier_cross_validate(examples, args.config, args.folds, args.seed)
    publish(report(predictions, phone, args.folds, args.seed, args.full), SECTION, args.out,
            write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())

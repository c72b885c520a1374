#!/usr/bin/env python
"""A fast stand-in for scripts/nlu_crossval.py while editing data/nlu (engine env, ~15 s).

    .venv/engine/bin/python scripts/nlu_quickcheck.py [--intent NAME | --errors] [--folds 5]

Same folds as nlu_crossval.py (stratified by intent and language, seed 42), but instead of training
the Rasa pipeline five times it fits a linear SVM on the features of the pipeline's intent classifier
(bot/nlu/linear_intent.py: accent-folded word and character n-grams) to each training part. Prints intent macro-F1 per language, the weakest intents,
the confusion pairs and, with --errors or --intent, every misclassified held-out example. The figure
tracks the real cross-validation closely enough to find ambiguous or thin intents; the number that
counts is nlu_crossval.py's, which docs/BENCHMARKS.md records.
"""
from __future__ import annotations

import argparse
import collections
import pathlib
import sys


ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))

from nlu_crossval import Example, load_examples, stratified_folds  # noqa: E402

def predict_held_out(examples: list[Example], folds: int, seed: int) -> list[str]:
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.svm import LinearSVC

    from bot.nlu.linear_intent import LinearIntentClassifier, _vectorizers, fold_text

    config = LinearIntentClassifier.get_default_config()
    folded = [fold_text(e.text) for e in examples]
    predicted = [""] * len(examples)
    for held_out in stratified_folds(examples, folds, seed):
        test = set(held_out)
        train = [i for i in range(len(examples)) if i not in test]
        model = make_pipeline(make_union(*_vectorizers(config)), LinearSVC(C=0.5)).fit(
            [folded[i] for i in train], [examples[i].intent for i in train])
        for index, label in zip(held_out, model.predict([folded[i] for i in held_out])):
            predicted[index] = label
    return predicted


def main(argv: list[str] | None = None) -> int:
    from sklearn.metrics import f1_score

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=pathlib.Path, default=ROOT / "data" / "nlu")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--intent", help="list the misclassified examples of this gold or predicted intent")
    parser.add_argument("--errors", action="store_true", help="list every misclassified example")
    args = parser.parse_args(argv)

    examples, _, _ = load_examples(args.data)
    predicted = predict_held_out(examples, args.folds, args.seed)
    for language in sorted({e.language for e in examples}):
        index = [i for i, e in enumerate(examples) if e.language == language]
        score = f1_score([examples[i].intent for i in index], [predicted[i] for i in index], average="macro")
        print(f"{language}: {len(index)} examples, intent macro-F1 {score:.3f}")
    labels = sorted({e.intent for e in examples})
    scores = f1_score([e.intent for e in examples], predicted, average=None, labels=labels)
    print("weakest:", ", ".join(f"{label} {score:.2f}" for score, label in sorted(zip(scores, labels))[:8]))
    pairs = collections.Counter((e.intent, p, e.language) for e, p in zip(examples, predicted) if e.intent != p)
    for (gold, guess, language), count in pairs.most_common(15):
        print(f"  {count:3d} {language} {gold} -> {guess}")
    if args.errors or args.intent:
        for example, guess in sorted(zip(examples, predicted), key=lambda pair: (pair[0].intent, pair[0].language)):
            if example.intent != guess and (args.errors or args.intent in (example.intent, guess)):
                print(f"{example.language} {example.intent} -> {guess} | {example.text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

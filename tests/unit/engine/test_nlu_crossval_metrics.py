"""scripts/nlu_crossval.py's figures: macro-F1, entity scores and the fallback threshold choice."""
from __future__ import annotations

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "scripts"))

from nlu_crossval import Example, Prediction, WRONG_ACCEPT_COST, best_threshold, entity_scores, macro_f1  # noqa: E402


def prediction(intent: str, gold: str, confidence: float = 0.9, gold_entities=(), found=()) -> Prediction:
    return Prediction(Example("text", gold, "hu", tuple(gold_entities)), intent, confidence, 0, tuple(found))


def test_macro_f1_averages_per_gold_intent():
    score, per_intent = macro_f1([prediction("greet", "greet"), prediction("thank", "greet"), prediction("thank", "thank")])
    assert per_intent["thank"] == 2 / 3 and per_intent["greet"] == 2 / 3
    assert score == 2 / 3


def test_entity_scores_need_type_and_value_to_match_and_count_spurious_finds():
    scores = entity_scores([
        prediction("inform", "inform", gold_entities=[("username", "kpista77")], found=[("username", "kpista77")]),
        prediction("inform", "inform", gold_entities=[("email", "a@b.hu")], found=[("email", "a@b.h")]),
        prediction("greet", "greet", found=[("username", "szia")]),
    ])
    assert scores["username"] == (0.5, 1.0, 2 / 3, 1)
    assert scores["email"] == (0.0, 0.0, 0.0, 1)


def test_threshold_counts_a_wrong_answer_more_than_a_reprompt():
    right_but_unsure = [prediction("greet", "greet", 0.35)] * 3
    wrong_and_unsure = [prediction("thank", "greet", 0.35)] * 2
    sure = [prediction("greet", "greet", 0.9)] * 10
    threshold, _ = best_threshold(right_but_unsure + wrong_and_unsure + sure)
    # accepting the 0.35 band gains 3 correct but costs 2 wrong × WRONG_ACCEPT_COST (= 4 > 3): reject it
    assert WRONG_ACCEPT_COST == 2 and threshold > 0.35

"""bot/nlu/linear_intent.py: the intent classifier of config.yml, trained and reloaded for real."""
from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.linear_intent import META_FILE, MODEL_FILE, LinearIntentClassifier, fold_text

EXAMPLES = {
    "code_not_received": ["nem kaptam meg a kódot", "nem jött meg az email a kóddal", "I did not get the code",
                          "the code email never arrived", "nem érkezett meg a levél"],
    "code_expired": ["lejárt a kód", "lejart a kodom", "my code expired", "the code has lapsed", "elévült a kód"],
    "greet": ["szia", "jó napot", "hello", "good morning", "üdvözlöm"],
}


def training_data() -> TrainingData:
    return TrainingData([Message(data={"text": text, "intent": intent})
                         for intent, texts in EXAMPLES.items() for text in texts])


@pytest.fixture
def storage(tmp_path: pathlib.Path) -> LocalModelStorage:
    return LocalModelStorage(tmp_path)


def context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), "test")


def trained(storage: LocalModelStorage, resource: Resource) -> LinearIntentClassifier:
    component = LinearIntentClassifier.create({}, storage, resource, context())
    component.train(training_data())
    return component


def parse(component: LinearIntentClassifier, text: str) -> Message:
    message = Message(data={"text": text})
    component.process([message])
    return message


def test_fold_text_drops_case_and_hungarian_accents():
    assert fold_text("Nem kaptam meg a KÓDOT, jelszó, őű") == "nem kaptam meg a kodot, jelszo, ou"


def test_unaccented_typing_gets_the_same_intent_as_accented(storage):
    component = trained(storage, Resource("linear"))
    accented, plain = parse(component, "lejárt a kódom"), parse(component, "lejart a kodom")
    assert accented.get("intent")["name"] == plain.get("intent")["name"] == "code_expired"
    assert accented.get("intent")["confidence"] == pytest.approx(plain.get("intent")["confidence"])


def test_ranking_is_a_probability_distribution_sorted_best_first(storage):
    message = parse(trained(storage, Resource("linear")), "nem kaptam meg az emailt")
    ranking = message.get("intent_ranking")
    assert message.get("intent") == ranking[0]
    assert ranking[0]["name"] == "code_not_received"
    confidences = [entry["confidence"] for entry in ranking]
    assert confidences == sorted(confidences, reverse=True)
    assert sum(confidences) == pytest.approx(1.0)
    assert {entry["name"] for entry in ranking} == set(EXAMPLES)


def test_reloaded_model_predicts_exactly_as_the_trained_one(storage):
    resource = Resource("linear")
    original = trained(storage, resource)
    reloaded = LinearIntentClassifier.load({}, storage, resource, context())
    for text in ["jo napot kivanok", "the code email did not come", "lejárt", "valami egészen más"]:
        assert parse(reloaded, text).get("intent_ranking") == parse(original, text).get("intent_ranking")


def test_model_is_stored_as_json_and_arrays_never_pickle(storage):
    resource = Resource("linear")
    trained(storage, resource)
    with storage.read_from(resource) as directory:
        meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        assert sorted(meta["classes"]) == sorted(EXAMPLES)
        with np.load(directory / MODEL_FILE, allow_pickle=False) as arrays:
            assert arrays["coef"].shape[0] == len(EXAMPLES)


def test_messages_without_text_and_an_untrained_model_are_left_alone(storage):
    untrained = LinearIntentClassifier.load({}, storage, Resource("missing"), context())
    assert parse(untrained, "szia").get("intent") is None
    component = trained(storage, Resource("linear"))
    empty = Message(data={})
    component.process([empty])
    assert empty.get("intent") is None


def test_fast_probabilities_equal_sklearns_predict_proba(storage):
    component = trained(storage, Resource("linear"))
    features = component._features(["nem jött meg a kód", "hello there", "lejárt", "", "xyz"])
    assert np.allclose(component._probabilities(features), component.classifier.predict_proba(features))

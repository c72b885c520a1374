"""A linear intent classifier on word and character n-grams, with Hungarian accents folded.

Why not DIET for intents: on this project's data (short help-desk messages, ~3,000 examples in two
languages, many typed without accents), a regularised linear model over TF-IDF n-grams scored higher
in the same 5-fold cross-validation, trains in seconds instead of minutes on CI's 2 cores, and answers
in well under a millisecond (docs/BENCHMARKS.md, docs/ARCHITECTURE.md "NLU pipeline"). Entities are
left to the entity extractors of config.yml.

Features: character n-grams within word boundaries (Hungarian suffixes: "kódot", "kódom", "kodomat")
and word uni/bigrams ("nem kaptam", "my name"), both on lowercased text with diacritics removed
("jelszó" = "jelszo": many users type without accents). Classifier: multinomial logistic regression,
so every intent gets a probability and the FallbackClassifier's threshold means something; the
threshold is tuned by scripts/nlu_crossval.py.

Persistence: plain JSON and NumPy arrays (vocabularies, idf weights, coefficients), not pickle: a
model archive never executes code when it is loaded.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Optional, Text

import numpy as np

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from kernel.fields import fold_accents

logger = logging.getLogger(__name__)

TOKEN_PATTERN = r"(?u)\b\w+\b"  # one-letter words count too ("a", "i", "e")
MODEL_FILE = "linear_intent.npz"
META_FILE = "linear_intent.json"


def fold_text(text: str) -> str:
    """Lowercase without diacritics: 'Nem kaptam meg a KÓDOT' -> 'nem kaptam meg a kodot' (kernel.fields)."""
    return fold_accents(text)


def _vectorizers(config: Dict[str, Any]) -> list:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return [
        TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(config["char_ngram_range"]),
                        sublinear_tf=True, lowercase=False, dtype=np.float64),
        TfidfVectorizer(analyzer="word", ngram_range=tuple(config["word_ngram_range"]),
                        sublinear_tf=True, lowercase=False, token_pattern=TOKEN_PATTERN, dtype=np.float64),
    ]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    """Multinomial logistic regression over accent-folded TF-IDF word and character n-grams."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "char_ngram_range": [2, 5],
            "word_ngram_range": [1, 2],
            "C": 50.0,  # weak regularisation: the n-gram space is large, the data clean
            "max_iter": 5000,
            "ranking_length": 10,
            "random_state": 42,
        }

    @staticmethod
    def required_packages() -> List[Text]:
        return ["sklearn"]

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 vectorizers: Optional[list] = None, classifier: Any = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.vectorizers = vectorizers
        self.classifier = classifier

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "LinearIntentClassifier":
        return cls(config, model_storage, resource)

    # -- training -------------------------------------------------------------------------------

    def _features(self, texts: List[str]):
        from scipy.sparse import hstack

        folded = [fold_text(t) for t in texts]
        return hstack([v.transform(folded) for v in self.vectorizers]).tocsr()

    def train(self, training_data: TrainingData) -> Resource:
        from scipy.sparse import hstack
        from sklearn.linear_model import LogisticRegression

        examples = [m for m in training_data.intent_examples if m.get(TEXT) and m.get(INTENT)]
        if len({m.get(INTENT) for m in examples}) < 2:
            logger.warning("LinearIntentClassifier: fewer than two intents in the data; nothing trained.")
            return self._resource
        folded = [fold_text(m.get(TEXT)) for m in examples]
        self.vectorizers = _vectorizers(self.config)
        features = hstack([v.fit_transform(folded) for v in self.vectorizers]).tocsr()
        self.classifier = LogisticRegression(
            C=float(self.config["C"]), max_iter=int(self.config["max_iter"]),
            random_state=self.config["random_state"], solver="lbfgs",
        ).fit(features, [m.get(INTENT) for m in examples])
        self.persist()
        return self._resource

    # -- prediction -----------------------------------------------------------------------------

    def process(self, messages: List[Message]) -> List[Message]:
        if self.classifier is None:
            return messages
        texts = [(i, m.get(TEXT)) for i, m in enumerate(messages) if m.get(TEXT)]
        if not texts:
            return messages
        probabilities = self._probabilities(self._features([t for _, t in texts]))
        labels = [str(label) for label in self.classifier.classes_]
        limit = int(self.config["ranking_length"]) or len(labels)
        for (index, _), row in zip(texts, probabilities):
            order = np.argsort(-row)
            ranking = [{"name": labels[j], "confidence": float(row[j])} for j in order[:limit]]
            messages[index].set(INTENT, ranking[0], add_to_output=True)
            messages[index].set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

    def _probabilities(self, features) -> np.ndarray:
        """``predict_proba`` of the multinomial model, computed from the non-zero features only.

        sklearn's ``predict_proba`` multiplies the sparse row by the transposed coefficient matrix
        (intents × ~100k n-grams), copying that matrix on every call — most of a parse's time.
        A message has a few hundred non-zero n-grams; their columns are all that is needed.
        """
        coef, intercept = self.classifier.coef_, self.classifier.intercept_
        rows = []
        for start, end in zip(features.indptr[:-1], features.indptr[1:]):
            columns, values = features.indices[start:end], features.data[start:end]
            scores = coef[:, columns] @ values + intercept
            scores = np.exp(scores - scores.max())
            rows.append(scores / scores.sum())
        return np.vstack(rows)

    # -- persistence (no pickle) ------------------------------------------------------------------

    def persist(self) -> None:
        arrays: Dict[str, np.ndarray] = {
            "coef": self.classifier.coef_, "intercept": self.classifier.intercept_,
        }
        vocabularies = []
        for number, vectorizer in enumerate(self.vectorizers):
            arrays[f"idf{number}"] = vectorizer.idf_
            vocabularies.append({term: int(col) for term, col in vectorizer.vocabulary_.items()})
        meta = {"classes": [str(c) for c in self.classifier.classes_], "vocabularies": vocabularies}
        with self._model_storage.write_to(self._resource) as directory:
            np.savez(directory / MODEL_FILE, **arrays)
            (directory / META_FILE).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "LinearIntentClassifier":
        from sklearn.linear_model import LogisticRegression

        component = cls(config, model_storage, resource)
        try:
            with model_storage.read_from(resource) as directory:
                meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
                with np.load(directory / MODEL_FILE, allow_pickle=False) as arrays:
                    vectorizers = _vectorizers(component.config)
                    for number, vectorizer in enumerate(vectorizers):
                        vectorizer.vocabulary_ = meta["vocabularies"][number]
                        vectorizer.idf_ = arrays[f"idf{number}"]
                    classifier = LogisticRegression()
                    classifier.coef_ = arrays["coef"]
                    classifier.intercept_ = arrays["intercept"]
                    classifier.classes_ = np.array(meta["classes"])
        except (ValueError, FileNotFoundError, KeyError) as error:
            logger.warning("LinearIntentClassifier: no trained model in this archive (%s).", type(error).__name__)
            return component
        component.vectorizers, component.classifier = vectorizers, classifier
        return component

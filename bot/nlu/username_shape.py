"""Finds tokens shaped like a chosen username ("kpista77", "csaba_p", "laci.hegedus") as `username`.

The CRF of config.yml finds usernames from the words around them ("a felhasználónevem …", "my username
is …"), but misses many it has not seen, above all bare answers and names with "_" or "." (cross-
validated recall ≈ 0.5, docs/BENCHMARKS.md). A username chosen at the document office (S1) almost
always mixes letters with digits, "_" or "."; ordinary words, e-mail addresses and web addresses do
not. This component adds such tokens when no other extractor claimed them. It matters only inside
the new-code and account-check forms: `username` is mapped from this entity there and nowhere else
(domain.yml), and the form's validation (actions/usernames.py) still judges every value.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

ENTITY = "username"
# letters first; then letters, digits, "_" or "."; at least one digit, "_" or "." after a letter
SHAPE = re.compile(r"^[A-Za-z][A-Za-z0-9_.]{1,31}$")
MARK = re.compile(r"[A-Za-z][A-Za-z]*[0-9_.]")
WEB = re.compile(r"\.(hu|com|net|org|eu|de|at|uk|gov|info|io)$|^www\.", re.IGNORECASE)
EDGE = ".,;:!?\"'()[]"


def username_like(token: str) -> bool:
    """'kpista77', 'csaba_p', 'laci.hegedus' yes; 'szia', 'kiss.pista@x.hu', 'www.ugyfelvonal.hu', 'S6' no."""
    if not SHAPE.match(token) or WEB.search(token) or token.endswith((".", "_")):
        return False
    return sum(c.isalpha() for c in token) >= 2 and bool(MARK.search(token))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class UsernameShapeExtractor(GraphComponent, EntityExtractorMixin):
    """Adds `username` entities for username-shaped tokens that no earlier extractor claimed."""

    @classmethod
    def required_components(cls) -> List[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "UsernameShapeExtractor":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            entities = list(message.get(ENTITIES, []))
            claimed = [(e["start"], e["end"]) for e in entities if "start" in e and "end" in e]
            found = []
            for token in message.get(TOKENS_NAMES[TEXT]) or []:
                start, end = token.start, token.end
                while start < end and text[start] in EDGE:
                    start += 1
                while end > start and text[end - 1] in EDGE:
                    end -= 1
                value = text[start:end]
                if not username_like(value) or any(s < end and start < e for s, e in claimed):
                    continue
                found.append({"entity": ENTITY, "start": start, "end": end, "value": value,
                              "confidence_entity": 1.0})
            if found:
                message.set(ENTITIES, entities + self.add_extractor_name(found), add_to_output=True)
        return messages

"""Checks on the NLU training data (data/nlu/*.yml): shape, annotations, both languages, no duplicates.

Language of an example: the `metadata: {language: hu|en}` of its intent block when given (Rasa 3
allows several blocks of one intent, each with its own metadata); otherwise `guess_language`, a
word-list heuristic: Hungarian-only letters (ő, ű, á, é, í, ó, ö, ú, ü) and common Hungarian words
count for Hungarian, common English words for English, the higher score wins.
"""
from __future__ import annotations

import pathlib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

import pytest
import yaml

from kernel.fields import fold_accents

NLU_DIR = pathlib.Path(__file__).resolve().parents[2] / "data" / "nlu"

DOMAIN_INTENTS = (
    "activation_help", "code_not_received", "code_expired", "request_new_code",
    "forgot_password", "forgot_username", "login_problem", "code_as_password",
    "own_name_as_username", "change_email", "code_validity", "forum_info",
    "contact_info", "what_is_ugyfelkapu", "human_handoff",
)
ENTITIES = {"username", "email", "person_name"}
MIN_EXAMPLES = {"hu": 40, "en": 20}
ENTRY_KINDS = {"intent", "synonym", "regex", "lookup"}
ALLOWED_KEYS = {"examples", "metadata"}

# [text](entity) or [text]{"entity": "...", ...}
ANNOTATION = re.compile(r"\[(?P<text>[^\]]+)\](?:\((?P<name>[^)]+)\)|(?P<json>\{[^}]*\}))")
HU_LETTERS = set("áéíóöőúüű")
# word lists are in normalised form (lowercase, no accents), as `normalise` produces
HU_WORDS = set("""
    nem hogy az egy meg van es de mert kod kodot kodom kodomat kodja jelszo jelszot jelszavam
    jelszavamat nincs kaptam tudok tudom lehet kell mit hol hogyan mi ha be ki mar csak kerem
    szeretnek szeretnem kerek vagy volt lett amit ami azt ezt mert itt most mikor meddig nekem
    engem nalam sem se igen hat jo napot segitseg segitsen segits beirtam belepni belepes enged
""".split())
EN_WORDS = set("""
    i my the to is it you me can cant how what do does did dont didnt get got have has was
    in of for and with please code password username not am are this that when where which
    never still any new im login log sign your would should will help
""".split())


@dataclass(frozen=True)
class Example:
    file: str
    intent: str
    language: str | None
    raw: str
    text: str


def normalise(text: str) -> str:
    """Lowercase, no accents (the kernel's folding), punctuation and whitespace collapsed: the duplicate key."""
    return " ".join(re.sub(r"[\W_]+", " ", fold_accents(text)).split())


def plain_text(raw: str) -> str:
    """The example as Rasa trains on it: annotations replaced by their text."""
    return ANNOTATION.sub(lambda m: m.group("text"), raw)


def entity_names(raw: str) -> list[str]:
    names = []
    for m in ANNOTATION.finditer(raw):
        if m.group("name") is not None:
            names.append(m.group("name").split(":")[0].strip())
        else:
            names.append(str(yaml.safe_load(m.group("json")).get("entity")))
    return names


def language_scores(text: str) -> tuple[int, int]:
    """(Hungarian, English) evidence in a text; e-mail addresses and URLs are ignored."""
    lowered = re.sub(r"\S+@\S+|\S+\.(?:hu|com|net|org|de)\S*", " ", text.lower())
    lowered = re.sub(r"[uü]gyf[eé]lkapu\w*", " ", lowered)
    words = normalise(lowered).split()
    hu = sum(w in HU_WORDS for w in words) + 2 * any(c in HU_LETTERS for c in lowered)
    return hu, sum(w in EN_WORDS for w in words)


def guess_language(text: str) -> str | None:
    """'hu', 'en' or None (undecided) from letters and common words."""
    hu, en = language_scores(text)
    if hu == en:
        return None
    return "hu" if hu > en else "en"


def example_lines(block: str) -> list[str]:
    lines = [line.strip() for line in block.splitlines() if line.strip()]
    bad = [line for line in lines if not line.startswith("- ")]
    assert not bad, f"example lines must start with '- ': {bad[:3]}"
    return [line[2:].strip() for line in lines]


def nlu_files() -> list[pathlib.Path]:
    return sorted([*NLU_DIR.glob("*.yml"), *NLU_DIR.glob("*.yaml")])


def load_examples() -> list[Example]:
    out = []
    for path in nlu_files():
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for entry in doc.get("nlu") or []:
            if "intent" not in entry:
                continue
            language = (entry.get("metadata") or {}).get("language")
            for raw in example_lines(entry["examples"]):
                text = plain_text(raw)
                out.append(Example(path.name, entry["intent"], language or guess_language(text),
                                   raw, text))
    return out


@pytest.fixture(scope="module")
def examples() -> list[Example]:
    return load_examples()


def test_guess_language_heuristic():
    assert guess_language("nem kaptam meg a kodot") == "hu"
    assert guess_language("lejárt a kód") == "hu"
    assert guess_language("my code expired") == "en"
    assert guess_language("I never got the ugyfelkapu email") == "en"


def test_normalise_makes_accent_case_and_punctuation_variants_equal():
    assert normalise("Lejárt a kód!") == normalise("lejart  a KOD")
    assert normalise("nem-jött meg?") == "nem jott meg"


@pytest.mark.parametrize("path", nlu_files(), ids=lambda p: p.name)
def test_file_has_rasa_3_nlu_shape(path):
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(doc, dict), "top level must be a mapping"
    assert str(doc.get("version")) == "3.1", f"version must be \"3.1\", not {doc.get('version')!r}"
    assert set(doc) <= {"version", "nlu"}, f"unexpected top-level keys {set(doc) - {'version', 'nlu'}}"
    assert isinstance(doc.get("nlu"), list) and doc["nlu"], "'nlu' must be a non-empty list"
    for entry in doc["nlu"]:
        kinds = ENTRY_KINDS & set(entry)
        assert len(kinds) == 1, f"each entry has exactly one of {ENTRY_KINDS}: {entry}"
        kind = kinds.pop()
        assert isinstance(entry[kind], str) and entry[kind].strip()
        assert set(entry) - {kind} <= ALLOWED_KEYS, f"unexpected keys in {entry[kind]}"
        assert isinstance(entry.get("examples"), str), f"{entry[kind]}: 'examples: |' block missing"
        assert example_lines(entry["examples"]), f"{entry[kind]}: no examples"
        language = (entry.get("metadata") or {}).get("language")
        assert language in (None, "hu", "en"), f"{entry[kind]}: language {language!r}"


def test_examples_are_not_empty(examples):
    empty = [e for e in examples if not normalise(e.text)]
    assert not empty, f"empty examples: {empty}"


def test_entity_annotations_use_contract_entity_names(examples):
    bad = [(e.file, e.raw) for e in examples for n in entity_names(e.raw) if n not in ENTITIES]
    assert not bad, f"unknown entity names: {bad}"


def test_entity_annotations_are_well_formed(examples):
    broken = [(e.file, e.raw) for e in examples if re.search(r"[\[\]]", e.text)]
    assert not broken, f"unbalanced or malformed annotations: {broken}"


def test_examples_are_distinct_after_normalisation_across_all_intents(examples):
    seen: dict[str, list[Example]] = defaultdict(list)
    for e in examples:
        seen[normalise(e.text)].append(e)
    dupes = {k: [(e.file, e.intent) for e in v] for k, v in seen.items() if len(v) > 1}
    assert not dupes, f"{len(dupes)} duplicate examples: {dict(list(dupes.items())[:10])}"


@pytest.mark.parametrize("intent", DOMAIN_INTENTS)
def test_domain_intent_has_enough_hungarian_and_english_examples(intent, examples):
    counts = Counter(e.language for e in examples if e.intent == intent)
    for language, minimum in MIN_EXAMPLES.items():
        assert counts[language] >= minimum, f"{intent}: {counts[language]} {language}, want {minimum}"


def test_declared_language_agrees_with_heuristic_where_it_is_sure(examples):
    def clearly_other(e: Example) -> bool:
        hu, en = language_scores(ANNOTATION.sub(" ", e.raw))
        return abs(hu - en) >= 2 and ("hu" if hu > en else "en") != e.language

    wrong = [(e.file, e.intent, e.language, e.text) for e in examples if clearly_other(e)]
    assert not wrong, f"examples in the wrong language block: {wrong[:10]}"

"""bot/nlu/username_shape.py: username-shaped tokens become `username` entities (S1, S6)."""
from __future__ import annotations

import pytest

from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.username_shape import UsernameShapeExtractor, username_like


@pytest.mark.parametrize("token", ["kpista77", "csaba_p", "laci.hegedus", "jbrown.77", "nagyjozsi_58", "B.Nagy62"])
def test_s1_chosen_username_shapes_are_recognised(token):
    assert username_like(token)


@pytest.mark.parametrize("token", ["szia", "Kiss", "noahd", "kiss.pista@example.hu", "www.ugyfelvonal.hu",
                                   "magyarorszag.hu", "S6", "5.", "abc.", "e-mail", "189", "+36"])
def test_words_names_and_addresses_are_not_usernames(token):
    assert not username_like(token)


def parse(text: str, entities=()) -> Message:
    message = Message(data={"text": text, "entities": list(entities)})
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process([message])
    UsernameShapeExtractor().process([message])
    return message


def test_username_in_a_sentence_is_found_without_its_punctuation():
    message = parse("a felhasználónevem csaba_p, az e-mail címem pinter.csaba@freemail.hu")
    found = [e for e in message.get("entities") if e["entity"] == "username"]
    assert [(e["value"], e["extractor"]) for e in found] == [("csaba_p", "UsernameShapeExtractor")]
    assert message.get("text")[found[0]["start"]:found[0]["end"]] == "csaba_p"


def test_a_token_another_extractor_claimed_is_left_alone():
    crf = {"entity": "username", "start": 0, "end": 8, "value": "kpista77", "extractor": "CRFEntityExtractor"}
    message = parse("kpista77 a nevem", [crf])
    assert message.get("entities") == [crf]


def test_plain_sentences_get_no_username():
    assert parse("nem kaptam meg a kódot, segítene?").get("entities") == []

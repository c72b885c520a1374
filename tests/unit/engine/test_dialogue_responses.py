"""domain.yml's response catalogue: every answer in Hungarian and English, voice-friendly on the phone."""
from __future__ import annotations

import re

import pytest
from dialogue_fakes import DOMAIN, ROOT

from actions.session import fact_slots

RESPONSES = DOMAIN["responses"]
FACTS = fact_slots("hu", env={})  # the letter's own values: CODE_TTL_DAYS unset
_EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF]")
_MARKDOWN = re.compile(r"(\*\*|__|`|^#|\[[^\]]+\]\()", re.MULTILINE)


class _Slots(dict):
    def __missing__(self, key):
        return "{" + key + "}"  # a value an action passes when it utters the response


def text(variation):
    """The variation's text as Rasa renders it with the facts of the letter (slots set at session start)."""
    return variation["text"].format_map(_Slots(FACTS))


def conditions(variation):
    return {c["name"]: c["value"] for c in variation.get("condition") or []}


def pick(name, **slots):
    """The variations Rasa could choose for these slot values (rasa.core.nlg.generator rules)."""
    variations = RESPONSES[name]
    matching = [v for v in variations if v.get("condition")
                and all(slots.get(k) == val for k, val in conditions(v).items())]
    return matching or [v for v in variations if not v.get("condition")]


@pytest.mark.parametrize("name", sorted(RESPONSES))
@pytest.mark.parametrize("language,channel", [("hu", "chat"), ("hu", "phone"), ("en", "chat"), ("en", "phone")])
def test_every_response_has_exactly_one_variation_per_language_and_channel(name, language, channel):
    chosen = pick(name, language=language, channel=channel)
    assert len(chosen) == 1, f"{name}: {len(chosen)} variations for {language}/{channel}"
    if language == "en":
        assert conditions(chosen[0]).get("language") == "en", f"{name} has no English variation"


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_no_emoji_and_no_markdown_in_any_answer(name):
    for variation in RESPONSES[name]:
        assert not _EMOJI.search(variation["text"]) and not _MARKDOWN.search(variation["text"]), name


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_phone_variants_are_short_and_have_no_buttons_or_long_urls(name):
    for language in ("hu", "en"):
        (variation,) = pick(name, language=language, channel="phone")
        assert "buttons" not in variation, name
        assert "/" not in text(variation).replace("e-mail", ""), f"{name}: a URL path is hard to hear"
        sentences = [s for s in re.split(r"[.?!]\s", text(variation)) if s.strip()]
        assert all(len(s.split()) <= 30 for s in sentences), f"{name}: a sentence too long to hear"
        assert len(text(variation)) <= 420, f"{name}: too long to hear ({len(text(variation))} characters)"


def test_contacts_are_the_s11_contacts():
    hu = text(RESPONSES["utter_contact_info"][0])
    for contact in ("189", "+36 1 371 9300", "189@ugyfelvonal.hu", "www.ugyfelvonal.hu", "24"):
        assert contact in hu
    assert "24" in text(pick("utter_out_of_scope", language="en", channel="chat")[0])


def test_code_validity_is_five_days_s4():
    for name in ("utter_code_validity", "utter_code_expired", "utter_forgot_password", "utter_new_code_requested"):
        for variation in RESPONSES[name]:
            assert "5" in text(variation), name


def test_new_code_answer_never_says_whether_the_account_exists():
    for variation in RESPONSES["utter_new_code_requested"]:
        text = variation["text"].lower()
        assert "ha" in text.split() or "if" in text.split()  # conditional wording for every case
        assert "nem található" not in text and "not found" not in text


PHONE_FACTS = {  # the facts a caller must still hear in the phone line's shorter texts (issue #13, call time)
    "utter_new_code_requested": {"hu": ["Ha az adatok egyeznek", "regisztrált e-mail", "5 napig", "jelszó", "spam"],
                                 "en": ["If the details match", "registered e-mail", "5 days", "password", "spam"]},
    "utter_code_not_received": {"hu": ["spam", "postafiók", "okmányiroda", "új kód"],
                                "en": ["spam", "mailbox", "document office", "new code"]},
    "utter_code_expired": {"hu": ["5 napig", "bármikor"], "en": ["5 days", "any time"]},
    "utter_ask_username": {"hu": ["felhasználónev", "nem a saját nevét"], "en": ["username", "not your own name"]},
    "utter_ask_email": {"hu": ["regisztrált e-mail", "kukac"], "en": ["registered e-mail", " at "]},
}


@pytest.mark.parametrize("name", sorted(PHONE_FACTS))
@pytest.mark.parametrize("language", ["hu", "en"])
def test_phone_texts_keep_the_letters_facts_s4_s5_s6(name, language):
    (variation,) = pick(name, language=language, channel="phone")
    for fact in PHONE_FACTS[name][language]:
        assert fact in text(variation), f"{name} ({language}, phone) lost {fact!r}"


@pytest.mark.parametrize("name, answer", [
    ("utter_ask_username", "spelling"), ("utter_ask_email", "spelling"), ("utter_invalid_username", "spelling"),
    ("utter_invalid_email", "spelling"), ("utter_ask_username_confirmed", "yes_no"),
    ("utter_ask_email_confirmed", "yes_no"), ("utter_offer_handoff", "yes_no"),
    ("utter_offer_handoff_not_understood", "yes_no"), ("utter_spelling_failed_offer_handoff", "yes_no")])
@pytest.mark.parametrize("language", ["hu", "en"])
def test_phone_questions_say_what_the_phone_line_waits_for(name, answer, language):
    """ivr/speech.py reads ``custom: {answer}``: no "ask on" ending after a question, the spellers' gather
    for a spelling, 1 s of silence and the keys 1/2 for a yes/no; the chat's variations carry no marker."""
    (variation,) = pick(name, language=language, channel="phone")
    assert (variation.get("custom") or {}).get("answer") == answer, name
    (chat,) = pick(name, language=language, channel="chat")
    assert "custom" not in chat or (chat["custom"] or {}).get("answer") is None


def test_only_the_plain_offer_of_a_person_is_marked_as_one_on_the_phone():
    """The phone line transfers at once on the lone offer of a person (the caller asked for one): only
    utter_offer_handoff carries ``offer: person``; the not-understood and the failed-spelling offers ask."""
    marked = sorted(name for name, variations in RESPONSES.items()
                    if any((v.get("custom") or {}).get("offer") == "person" for v in variations))
    assert marked == ["utter_offer_handoff"]
    assert all(conditions(v).get("channel") == "phone" for v in RESPONSES["utter_offer_handoff"]
               if (v.get("custom") or {}).get("offer"))


def test_username_is_only_at_the_document_office_s9():
    assert "okmányirodá" in RESPONSES["utter_forgot_username"][0]["text"]
    assert "document office" in pick("utter_forgot_username", language="en", channel="chat")[0]["text"]


def test_bot_challenge_says_it_is_automated():
    assert "Automata asszisztens" in RESPONSES["utter_iamabot"][0]["text"]
    assert "automated assistant" in pick("utter_iamabot", language="en", channel="chat")[0]["text"]


def test_config_language_and_offline_pipeline():
    import yaml

    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    names = [c["name"] for c in config["pipeline"]]
    assert config["language"] == "hu"
    assert "bot.nlu.linear_intent.LinearIntentClassifier" in names and "CRFEntityExtractor" in names
    assert names[-1] == "FallbackClassifier"
    assert not any(n in names for n in ("SpacyNLP", "MitieNLP", "LanguageModelFeaturizer"))  # nothing downloaded

"""Twilio's speech settings per language, pinned in the TwiML (docs/phone.md, "Speech recognition
settings", says why each): a change to any of them must be a decision, not an accident."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from ivr.prompts import catalogue
from ivr.twiml import Voice

EXPECTED = {
    "hu": {"language": "hu-HU", "speechModel": "phone_call"},
    "en": {"language": "en-GB", "speechModel": "phone_call"},
}


def _gather(lang: str, **kwargs) -> ET.Element:
    voice = Voice(catalogue(lang))
    gather = voice.gather("https://helpdesk.example.hu/voice/menu?step=1", **kwargs)
    voice.say("Mondja el, miben segíthetünk.", gather)
    root = ET.fromstring(str(voice))
    [element] = root.findall("Gather")
    return element


@pytest.mark.parametrize("lang", ["hu", "en"])
def test_free_speech_gather_pins_every_speech_attribute(lang):
    attrs = _gather(lang, num_digits=1).attrib
    assert attrs["input"] == "dtmf speech"
    assert attrs["language"] == EXPECTED[lang]["language"]
    assert attrs["speechModel"] == EXPECTED[lang]["speechModel"]       # telephone audio (8 kHz)
    assert attrs["speechTimeout"] == "2"      # a whole number: Twilio refuses "auto" with a speechModel (13335)
    assert attrs["actionOnEmptyResult"] == "true"  # silence still reaches our no-input re-prompt
    assert attrs["profanityFilter"] == "false"     # names are never starred out
    assert attrs["bargeIn"] == "true"              # the caller can interrupt the prompt
    assert attrs["timeout"] == "6" and attrs["method"] == "POST"
    assert "enhanced" not in attrs                 # premium model: en-US only, not our languages
    hints = [h.strip() for h in attrs["hints"].split(",")]
    assert all(0 < len(h) <= 100 for h in hints)
    domain = {"hu": {"ügyfélkapu", "aktiváló kód", "okmányiroda", "felhasználónév", "elfelejtett jelszó"},
              "en": {"Ugyfelkapu", "activation code", "document office", "username", "forgotten password"}}[lang]
    assert domain <= set(hints)


@pytest.mark.parametrize("lang, words", [("hu", {"kukac", "pont", "alulvonás", "kötőjel", "dupla vé", "gmail"}),
                                         ("en", {"at", "dot", "underscore", "dash", "double u", "gmail"})])
def test_spelling_gather_waits_longer_and_expects_the_spelling_words(lang, words):
    attrs = _gather(lang, finish_on_key="#", timeout=8, spelling=True).attrib
    assert attrs["speechTimeout"] == "3"  # spellers pause between letters
    assert attrs["timeout"] == "8" and attrs["finishOnKey"] == "#"
    assert words <= {h.strip() for h in attrs["hints"].split(",")}
    assert attrs["speechModel"] == "phone_call" and attrs["profanityFilter"] == "false"


@pytest.mark.parametrize("lang", ["hu", "en"])
def test_yes_no_gather_ends_the_answer_after_one_second_of_silence(lang):
    """A yes or a no is one word: waiting 2 s after it is call time for nothing (issue #13, "Call time")."""
    attrs = _gather(lang, num_digits=1, yes_no=True).attrib
    assert attrs["speechTimeout"] == "1" and attrs["input"] == "dtmf speech" and attrs["bargeIn"] == "true"
    assert attrs["hints"] == catalogue(lang).hints  # "no, it is k i s s" is free speech too


@pytest.mark.parametrize("lang", ["hu", "en"])
def test_the_prompt_is_inside_the_gather_so_the_caller_can_barge_in(lang):
    gather = _gather(lang)
    [say] = gather.findall("Say")
    assert say.attrib["language"] == EXPECTED[lang]["language"]


def test_keys_only_gather_has_no_speech_settings():
    attrs = _gather("hu", speech=False, num_digits=1).attrib
    assert attrs["input"] == "dtmf"
    assert not {"speechModel", "hints", "speechTimeout", "language"} & attrs.keys()

"""One prompt catalogue per language, the same keys in both, the facts of the registration letter
(S1-S11) from kernel.facts: the code lifetime from CODE_TTL_DAYS, the S11 contacts."""
from __future__ import annotations

import pytest

from gateway.settings import SettingsError
from ivr.config import IvrConfig
from ivr.prompts import CatalogueError, _placeholders, catalogue, catalogues
from ivr.sealing import Sealer


def test_both_languages_have_the_same_prompts_and_placeholders():
    cats = catalogues()
    assert set(cats["hu"].entries) == set(cats["en"].entries)
    for key, text in cats["hu"].entries.items():
        assert _placeholders(text) == _placeholders(cats["en"].entries[key]), key


def test_voices_are_hungarian_and_english():
    assert catalogue("hu").speech_language == "hu-HU" and catalogue("hu").voice.startswith("Google.hu-HU")
    assert catalogue("en").speech_language.startswith("en-") and "en-" in catalogue("en").voice
    assert catalogue("hu").queue == "helpdesk-hu" and catalogue("en").queue == "helpdesk-en"
    assert catalogue("xx") is catalogue("hu")


@pytest.mark.parametrize("lang", ["hu", "en"])
def test_code_valid_five_days_and_new_code_under_forgotten_password_S4(lang):
    text = catalogue(lang).text("topic_activation")
    assert ("5 napig" if lang == "hu" else "5 days") in text
    assert ("Elfelejtett jelszó" if lang == "hu" else "Forgotten password") in text


@pytest.mark.parametrize("lang", ["hu", "en"])
def test_username_only_at_document_office_and_email_fixed_there_S5_S9(lang):
    text = catalogue(lang).text("topic_username_email")
    assert text.count("okmányirod" if lang == "hu" else "document office") >= 2


@pytest.mark.parametrize("lang", ["hu", "en"])
def test_login_uses_chosen_username_and_password_not_code_S6_S7(lang):
    text = catalogue(lang).text("topic_login")
    assert ("ne a saját nevét" if lang == "hu" else "not your own name") in text
    assert ("nem azonos az egyszer használható aktiváló kóddal" if lang == "hu" else "not the one-time activation code") in text


@pytest.mark.parametrize("lang", ["hu", "en"])
def test_contacts_give_189_abroad_number_email_and_web_S11(lang):
    text = catalogue(lang).text("topic_contacts")
    for fact in ("24", "1 8 9", "3 7 1, 93 00", "ugyfelvonal"):
        assert fact in text


@pytest.mark.parametrize("lang", ["hu", "en"])
def test_new_code_answer_never_says_whether_the_account_exists(lang):
    done = catalogue(lang).text("newcode_done")
    assert ("Ha a megadott adatok egyeznek" if lang == "hu" else "If the details match") in done


@pytest.fixture
def fresh_catalogues():
    """The catalogues read again (they are read once per process, at the gateway's start)."""
    import ivr.prompts as prompts

    prompts.catalogues.cache_clear()
    yield prompts.catalogues
    prompts.catalogues.cache_clear()


def test_the_code_lifetime_is_the_setting_in_every_text_S4_S8(monkeypatch, fresh_catalogues):
    monkeypatch.setenv("CODE_TTL_DAYS", "7")
    for lang, days in (("hu", "7 napig"), ("en", "7 days")):
        cat = fresh_catalogues()[lang]
        assert days in cat.text("topic_activation") and days in cat.text("newcode_done")
        said = " ".join(cat.text(key, **{name: "x" for name in _placeholders(template)})
                        for key, template in cat.entries.items())
        for fact_by_hand in ("öt nap", "5 nap", "five days", "5 days"):
            assert fact_by_hand not in said, (lang, fact_by_hand)


def test_a_bad_code_lifetime_stops_the_catalogues_not_a_caller(monkeypatch, fresh_catalogues):
    from kernel.settings import SettingsError as KernelSettingsError

    monkeypatch.setenv("CODE_TTL_DAYS", "five")
    with pytest.raises(KernelSettingsError, match="CODE_TTL_DAYS"):
        fresh_catalogues()


def test_a_placeholder_nobody_fills_is_refused(tmp_path, monkeypatch, fresh_catalogues):
    import ivr.prompts as prompts

    for lang in ("hu", "en"):
        (tmp_path / f"{lang}.yml").write_text("topic_contacts: '{phone_spokn}'\n", encoding="utf-8")
    monkeypatch.setattr(prompts, "_DIR", tmp_path)
    with pytest.raises(CatalogueError, match="phone_spokn"):
        fresh_catalogues()


def test_a_catalogue_with_a_missing_key_is_refused(tmp_path, monkeypatch, fresh_catalogues):
    import ivr.prompts as prompts

    (tmp_path / "hu.yml").write_text("greeting: szia\nmenu: x\n", encoding="utf-8")
    (tmp_path / "en.yml").write_text("greeting: hi\n", encoding="utf-8")
    monkeypatch.setattr(prompts, "_DIR", tmp_path)
    with pytest.raises(CatalogueError, match="menu"):
        fresh_catalogues()


def test_settings_are_checked_once_and_name_each_bad_value():
    assert IvrConfig.load({}, env={}).rasa_timeout == 2.5
    config = IvrConfig.load({}, env={"IVR_QUEUE_MESSAGE_AFTER_SECONDS": "60", "IVR_AGENT_NUMBERS": "+36 1 111 1111, +3612222222"})
    assert config.queue_message_after == 60 and config.agent_numbers == ("+3611111111", "+3612222222")
    with pytest.raises(SettingsError) as err:
        IvrConfig.load({}, env={"IVR_RASA_TIMEOUT_SECONDS": "30", "IVR_BACKEND_TIMEOUT_SECONDS": "soon"})
    assert "IVR_RASA_TIMEOUT_SECONDS" in str(err.value) and "IVR_BACKEND_TIMEOUT_SECONDS" in str(err.value)


def test_spelled_details_are_sealed_not_stored_in_clear():
    sealer = Sealer("secret-key-0123456789abcdef")
    token = sealer.seal("kiss.pista@gmail.com")
    assert "kiss" not in token and sealer.unseal(token) == "kiss.pista@gmail.com"
    assert Sealer("another-key-0123456789abcdef").unseal(token) is None
    assert sealer.unseal(token[:-4] + "AAAA") is None and sealer.unseal(None) is None


def test_app_config_overrides_the_environment_and_is_checked_the_same_way():
    config = IvrConfig.load({"rasa_timeout": 1.0, "agent_numbers": ["+36 1 111 1111"]},
                            env={"IVR_RASA_TIMEOUT_SECONDS": "3", "IVR_AGENT_NUMBERS": "+3619999999"})
    assert config.rasa_timeout == 1.0 and config.agent_numbers == ("+3611111111",)
    with pytest.raises(SettingsError) as err:
        IvrConfig.load({"queue_pause": 0, "max_speech_chars": "many"}, env={})
    assert str(err.value).count("\n") == 2  # one line per bad value
    assert "IVR_QUEUE_PAUSE_SECONDS" in str(err.value) and "IVR_MAX_SPEECH_CHARS" in str(err.value)

"""The console's canned answers and texts: facts of the letter come from kernel.facts (no "5 days"
written by hand), and the Hungarian and English catalogues have the same keys and placeholders."""
from __future__ import annotations

import pytest

from agents import texts
from agents.canned import CANNED, canned_for, canned_text


def test_code_lifetime_in_the_canned_answers_follows_code_ttl_days(monkeypatch):
    monkeypatch.setenv("CODE_TTL_DAYS", "7")
    hu = " ".join(text for _, _, text in canned_for("hu"))
    en = " ".join(text for _, _, text in canned_for("en"))
    assert "7 napig" in hu and "5 nap" not in hu
    assert "7 days" in en and "5 days" not in en


def test_s11_contacts_and_the_forum_come_from_the_facts_of_the_letter():
    from kernel.facts import CONTACTS, FORUM_URL

    for language in ("hu", "en"):
        contact = canned_text("contact", language)
        assert CONTACTS.phone in contact and CONTACTS.phone_abroad in contact
        assert CONTACTS.email in contact and CONTACTS.web in contact
        assert FORUM_URL in canned_text("forum", language)


@pytest.mark.parametrize("language", ["hu", "en"])
def test_every_canned_answer_is_filled_in_every_language(language):
    for canned_id in CANNED:
        assert "{" not in canned_text(canned_id, language)


def test_an_unknown_language_gets_the_hungarian_canned_answers():
    assert canned_for("de") == canned_for("hu")


def test_console_catalogues_agree_in_keys_and_placeholders():
    hu, en = texts.catalogue("hu"), texts.catalogue("en")
    assert hu.keys() == en.keys()
    assert hu["new_code_requested"] != en["new_code_requested"]
    assert "{days}" in hu["new_code_requested"] and "{days}" in en["new_code_requested"]


def test_a_catalogue_that_lacks_a_key_is_refused(tmp_path, monkeypatch):
    (tmp_path / "hu.yml").write_text('a: "egy"\nb: "kettő"\n', encoding="utf-8")
    (tmp_path / "en.yml").write_text('a: "one"\n', encoding="utf-8")
    monkeypatch.setattr(texts, "CATALOGUE_DIR", tmp_path)
    texts.catalogue.cache_clear()
    try:
        with pytest.raises(texts.CatalogueError, match="b"):
            texts.catalogue("en")
    finally:
        monkeypatch.undo()
        texts.catalogue.cache_clear()

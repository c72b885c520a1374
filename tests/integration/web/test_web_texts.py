"""web/: the widget's texts come from one catalogue per language (web/catalogue/*.yml) and the facts in
them and on the demo page (code lifetime, S11 contacts) from kernel.facts, never typed in."""
from __future__ import annotations

import json
import pathlib
import re

import pytest

from kernel.facts import CONTACTS
from kernel.settings import SettingsError

WEB = pathlib.Path(__file__).resolve().parents[3] / "web"


def _app(monkeypatch, gateway_settings, days: str | None):
    from tests.fixtures.gateway_services import make_gateway_app

    if days is None:
        monkeypatch.delenv("CODE_TTL_DAYS", raising=False)
    else:
        monkeypatch.setenv("CODE_TTL_DAYS", days)
    return make_gateway_app(gateway_settings)


def _widget_texts(js: str) -> dict:
    found = re.search(r"var TEXT = (\{.*?\});\n", js)
    assert found, "widget.js carries no texts"
    return json.loads(found.group(1))


def test_code_lifetime_of_the_setting_in_the_widget_and_on_the_demo_page(monkeypatch, gateway_settings):
    app = _app(monkeypatch, gateway_settings, "7")
    client = app.test_client()
    js = client.get("/widget/widget.js").get_data(as_text=True)
    texts = _widget_texts(js)
    assert "7 napig érvényes" in texts["hu"]["codeRequested"]
    assert "valid for 7 days" in texts["en"]["codeRequested"]
    html = client.get("/").get_data(as_text=True)
    assert "7 napig érvényes" in html
    for page in (js, html):
        assert "5 nap" not in page and "5 days" not in page
    app.extensions["gateway_engine"].dispose()


def test_without_the_setting_the_letters_five_days(monkeypatch, gateway_settings):
    app = _app(monkeypatch, gateway_settings, None)
    texts = _widget_texts(app.test_client().get("/widget/widget.js").get_data(as_text=True))
    assert "5 napig érvényes" in texts["hu"]["codeRequested"] and "valid for 5 days" in texts["en"]["codeRequested"]
    app.extensions["gateway_engine"].dispose()


def test_s11_contacts_in_the_widget_and_on_the_demo_page_come_from_the_kernel(monkeypatch, gateway_settings):
    app = _app(monkeypatch, gateway_settings, None)
    client = app.test_client()
    texts = _widget_texts(client.get("/widget/widget.js").get_data(as_text=True))
    for language in ("hu", "en"):
        assert CONTACTS.phone in texts[language]["unavailable"]
        assert CONTACTS.phone_abroad in texts[language]["unavailable"]
    html = client.get("/").get_data(as_text=True)
    for fact in (CONTACTS.phone_abroad, CONTACTS.email, CONTACTS.web):
        assert fact in html
    app.extensions["gateway_engine"].dispose()


def test_no_fact_is_typed_into_the_widget_the_catalogues_or_the_demo_page():
    sources = [WEB / "static" / "widget.js", WEB / "templates" / "web" / "demo.html",
               *sorted((WEB / "catalogue").glob("*.yml"))]
    for path in sources:
        text = path.read_text(encoding="utf-8")
        for fact in ("371 9300", "189", "ugyfelvonal.hu", "5 nap", "5 days", "five days", "öt nap"):
            assert fact not in text, f"{path.name} writes {fact!r} by hand"


def test_the_widget_fills_only_its_own_placeholders(monkeypatch, gateway_settings):
    app = _app(monkeypatch, gateway_settings, None)
    texts = _widget_texts(app.test_client().get("/widget/widget.js").get_data(as_text=True))
    left = {name for lang in texts.values() for text in lang.values() for name in re.findall(r"\{(\w+)\}", text)}
    assert left == {"reference", "position", "name", "n", "back", "minutes"}  # web.texts.WIDGET_PLACEHOLDERS
    assert texts["hu"].keys() == texts["en"].keys()
    app.extensions["gateway_engine"].dispose()


def test_a_catalogue_placeholder_nobody_fills_is_refused():
    from kernel.facts import text_params
    from web.texts import CatalogueError, catalogue, check_catalogues

    check_catalogues({"hu": catalogue("hu"), "en": catalogue("en")}, text_params("hu", {}))
    broken = {"hu": dict(catalogue("hu"), title="Segítség {username}"), "en": dict(catalogue("en"), title="Help {username}")}
    with pytest.raises(CatalogueError, match="unknown placeholders"):
        check_catalogues(broken, text_params("hu", {}))
    one_sided = {"hu": catalogue("hu"), "en": dict(catalogue("en"), title="Help {days}")}
    with pytest.raises(CatalogueError, match="other placeholders"):
        check_catalogues(one_sided, text_params("hu", {}))
    missing = {"hu": catalogue("hu"), "en": {k: v for k, v in catalogue("en").items() if k != "title"}}
    with pytest.raises(CatalogueError, match="differ in keys: title"):
        check_catalogues(missing, text_params("hu", {}))


def test_a_bad_code_lifetime_stops_the_gateway_at_start(monkeypatch, gateway_settings):
    with pytest.raises(SettingsError, match="CODE_TTL_DAYS"):
        _app(monkeypatch, gateway_settings, "five")

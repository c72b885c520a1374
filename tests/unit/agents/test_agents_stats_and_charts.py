"""Statistics helpers and the server-rendered SVG charts; the canned answers cover S3–S11 in both languages."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from agents import charts
from agents.canned import CANNED, canned_for
from agents.stats import MISTAKES, percentile


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))
    assert percentile(values, 50) == 50
    assert percentile(values, 90) == 90
    assert percentile([7.0], 90) == 7.0
    assert percentile([], 50) is None


def test_mistake_types_cover_s4_to_s9():
    assert sorted({rule for rule, _ in MISTAKES.values()}) == ["S4", "S5", "S6", "S7", "S8", "S9"]


def test_charts_are_valid_svg_with_an_accessible_summary_and_escaped_labels():
    bars = charts.grouped_bars("Forgalom <óránként>", ["00", "01"], {"chat": [1, 3], "telefon": [0, 2]})
    root = ET.fromstring(str(bars))
    assert root.tag.endswith("svg") and root.get("role") == "img"
    assert "chat: 4" in root.get("aria-label") and "<óránként>" in root.get("aria-label")
    assert len(root.findall("{http://www.w3.org/2000/svg}rect")) == 4 + 2  # bars + legend
    hbars = ET.fromstring(str(charts.horizontal_bars("Okok", [("user_asked", 3), ("<script>", 1)])))
    assert any(t.text == "<script>" for t in hbars.iter("{http://www.w3.org/2000/svg}text"))
    empty = ET.fromstring(str(charts.horizontal_bars("Okok", [])))
    assert "no data" in empty.get("aria-label")


def test_canned_answers_exist_in_hungarian_and_english_for_the_letters_topics():
    for key, texts in CANNED.items():
        assert set(texts) == {"hu", "en"}, key
    titles = " ".join(title for _, title, _ in canned_for("en"))
    for rule in ("S3", "S4", "S5", "S6", "S7", "S8", "S9", "S10", "S11"):
        assert f"({rule})" in titles
    contact = dict((k, text) for k, _, text in canned_for("hu"))["contact"]
    assert "189" in contact and "+36 1 371 9300" in contact and "189@ugyfelvonal.hu" in contact

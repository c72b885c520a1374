"""The statistics page shows the figures of a chosen period (per day, channel, language, mistake type
and agent, as charts and tables, in the console's language) and exports them as CSV; supervisors only."""
from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest

from agents import csat
from agents.models import ConversationEvent
from kernel.clock import utcnow
from tests.fixtures.gateway_services import AGENT_PASSWORD, login


@pytest.fixture
def seeded(console_app):
    from agents.accounts import create_agent
    from gateway import sessions_of

    old = utcnow() - timedelta(days=2)
    with sessions_of(console_app)() as s:
        create_agent(s, "vera", AGENT_PASSWORD, "supervisor", "Vera")
        create_agent(s, "anna", AGENT_PASSWORD, "agent", "Anna")
        for cid, channel, lang, topic in (("c1", "chat", "hu", "code_expired"), ("c2", "chat", "en", None),
                                          ("p1", "phone", "hu", "forgot_username")):
            s.add(ConversationEvent(conversation_id=cid, channel=channel, language=lang, kind="started", detail="", at=old))
            if topic:
                s.add(ConversationEvent(conversation_id=cid, channel=channel, language=lang, kind="topic",
                                        detail=topic, at=old))
        s.commit()
        csat.record_rating(s, channel="chat", conversation_id="c1", rating=5)
        csat.record_rating(s, channel="phone", conversation_id="p1", rating=3)
    return console_app


def supervisor(app, language="en"):
    c = app.test_client()
    assert login(c, "vera").status_code == 302
    c.post("/agents/language", data={"language": language, "csrf_token": _csrf(c)})
    return c


def _csrf(c):
    from tests.fixtures.gateway_services import csrf_from

    return csrf_from(c.get("/agents/").get_data(as_text=True))


def test_the_page_shows_the_figures_of_the_period_in_both_languages(seeded):
    en = supervisor(seeded, "en").get("/agents/stats?days=7").get_data(as_text=True)
    assert 'id="kpi-containment">100 %' in en and 'id="kpi-handoff">0 %' in en and 'id="kpi-csat">50 %' in en
    assert "Contained" in en and "By mistake type (S4–S9)" in en and "Export CSV" in en
    assert 'data-group="S4 code_expired"' in en and 'data-group="S9 forgot_username"' in en
    for svg in en.split("<svg")[1:]:
        ET.fromstring("<svg" + svg.split("</svg>")[0] + "</svg>")  # every chart is well-formed SVG
    assert en.count("<svg") >= 10
    hu = supervisor(seeded, "hu").get("/agents/stats").get_data(as_text=True)
    assert "Elégedettség (4–5 az 5-ből)" in hu and "Hibatípus szerint (S4–S9)" in hu
    # a period before the history: nothing in it
    empty = supervisor(seeded, "en").get("/agents/stats?from=2020-01-01&to=2020-01-07").get_data(as_text=True)
    assert 'id="kpi-containment">–' in empty and "Statistics 2020-01-01 – 2020-01-07" in empty


def test_a_bad_period_falls_back_to_the_last_week_never_a_500(seeded):
    vera = supervisor(seeded)
    for query in ("from=2026-13-01", "from=2026-12-01&to=2026-01-01", "days=abc", "to=x&from=y",
                  "from=2000-01-01&to=2026-01-01", "days=0", "from=" + "9" * 300):
        r = vera.get(f"/agents/stats?{query}")
        assert r.status_code == 200 and "Statistics" in r.get_data(as_text=True), query
        assert vera.get(f"/agents/stats.csv?{query}").status_code == 200, query


def test_csv_export_has_one_row_per_group_and_is_for_supervisors_only(seeded):
    anna = seeded.test_client()
    login(anna, "anna")
    assert anna.get("/agents/stats.csv").status_code == 403
    r = supervisor(seeded).get("/agents/stats.csv?days=7")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    overall = rows[0]
    assert (overall["dimension"], overall["conversations"], overall["csat"], overall["containment_rate"]) == \
        ("overall", "3", "0.5", "1")
    assert sum(1 for row in rows if row["dimension"] == "day") == 7
    assert {row["group"] for row in rows if row["dimension"] == "channel"} == {"chat", "phone"}

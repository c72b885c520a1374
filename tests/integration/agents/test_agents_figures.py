"""The figures of docs/agents.md from a seeded history: exactly the expected containment, handoff,
abandonment, first-answer, handling, new-code and CSAT numbers, per channel, language, mistake type,
day and agent; the CSV export carries the same numbers; ratings are one per conversation and their
comments redacted."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from fractions import Fraction

import pytest

from agents import csat, figures
from agents.models import AuditEntry, ConversationEvent, Escalation, EscalationMessage

UTC = timezone.utc
SINCE = datetime(2026, 11, 25, tzinfo=UTC)
UNTIL = datetime(2026, 11, 30, tzinfo=UTC)
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def event(session, cid, channel, language, kind, when, detail="", contact=None):
    session.add(ConversationEvent(conversation_id=cid, channel=channel, language=language, kind=kind,
                                  detail=detail, at=when, contact_key=contact))


def case(session, cid, channel, language, created, *, claimed=None, closed=None, agent=None, outcome=None,
         status="closed", diagnosis=None):
    e = Escalation(reference=f"HD-{cid[-4:].upper()}", idempotency_key=f"{channel}:{cid}", channel=channel,
                   conversation_id=cid, language=language, reason="user_asked", transcript=[], tried=[],
                   diagnosis=diagnosis, status=status, created_at=created,
                   claimed_at=claimed, closed_at=closed, claimed_by_id=agent.id if agent else None, outcome=outcome)
    session.add(e)
    session.flush()
    return e


@pytest.fixture
def history(db_session, make_agent):
    """Eight conversations in the period (and one before it); see each line's comment."""
    anna = make_agent("anna", display_name="Anna")
    s = db_session
    k1, k2, k3 = "a" * 64, "b" * 64, "c" * 64
    # before the period, same contact as c1: does not make c1 a repeat (it came first)
    event(s, "c0", "chat", "hu", "started", at(24, 9), contact=k1)
    # c1: chat hu, bot solved, new code sent by the bot, no contact again -> contained; rated 4
    event(s, "c1", "chat", "hu", "started", at(26, 10), contact=k1)
    event(s, "c1", "chat", "hu", "topic", at(26, 10, 1), "code_expired")
    event(s, "c1", "chat", "hu", "topic", at(26, 10, 3), "new_code_completed")
    # c2 and c3: the same account (k2) twice within 24 h -> c2 not contained, c3 contained
    event(s, "c2", "chat", "en", "started", at(26, 11), contact=k2)
    event(s, "c2", "chat", "en", "topic", at(26, 11, 1), "code_not_received")
    event(s, "c3", "chat", "en", "started", at(26, 20), contact=k2)
    # p1: phone hu, escalated, put through after 60 s to Anna, 300 s handled, agent sent a code; rated 5
    event(s, "p1", "phone", "hu", "started", at(27, 9), contact=k3)
    event(s, "p1", "phone", "hu", "topic", at(27, 9, 1), "forgot_password")
    p1 = case(s, "p1", "phone", "hu", at(27, 9, 2), claimed=at(27, 9, 3), closed=at(27, 9, 8), agent=anna,
              outcome="phone_call_completed")
    s.add(AuditEntry(agent_id=anna.id, actor="anna", action="new_code_requested", escalation_id=p1.id, detail={}))
    event(s, "p1", "phone", "hu", "ended", at(27, 9, 9))
    # p2: phone hu, escalated, hung up in the queue after 120 s -> abandoned
    event(s, "p2", "phone", "hu", "started", at(27, 10))
    case(s, "p2", "phone", "hu", at(27, 10, 1), closed=at(27, 10, 3), outcome="caller_hung_up_waiting")
    # c4: chat hu, escalated, Anna claims after 30 s, first answer after 45 s, closes after 600 s; rated 2
    event(s, "c4", "chat", "hu", "started", at(28, 8))
    c4 = case(s, "c4", "chat", "hu", at(28, 8, 0), claimed=at(28, 8, 0) + timedelta(seconds=30),
              closed=at(28, 8, 10) + timedelta(seconds=30), agent=anna, outcome="solved",
              diagnosis={"verified": True, "recent_failures": [{"at": "x", "reason": "code_used_as_password"}]})
    s.add(EscalationMessage(escalation_id=c4.id, kind="message", sender="agent", text="Jó napot!", agent_id=anna.id,
                            created_at=at(28, 8, 0) + timedelta(seconds=45)))
    s.add(EscalationMessage(escalation_id=c4.id, kind="message", sender="agent", text="Még valami?", agent_id=anna.id,
                            created_at=at(28, 8, 5)))
    # p3: phone en, withheld number, the bot sent a code, ended -> contained
    event(s, "p3", "phone", "en", "started", at(28, 15))
    event(s, "p3", "phone", "en", "topic", at(28, 15, 2), "new_code_completed")
    event(s, "p3", "phone", "en", "ended", at(28, 15, 5))
    # c5: chat en, 23:30 on the last day: its 24 h are not over at NOW -> pending (not in the rate)
    event(s, "c5", "chat", "en", "started", at(29, 23, 30))
    s.commit()
    csat.record_rating(s, channel="chat", conversation_id="c1", rating=4, language="hu")
    csat.record_rating(s, channel="phone", conversation_id="p1", rating=5, language="hu")
    csat.record_rating(s, channel="chat", conversation_id="c4", rating=2,
                       comment="A kódom ABCD-1234-EFGH-5678, a címem kiss.pista@example.hu")
    return s


def test_seeded_history_gives_exactly_the_expected_figures(history):
    rep = figures.report(history, SINCE, UNTIL, now=NOW)
    o = rep.overall
    assert (o.conversations, o.escalated) == (8, 3)
    assert Fraction(o.escalated, o.conversations) == Fraction(3, 8) and o.handoff_rate == 0.375
    assert (o.contained, o.decided) == (3, 7)           # c1, c3, p3 of c1 c2 c3 p3 + three escalated; c5 pending
    assert (o.escalations, o.abandoned) == (3, 1) and o.abandonment_rate == pytest.approx(1 / 3)
    assert (o.first_answer_median_s, o.first_answer_p90_s) == (45, 60)
    assert (o.handling_median_s, o.handling_p90_s) == (300, 600)
    assert (o.new_codes_bot, o.new_codes_agent) == (2, 1)
    assert (o.ratings, o.satisfied, o.rating_mean) == (3, 2, 3.67)

    chat, phone = rep.by_channel["chat"], rep.by_channel["phone"]
    assert (chat.conversations, chat.escalated, chat.contained, chat.decided) == (5, 1, 2, 4)
    assert (phone.conversations, phone.escalated, phone.contained, phone.decided) == (3, 2, 1, 3)
    assert (phone.abandoned, phone.escalations) == (1, 2) and chat.abandoned == 0
    assert (chat.ratings, chat.satisfied, phone.ratings, phone.satisfied) == (2, 1, 1, 1)
    assert chat.new_code_bot_share == 1.0 and phone.new_code_bot_share == 0.5

    hu, en = rep.by_language["hu"], rep.by_language["en"]
    assert (hu.conversations, hu.escalated, hu.contained, hu.ratings) == (4, 3, 1, 3)
    assert (en.conversations, en.escalated, en.contained, en.decided) == (4, 0, 2, 3)

    m = rep.by_mistake
    assert list(m) == ["S4 code_expired", "S5 code_not_received", "S6 own_name_as_username",
                       "S7 code_as_password", "S8 forgot_password", "S9 forgot_username"]
    assert (m["S4 code_expired"].conversations, m["S4 code_expired"].contained, m["S4 code_expired"].csat) == (1, 1, 1.0)
    assert (m["S5 code_not_received"].conversations, m["S5 code_not_received"].contained) == (1, 0)
    assert (m["S7 code_as_password"].escalated, m["S7 code_as_password"].csat) == (1, 0.0)  # from c4's diagnosis
    assert (m["S8 forgot_password"].escalated, m["S8 forgot_password"].new_codes_agent) == (1, 1)
    assert m["S9 forgot_username"].conversations == 0

    assert list(rep.by_day) == ["2026-11-25", "2026-11-26", "2026-11-27", "2026-11-28", "2026-11-29", "2026-11-30"]
    assert [rep.by_day[d].conversations for d in rep.by_day] == [0, 3, 2, 2, 0, 1]  # c5 is 00:30 in Budapest
    anna = rep.by_agent["Anna"]
    assert (anna.escalations, anna.ratings, anna.satisfied, anna.handling_median_s) == (2, 2, 1, 300)


def test_csv_export_carries_the_same_numbers(history):
    rep = figures.report(history, SINCE, UNTIL, now=NOW)
    rows = list(csv.DictReader(io.StringIO(figures.as_csv(rep))))
    overall = next(r for r in rows if r["dimension"] == "overall")
    assert overall["conversations"] == "8" and overall["handoff_rate"] == "0.375"
    assert overall["containment_rate"] == "0.4286" and overall["abandonment_rate"] == "0.3333"
    assert overall["csat"] == "0.6667" and overall["rating_mean"] == "3.67"
    phone = next(r for r in rows if r["dimension"] == "channel" and r["group"] == "phone")
    assert phone["abandoned"] == "1" and phone["new_code_bot_share"] == "0.5"
    assert {r["group"] for r in rows if r["dimension"] == "mistake"} >= {"S4 code_expired", "S9 forgot_username"}


def test_one_rating_per_conversation_and_the_comment_is_redacted(history):
    again = csat.record_rating(history, channel="chat", conversation_id="c4", rating=5, comment="mégis jó")
    assert not again.created and again.rating.rating == 2
    comment = again.rating.comment
    assert "ABCD-1234-EFGH-5678" not in comment and "REDACTEDSECRET" in comment
    assert "kiss.pista@example.hu" not in comment and "ki***@e***.hu" in comment
    assert again.rating.agent_id is not None  # the agent who had the case is copied in


@pytest.mark.parametrize("bad", [0, 6, "5", 4.5, True, None])
def test_a_rating_outside_1_to_5_is_refused_naming_the_field(db_session, bad):
    from kernel.contracts import ContractError

    with pytest.raises(ContractError) as caught:
        csat.record_rating(db_session, channel="chat", conversation_id="x", rating=bad)
    assert caught.value.field == "rating"


def test_a_period_in_budapest_time_counts_what_happened_after_local_midnight(db_session):
    """SQLite compares stored UTC times as text: the bounds must be turned into UTC first (a rating at
    00:30 Budapest time, 23:30 UTC the day before, belongs to the new day)."""
    from agents.models import CsatRating
    from agents.stats import LOCAL_TIME

    event(db_session, "late-1", "chat", "hu", "started", at(26, 23, 20))
    db_session.commit()
    csat.record_rating(db_session, channel="chat", conversation_id="late-1", rating=5)
    row = db_session.query(CsatRating).one()
    row.at = at(26, 23, 30)
    db_session.commit()
    day = datetime(2026, 11, 27, tzinfo=LOCAL_TIME)
    rep = figures.report(db_session, day, day + timedelta(days=1), now=NOW)
    assert (rep.overall.conversations, rep.overall.ratings, rep.overall.csat) == (1, 1, 1.0)

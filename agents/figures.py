"""The figures supervisors are judged by, computed from the stored events (never estimated).
Definitions (docs/agents.md, "Figures"):

- a *conversation* is one chat session or one call: its ``started`` event, or its escalation;
- *handoff rate* = conversations with an escalation ÷ conversations;
- *contained* = ended without an escalation and with no new contact from the same caller or account
  (``contact_key``, a keyed digest) within 24 h of its last event; a conversation whose 24 h are not
  over yet is *pending* and not in the containment rate (contained ÷ decided);
- *abandoned* = an escalation that ended while waiting, before any agent: the caller hung up in the
  queue (``caller_hung_up_waiting``) or the user closed the chat (``user_left_waiting``);
  abandonment rate = abandoned ÷ escalations;
- *time to first agent answer*: chat — the first agent message after the escalation; phone — the
  caller put through to an agent (``claimed_at``); median and 90th percentile (nearest rank);
- *handling time*: from the claim to the close (closed or handed back);
- *new codes by the bot* = new-code requests the assistant or the phone line completed (topic
  ``new_code_completed``) ÷ all completed (those + the ones an agent sent, audit ``new_code_requested``);
- *CSAT* = ratings of 4 or 5 ÷ ratings; also the mean and the count.

Each figure is given overall and per day (Europe/Budapest), channel, language, mistake type
(S4–S9; a conversation with two counts in both) and — for CSAT and handling — per agent."""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta, timezone
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from agents.csat import ABANDONED_OUTCOMES
from agents.models import AgentAccount, AuditEntry, ConversationEvent, CsatRating, Escalation, EscalationMessage
from agents.stats import LOCAL_TIME, MISTAKES, _MISTAKE_OF, percentile
from kernel.clock import as_utc, utcnow

REPEAT_WINDOW = timedelta(hours=24)
NEW_CODE_DONE = "new_code_completed"


@dataclass
class Conversation:
    id: str
    channel: str
    language: str | None
    started_at: datetime
    last_at: datetime
    contact_key: str | None = None
    mistakes: set[str] = field(default_factory=set)
    escalations: list[Escalation] = field(default_factory=list)
    bot_new_code: bool = False
    repeat: bool = False

    @property
    def day(self) -> date:
        return self.started_at.astimezone(LOCAL_TIME).date()


@dataclass
class Figures:
    conversations: int = 0
    escalated: int = 0
    contained: int = 0
    decided: int = 0           # conversations whose 24 h window is over (or that escalated)
    contained_so_far: int = 0  # no escalation and no new contact yet, 24 h over or not (the live view)
    escalations: int = 0
    abandoned: int = 0
    first_answer_median_s: float | None = None
    first_answer_p90_s: float | None = None
    handling_median_s: float | None = None
    handling_p90_s: float | None = None
    new_codes_bot: int = 0
    new_codes_agent: int = 0
    ratings: int = 0
    satisfied: int = 0         # ratings of 4 or 5
    rating_mean: float | None = None

    @property
    def handoff_rate(self) -> float | None:
        return self.escalated / self.conversations if self.conversations else None

    @property
    def containment_rate(self) -> float | None:
        return self.contained / self.decided if self.decided else None

    @property
    def contained_so_far_rate(self) -> float | None:
        return self.contained_so_far / self.conversations if self.conversations else None

    @property
    def abandonment_rate(self) -> float | None:
        return self.abandoned / self.escalations if self.escalations else None

    @property
    def new_code_bot_share(self) -> float | None:
        total = self.new_codes_bot + self.new_codes_agent
        return self.new_codes_bot / total if total else None

    @property
    def csat(self) -> float | None:
        return self.satisfied / self.ratings if self.ratings else None


@dataclass
class Report:
    since: datetime
    until: datetime
    overall: Figures
    by_channel: dict[str, Figures]
    by_language: dict[str, Figures]
    by_mistake: dict[str, Figures]   # "S4 code_expired" -> figures
    by_day: dict[str, Figures]       # "2026-12-01" -> figures
    by_agent: dict[str, Figures]     # display name -> figures (escalations handled, CSAT)


def _aware(value: datetime | None) -> datetime | None:
    return as_utc(value) if value is not None else None


def load_conversations(session: Session, since: datetime, until: datetime,
                       now: datetime) -> dict[tuple[str, str], Conversation]:
    """Every conversation that started in [since, until), with its events, escalations and whether
    the same contact came back within 24 h."""
    events = list(session.scalars(select(ConversationEvent).where(
        ConversationEvent.at >= since - REPEAT_WINDOW, ConversationEvent.at < until + REPEAT_WINDOW)))
    escalations = list(session.scalars(select(Escalation).where(
        Escalation.created_at >= since - REPEAT_WINDOW, Escalation.created_at < until + REPEAT_WINDOW)))
    conversations: dict[tuple[str, str], Conversation] = {}

    def of(channel: str, conversation_id: str, language: str | None, at: datetime) -> Conversation:
        key = (channel, conversation_id)
        conv = conversations.get(key)
        if conv is None:
            conv = conversations[key] = Conversation(conversation_id, channel, language, at, at)
        conv.started_at, conv.last_at = min(conv.started_at, at), max(conv.last_at, at)
        conv.language = conv.language or language
        return conv

    for ev in sorted(events, key=lambda e: (e.kind != "started", _aware(e.at))):
        conv = of(ev.channel, ev.conversation_id, ev.language, _aware(ev.at))
        conv.contact_key = conv.contact_key or ev.contact_key
        if ev.kind == "topic" and ev.detail in _MISTAKE_OF:
            conv.mistakes.add(_MISTAKE_OF[ev.detail])
        if ev.kind == "topic" and ev.detail == NEW_CODE_DONE:
            conv.bot_new_code = True
    for e in escalations:
        conv = of(e.channel, e.conversation_id, e.language, _aware(e.created_at))
        conv.escalations.append(e)
        for stamp in (e.claimed_at, e.closed_at):
            if stamp is not None:
                conv.last_at = max(conv.last_at, _aware(stamp))
        for failure in (e.diagnosis or {}).get("recent_failures") or []:
            reason = failure.get("reason") if isinstance(failure, dict) else None
            if reason in _MISTAKE_OF:
                conv.mistakes.add(_MISTAKE_OF[reason])
    by_contact: dict[str, list[Conversation]] = defaultdict(list)
    for conv in conversations.values():
        if conv.contact_key:
            by_contact[conv.contact_key].append(conv)
    for convs in by_contact.values():
        convs.sort(key=lambda c: c.started_at)
        for first, later in zip(convs, convs[1:]):
            if later.started_at - first.last_at <= REPEAT_WINDOW:
                first.repeat = True
    return {k: c for k, c in conversations.items() if since <= c.started_at < until}


def _first_agent_answers(session: Session, escalations: list[Escalation]) -> dict[str, datetime]:
    chat_ids = [e.id for e in escalations if e.channel == "chat"]
    first: dict[str, datetime] = {}
    if chat_ids:
        for escalation_id, at in session.execute(select(EscalationMessage.escalation_id, EscalationMessage.created_at)
                                                 .where(EscalationMessage.escalation_id.in_(chat_ids),
                                                        EscalationMessage.sender == "agent",
                                                        EscalationMessage.kind == "message")):
            at = _aware(at)
            if escalation_id not in first or at < first[escalation_id]:
                first[escalation_id] = at
    for e in escalations:
        if e.channel == "phone" and e.claimed_at is not None:
            first[e.id] = _aware(e.claimed_at)
    return first


def _agent_new_codes(session: Session, escalation_ids: list[str]) -> set[str]:
    if not escalation_ids:
        return set()
    return set(session.scalars(select(AuditEntry.escalation_id).where(
        AuditEntry.escalation_id.in_(escalation_ids), AuditEntry.action == "new_code_requested")))


def _fill(figures: Figures, convs: Iterable[Conversation], now: datetime, first_answer: dict[str, datetime],
          agent_codes: set[str], ratings: Iterable[CsatRating], escalations: Iterable[Escalation] | None = None) -> Figures:
    convs = list(convs)
    figures.conversations = len(convs)
    figures.escalated = sum(1 for c in convs if c.escalations)
    figures.contained_so_far = sum(1 for c in convs if not c.escalations and not c.repeat)
    for c in convs:
        if c.escalations:
            figures.decided += 1
        elif c.repeat:
            figures.decided += 1
        elif now - c.last_at >= REPEAT_WINDOW:
            figures.decided += 1
            figures.contained += 1
    cases = list(escalations) if escalations is not None else [e for c in convs for e in c.escalations]
    figures.escalations = len(cases)
    figures.abandoned = sum(1 for e in cases if e.claimed_at is None and e.outcome in ABANDONED_OUTCOMES)
    answers = [(first_answer[e.id] - _aware(e.created_at)).total_seconds() for e in cases if e.id in first_answer]
    handling = [(_aware(e.closed_at) - _aware(e.claimed_at)).total_seconds() for e in cases
                if e.claimed_at is not None and e.closed_at is not None and e.status in ("closed", "handed_back")]
    figures.first_answer_median_s, figures.first_answer_p90_s = percentile(answers, 50), percentile(answers, 90)
    figures.handling_median_s, figures.handling_p90_s = percentile(handling, 50), percentile(handling, 90)
    figures.new_codes_bot = sum(1 for c in convs if c.bot_new_code)
    figures.new_codes_agent = sum(1 for e in cases if e.id in agent_codes)
    values = [r.rating for r in ratings]
    figures.ratings = len(values)
    figures.satisfied = sum(1 for v in values if v >= 4)
    figures.rating_mean = round(sum(values) / len(values), 2) if values else None
    return figures


def report(session: Session, since: datetime, until: datetime, now: datetime | None = None) -> Report:
    now = now or utcnow()
    # SQLite compares stored UTC times as text: every bound must be UTC, not Budapest wall time
    since, until = as_utc(since).astimezone(timezone.utc), as_utc(until).astimezone(timezone.utc)
    conversations = load_conversations(session, since, until, now)
    convs = list(conversations.values())
    cases = [e for c in convs for e in c.escalations]
    first_answer = _first_agent_answers(session, cases)
    agent_codes = _agent_new_codes(session, [e.id for e in cases])
    ratings = [r for r in session.scalars(select(CsatRating).where(CsatRating.at >= since))
               if (r.channel, r.conversation_id) in conversations]

    def rated(members: list[Conversation]) -> list[CsatRating]:
        keys = {(c.channel, c.id) for c in members}
        return [r for r in ratings if (r.channel, r.conversation_id) in keys]

    def group(key_of) -> dict[str, Figures]:
        members: dict[str, list[Conversation]] = defaultdict(list)
        for c in convs:
            for key in key_of(c):
                members[key].append(c)
        return {k: _fill(Figures(), v, now, first_answer, agent_codes, rated(v)) for k, v in sorted(members.items())}

    mistake_label = {name: f"{rule} {name}" for name, (rule, _) in MISTAKES.items()}
    by_mistake = group(lambda c: [mistake_label[m] for m in c.mistakes])
    by_mistake = {label: by_mistake.get(label, Figures()) for label in mistake_label.values()}
    names = {a.id: a.display_name for a in session.scalars(select(AgentAccount))}
    by_agent: dict[str, Figures] = {}
    handled: dict[str, list[Escalation]] = defaultdict(list)
    for e in cases:
        if e.claimed_by_id is not None:
            handled[names.get(e.claimed_by_id, "?")].append(e)
    agent_ratings: dict[str, list[CsatRating]] = defaultdict(list)
    for r in ratings:
        if r.agent_id is not None:
            agent_ratings[names.get(r.agent_id, "?")].append(r)
    for name in sorted(set(handled) | set(agent_ratings)):
        by_agent[name] = _fill(Figures(), [], now, first_answer, agent_codes, agent_ratings.get(name, []),
                               escalations=handled.get(name, []))
    days: dict[str, Figures] = {}
    day = since.astimezone(LOCAL_TIME).date()
    last_day = (until - timedelta(microseconds=1)).astimezone(LOCAL_TIME).date()
    by_day = group(lambda c: [c.day.isoformat()])
    while day <= last_day:
        days[day.isoformat()] = by_day.get(day.isoformat(), Figures())
        day += timedelta(days=1)
    return Report(
        since=since, until=until,
        overall=_fill(Figures(), convs, now, first_answer, agent_codes, ratings),
        by_channel={ch: v for ch, v in group(lambda c: [c.channel]).items()},
        by_language=group(lambda c: [c.language or "?"]),
        by_mistake=by_mistake, by_day=days, by_agent=by_agent,
    )


# --- CSV export ---------------------------------------------------------------------------------

COLUMNS = ("conversations", "escalated", "handoff_rate", "decided", "contained", "containment_rate", "contained_so_far",
           "escalations", "abandoned", "abandonment_rate", "first_answer_median_s", "first_answer_p90_s",
           "handling_median_s", "handling_p90_s", "new_codes_bot", "new_codes_agent", "new_code_bot_share",
           "ratings", "satisfied", "csat", "rating_mean")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return str(value)


def as_csv(rep: Report) -> str:
    """One row per (dimension, group): overall, day, channel, language, mistake, agent."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(("dimension", "group", *COLUMNS))
    sections = [("overall", {"all": rep.overall}), ("day", rep.by_day), ("channel", rep.by_channel),
                ("language", rep.by_language), ("mistake", rep.by_mistake), ("agent", rep.by_agent)]
    for dimension, groups in sections:
        for name, figures in groups.items():
            writer.writerow((dimension, _safe(name), *(_cell(getattr(figures, column)) for column in COLUMNS)))
    return out.getvalue()


def _safe(text: str) -> str:
    """No spreadsheet formula injection through a display name."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


assert {f.name for f in fields(Figures)} <= set(COLUMNS)

"""Conversation events (how many conversations each channel had, which S4–S9 mistakes came up) and
the supervisor statistics computed from them and from the escalations. The assistant sends chat
events over HTTP; the phone line records one for every call through agents/phone_port.py."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agents.models import ConversationEvent, Escalation
from kernel.clock import as_utc, utcnow
from kernel.contracts import ContractError
from kernel.contracts import ConversationEvent as ConversationEventRequest
from kernel.fields import CHANNELS

LOCAL_TIME = ZoneInfo("Europe/Budapest")

# The letter's typical mistakes (S4–S9) and the names the bot (intents) and the backend (login
# reason codes) use for them.
MISTAKES: dict[str, tuple[str, tuple[str, ...]]] = {
    "code_expired": ("S4", ("code_expired",)),
    "code_not_received": ("S5", ("code_not_received",)),
    "own_name_as_username": ("S6", ("own_name_as_username", "username_looks_like_legal_name")),
    "code_as_password": ("S7", ("code_as_password", "code_used_as_password")),
    "forgot_password": ("S8", ("forgot_password",)),
    "forgot_username": ("S9", ("forgot_username",)),
}
_MISTAKE_OF = {alias: name for name, (_, aliases) in MISTAKES.items() for alias in aliases}


def record_conversation_event(session: Session, payload: Any, contact_key: str | None = None) -> bool:
    """THE one write path of conversation events (the HTTP API, the phone line's port, a future
    queue consumer all call it). The same (conversation, kind, detail) again is a no-op, except that
    a ``contact_key`` (a keyed digest, kernel.privacy.keyed_digest — never a number or a name) is
    added to a row that had none. True if a row was stored. Raises ContractError naming the first bad field."""
    event = ConversationEventRequest.from_json(payload)
    detail = event.detail or ""
    if len(detail) > 64:
        raise ContractError("'detail' must be at most 64 characters.", "detail")
    if contact_key is not None and not (isinstance(contact_key, str) and 0 < len(contact_key) <= 64):
        raise ContractError("'contact_key' must be a digest of at most 64 characters.", "contact_key")
    exists = session.scalar(select(ConversationEvent).where(
        ConversationEvent.conversation_id == event.conversation_id, ConversationEvent.kind == event.kind,
        ConversationEvent.detail == detail))
    if exists is not None:
        if contact_key and not exists.contact_key:
            exists.contact_key = contact_key
            session.commit()
        return False
    session.add(ConversationEvent(conversation_id=event.conversation_id, channel=event.channel,
                                  language=event.language, kind=event.kind, detail=detail,
                                  contact_key=contact_key))
    try:
        session.commit()
    except IntegrityError:  # a concurrent duplicate
        session.rollback()
        return False
    return True


@dataclass
class Statistics:
    since: datetime
    by_hour: dict[str, list[int]]            # escalations per channel per local hour 0-23
    conversations_by_hour: dict[str, list[int]]
    conversations: dict[str, int]
    escalated_conversations: dict[str, int]
    solved_by_bot_share: dict[str, float | None]
    by_reason: list[tuple[str, int]]
    mistakes: list[tuple[str, str, int]]     # (rule, mistake, count)
    wait_median_s: float | None
    wait_p90_s: float | None
    escalations: int


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def compute(session: Session, days: int = 7, now: datetime | None = None, since: datetime | None = None,
            until: datetime | None = None) -> Statistics:
    """Traffic by hour, reasons, mistakes and waits of the last ``days`` days (or [since, until))."""
    now = now or utcnow()
    since = since or now - timedelta(days=days)
    until = until or now + timedelta(seconds=1)
    escalations = list(session.scalars(select(Escalation).where(Escalation.created_at >= since,
                                                                Escalation.created_at < until)))
    events = list(session.scalars(select(ConversationEvent).where(ConversationEvent.at >= since,
                                                                  ConversationEvent.at < until)))

    by_hour = {c: [0] * 24 for c in CHANNELS}
    conversations_by_hour = {c: [0] * 24 for c in CHANNELS}
    for e in escalations:
        by_hour[e.channel][as_utc(e.created_at).astimezone(LOCAL_TIME).hour] += 1
    started = {c: set() for c in CHANNELS}
    for ev in events:
        if ev.kind == "started":
            started[ev.channel].add(ev.conversation_id)
            conversations_by_hour[ev.channel][as_utc(ev.at).astimezone(LOCAL_TIME).hour] += 1
    escalated = {c: {e.conversation_id for e in escalations if e.channel == c} for c in CHANNELS}
    conversations = {c: len(started[c] | escalated[c]) for c in CHANNELS}
    share = {
        c: (1 - len(escalated[c]) / conversations[c]) if started[c] else None
        for c in CHANNELS
    }

    mistakes: Counter[str] = Counter()
    for ev in events:
        if ev.kind == "topic" and ev.detail in _MISTAKE_OF:
            mistakes[_MISTAKE_OF[ev.detail]] += 1
    for e in escalations:
        for failure in (e.diagnosis or {}).get("recent_failures") or []:
            reason = failure.get("reason") if isinstance(failure, dict) else None
            if reason in _MISTAKE_OF:
                mistakes[_MISTAKE_OF[reason]] += 1
    waits = [
        (as_utc(e.claimed_at) - as_utc(e.created_at)).total_seconds()
        for e in escalations if e.claimed_at is not None
    ]
    return Statistics(
        since=since,
        by_hour=by_hour,
        conversations_by_hour=conversations_by_hour,
        conversations=conversations,
        escalated_conversations={c: len(escalated[c]) for c in CHANNELS},
        solved_by_bot_share=share,
        by_reason=Counter(e.reason for e in escalations).most_common(),
        mistakes=[(MISTAKES[m][0], m, mistakes.get(m, 0)) for m in MISTAKES],
        wait_median_s=percentile(waits, 50),
        wait_p90_s=percentile(waits, 90),
        escalations=len(escalations),
    )

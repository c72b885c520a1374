"""Conversation events (how many conversations each channel had, which S4–S9 mistakes came up) and
the supervisor statistics computed from them and from the escalations."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agents.models import CHANNELS, LANGUAGES, ConversationEvent, Escalation, as_utc, utcnow
from agents.requests import InvalidRequest

LOCAL_TIME = ZoneInfo("Europe/Budapest")
EVENT_KINDS = ("started", "topic", "ended")
_CODE = re.compile(r"^[a-z0-9_]{1,64}$")

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


def record_conversation_event(session: Session, payload: Any) -> bool:
    """Store one event; the same (conversation, kind, detail) again is a no-op. True if stored."""
    if not isinstance(payload, dict):
        raise InvalidRequest("The body must be a JSON object.", status=400)
    conversation_id = payload.get("conversation_id")
    if not isinstance(conversation_id, str) or not 0 < len(conversation_id.strip()) <= 128:
        raise InvalidRequest("'conversation_id' must be 1-128 characters.", "conversation_id")
    channel = payload.get("channel")
    if channel not in CHANNELS:
        raise InvalidRequest("'channel' must be one of chat, phone.", "channel")
    language = payload.get("language")
    if language not in (None, *LANGUAGES):
        raise InvalidRequest("'language' must be hu, en or null.", "language")
    kind = payload.get("kind")
    if kind not in EVENT_KINDS:
        raise InvalidRequest("'kind' must be one of started, topic, ended.", "kind")
    detail = payload.get("detail") or ""
    if kind == "topic" and not (isinstance(detail, str) and _CODE.match(detail)):
        raise InvalidRequest("'detail' must be a lower-case topic code for kind=topic.", "detail")
    if not isinstance(detail, str) or len(detail) > 64:
        raise InvalidRequest("'detail' must be at most 64 characters.", "detail")
    exists = session.scalar(select(ConversationEvent.id).where(
        ConversationEvent.conversation_id == conversation_id, ConversationEvent.kind == kind,
        ConversationEvent.detail == detail))
    if exists is not None:
        return False
    session.add(ConversationEvent(conversation_id=conversation_id.strip(), channel=channel, language=language,
                                  kind=kind, detail=detail))
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


def _phone_calls(session: Session, since: datetime) -> list[tuple[str, datetime]]:
    """Calls the phone line recorded itself (ivr/ models, read-only, when mounted): every call is a
    conversation, whether or not the phone line also sent conversation events."""
    try:
        from ivr.models import PhoneCall
    except ImportError:
        return []
    return [(sid, at) for sid, at in session.execute(
        select(PhoneCall.call_sid, PhoneCall.started_at).where(PhoneCall.started_at >= since))]


def compute(session: Session, days: int = 7, now: datetime | None = None) -> Statistics:
    now = now or utcnow()
    since = now - timedelta(days=days)
    escalations = list(session.scalars(select(Escalation).where(Escalation.created_at >= since)))
    events = list(session.scalars(select(ConversationEvent).where(ConversationEvent.at >= since)))

    by_hour = {c: [0] * 24 for c in CHANNELS}
    conversations_by_hour = {c: [0] * 24 for c in CHANNELS}
    for e in escalations:
        by_hour[e.channel][as_utc(e.created_at).astimezone(LOCAL_TIME).hour] += 1
    started = {c: set() for c in CHANNELS}
    for ev in events:
        if ev.kind == "started":
            started[ev.channel].add(ev.conversation_id)
            conversations_by_hour[ev.channel][as_utc(ev.at).astimezone(LOCAL_TIME).hour] += 1
    for call_sid, started_at in _phone_calls(session, since):
        if call_sid not in started["phone"]:
            started["phone"].add(call_sid)
            conversations_by_hour["phone"][as_utc(started_at).astimezone(LOCAL_TIME).hour] += 1
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

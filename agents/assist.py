"""Agent assist: the canned answers that fit an open case, ranked, in the case's language.

What counts, strongest first (docs/agents.md, "Agent assist"):
- a mistake type (S4–S9) the backend recorded for the account (diagnosis ``recent_failures``, login
  reason codes) — 3 points each, at most two occurrences;
- a mistake type the conversation itself raised (topic events of the assistant or the phone line) — 3;
- the account's state in the diagnosis: never activated (S3), the last code lapsed (S4), the last
  code mail refused or still queued (S5), entering codes blocked (S8: a new code) — 2;
- what the bot already tried and why it handed over (a new code was requested: S5's checks; the
  backend was down: the S11 contacts) — 1.
Only answers with a reason are suggested; ties keep the catalogue's order."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from agents.canned import CANNED, canned_text
from agents.models import ConversationEvent, Escalation
from agents.stats import _MISTAKE_OF
from kernel.fields import LANGUAGES

MAX_SUGGESTIONS = 4


@dataclass(frozen=True)
class Suggestion:
    id: str
    title: str
    text: str
    score: int
    why: tuple[str, ...]   # text keys of the console's catalogue (assist_why_*), for the agent


def _add(scores: dict[str, int], why: dict[str, list[str]], canned_id: str, points: int, reason: str) -> None:
    if canned_id in CANNED:
        scores[canned_id] = scores.get(canned_id, 0) + points
        if reason not in why.setdefault(canned_id, []):
            why[canned_id].append(reason)


def conversation_topics(session: Session, escalation: Escalation) -> list[str]:
    return list(session.scalars(select(ConversationEvent.detail).where(
        ConversationEvent.conversation_id == escalation.conversation_id,
        ConversationEvent.channel == escalation.channel, ConversationEvent.kind == "topic")))


def score(diagnosis: dict[str, Any] | None, topics: Iterable[str], tried: Iterable[str], reason: str) -> tuple[dict[str, int], dict[str, list[str]]]:
    scores: dict[str, int] = {}
    why: dict[str, list[str]] = {}
    diagnosis = diagnosis if isinstance(diagnosis, dict) else {}
    counted: dict[str, int] = {}
    for failure in diagnosis.get("recent_failures") or []:
        code = failure.get("reason") if isinstance(failure, dict) else None
        mistake = _MISTAKE_OF.get(code or "")
        if mistake and counted.get(mistake, 0) < 2:
            counted[mistake] = counted.get(mistake, 0) + 1
            _add(scores, why, mistake, 3, "assist_why_backend")
        if code == "not_activated":
            _add(scores, why, "activation", 3, "assist_why_backend")
    for topic in topics:
        mistake = _MISTAKE_OF.get(topic or "")
        if mistake:
            _add(scores, why, mistake, 3, "assist_why_topic")
        elif topic == "not_activated":
            _add(scores, why, "activation", 3, "assist_why_topic")
    if diagnosis.get("verified"):
        if diagnosis.get("state") == "pending":
            _add(scores, why, "activation", 2, "assist_why_state")
        live = diagnosis.get("live_code") if isinstance(diagnosis.get("live_code"), dict) else {}
        if diagnosis.get("last_expired") or live.get("last_expired"):
            _add(scores, why, "code_expired", 2, "assist_why_state")
        mail = diagnosis.get("last_code_mail") if isinstance(diagnosis.get("last_code_mail"), dict) else None
        if mail and mail.get("status") in ("refused", "failed", "queued"):
            _add(scores, why, "code_not_received", 2, "assist_why_mail")
            if mail.get("status") in ("refused", "failed"):
                _add(scores, why, "wrong_email", 2, "assist_why_mail")
        if diagnosis.get("code_entry_blocked_until") or diagnosis.get("code_entry_blocked_somewhere_until"):
            _add(scores, why, "forgot_password", 2, "assist_why_state")
    tried = list(tried or [])
    if "request_new_code" in tried:
        _add(scores, why, "code_not_received", 1, "assist_why_tried")
    if reason in ("backend_down", "new_code_failed"):
        _add(scores, why, "contact", 1, "assist_why_tried")
    return scores, why


def suggestions(session: Session, escalation: Escalation, limit: int = MAX_SUGGESTIONS) -> list[Suggestion]:
    """The fitting canned answers of ``escalation``, best first, in the case's language."""
    lang = escalation.language if escalation.language in LANGUAGES else "hu"
    scores, why = score(escalation.diagnosis, conversation_topics(session, escalation), escalation.tried,
                        escalation.reason)
    order = list(CANNED)
    ranked = sorted((k for k, v in scores.items() if v > 0), key=lambda k: (-scores[k], order.index(k)))
    return [Suggestion(k, CANNED[k][lang][0], canned_text(k, lang), scores[k], tuple(why[k])) for k in ranked[:limit]]

"""The agents' working hours as the assistant applies them (kernel.hours: the one rule the phone line,
the console and the widget follow too). The bot itself answers 24/7 (S11); outside the hours a person
asked for is offered as a message for the agents, with the day and time they are back.

Settings: AGENTS_HOURS, AGENTS_HOLIDAYS, AGENTS_TIMEZONE (the gateway's; .env.example). A bad value
is logged once and the documented defaults are used, so the assistant keeps answering."""
from __future__ import annotations

import logging
import os
from datetime import datetime
from typing import Any, Callable, Dict, Optional

from kernel.clock import utcnow
from kernel.hours import Availability, HoursError, WorkingHours, describe, describe_both

logger = logging.getLogger(__name__)

_rule: Dict[str, WorkingHours] = {}
clock: Callable[[], datetime] = utcnow  # a test sets a fixed time


def rule() -> WorkingHours:
    """The working hours from this process's environment, read once."""
    if "hours" not in _rule:
        try:
            _rule["hours"] = WorkingHours.from_env(os.environ)
        except HoursError as exc:
            logger.error("%s; using the defaults", str(exc).replace("\n", " "))
            _rule["hours"] = WorkingHours.from_env({})
    return _rule["hours"]


def reset(hours: Optional[WorkingHours] = None) -> None:
    """Forget the rule read (tests; a changed environment): ``hours`` is used instead when given."""
    _rule.clear()
    if hours is not None:
        _rule["hours"] = hours


def availability() -> Availability:
    return rule().status(clock())


def back_params(status: Availability) -> Dict[str, Any]:
    """The out-of-hours responses' ``{agents_back_hu}`` / ``{agents_back_en}`` (each language's variant
    uses its own): "hétfőn 8 órától", "on Monday from 8 am"; "később" / "later" when no opening is set."""
    if status.back_at is None:
        return {"agents_back_hu": "később", "agents_back_en": "later"}
    return {f"agents_back_{language}": describe(status.back_at, status.at, language) for language in ("hu", "en")}


def handoff_hours(status: Availability) -> Dict[str, Any]:
    """What the widget shows while a message waits out of hours: the opening in both languages."""
    back_at = status.back_at.isoformat() if status.back_at is not None else None
    return {"back_at": back_at, "back": describe_both(status.back_at, status.at)}

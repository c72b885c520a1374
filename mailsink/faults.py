"""Opt-in fault rules (MAILSINK_REFUSE): refuse chosen recipients with a chosen SMTP code.

Syntax: comma-separated ``substring=code`` items, optionally ``substring=code:data`` to refuse
after DATA instead of at RCPT, e.g. ``full@=552,bad@=550,flaky@=451,late@=554:data``.
A recipient containing ``substring`` (case-insensitive) is refused; the first matching rule wins.
Like a real server, the reply echoes the recipient, so senders must scrub it before storing.

A count after the code refuses only the first N messages of the rule and lets the rest through, as
a greylisting server does: ``grey@=451x2`` (two temporary refusals, then accepted).

Instead of a code, ``hang`` never answers (the sender meets its own deadline) and ``drop`` closes
the connection without an answer, e.g. ``slow@=hang:data`` (the message's data was received, no
reply to its end ever comes) or ``cut@=drop:data`` (the connection is cut in the middle of the DATA
transaction: the data was sent, its answer never comes). MAILSINK_SILENT=true makes the whole sink a
server that accepts connections and never says a word, not even its greeting (mailsink/server.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# Enhanced status codes and texts that real servers send for these codes (RFC 3463).
_REPLY_TEXT = {
    421: "4.3.2 Service not available, closing transmission channel",
    450: "4.2.0 Mailbox unavailable, try again later",
    451: "4.3.0 Local error in processing, try again later",
    452: "4.2.2 Insufficient system storage, try again later",
    550: "5.1.1 Recipient address rejected: user unknown",
    551: "5.1.6 User not local",
    552: "5.2.2 Mailbox full, quota exceeded",
    553: "5.1.3 Mailbox name not allowed",
    554: "5.7.1 Transaction failed: message rejected",
}


class FaultRuleError(ValueError):
    """MAILSINK_REFUSE is malformed; the message says which item and why."""


HANG, DROP = "hang", "drop"  # the two faults without a code (``code`` 0)


@dataclass(frozen=True)
class RefusalRule:
    substring: str
    code: int  # 0 for ``hang`` and ``drop``
    stage: Literal["rcpt", "data"] = "rcpt"
    fault: Literal["refuse", "hang", "drop"] = "refuse"
    times: int | None = None  # refuse only the first ``times`` matching messages (None: always)

    def matches(self, recipient: str) -> bool:
        return self.substring in recipient.lower()

    def reply(self, recipient: str) -> str:
        text = _REPLY_TEXT.get(self.code, f"{self.code // 100}.0.0 Refused by test rule")
        return f"{self.code} {text[:6]}<{recipient}>: {text[6:]}"


def parse_refusal_rules(text: str) -> tuple[RefusalRule, ...]:
    """Parse MAILSINK_REFUSE; raise FaultRuleError naming the first bad item."""
    rules = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        substring, sep, code_text = item.rpartition("=")
        if not sep or not substring.strip():
            raise FaultRuleError(f"MAILSINK_REFUSE: item {item!r} must look like 'substring=550'")
        code_text, _, stage = code_text.partition(":")
        stage = stage.strip().lower() or "rcpt"
        if stage not in ("rcpt", "data"):
            raise FaultRuleError(f"MAILSINK_REFUSE: item {item!r}: stage must be 'rcpt' or 'data'")
        if code_text.strip().lower() in (HANG, DROP):
            rules.append(RefusalRule(substring.strip().lower(), 0, stage, code_text.strip().lower()))  # type: ignore[arg-type]
            continue
        code_text, _, times_text = code_text.strip().lower().partition("x")
        times = None
        if times_text:
            try:
                times = int(times_text)
            except ValueError:
                times = 0
            if times < 1:
                raise FaultRuleError(f"MAILSINK_REFUSE: item {item!r}: the count after 'x' must be a whole number above 0")
        try:
            code = int(code_text.strip())
        except ValueError:
            code = 0
        if not (400 <= code <= 599):
            raise FaultRuleError(
                f"MAILSINK_REFUSE: item {item!r}: code must be an SMTP 4xx or 5xx code, 'hang' or 'drop', got {code_text!r}"
            )
        rules.append(RefusalRule(substring.strip().lower(), code, stage, times=times))  # type: ignore[arg-type]
    return tuple(rules)


def refusal_for(rules: tuple[RefusalRule, ...], recipient: str, stage: str,
                used: dict[RefusalRule, int] | None = None) -> RefusalRule | None:
    """The first rule of ``stage`` that refuses ``recipient``, or None. ``used`` counts the refusals of
    rules with a count (the sink keeps one per process); a rule whose count is spent refuses no more."""
    for rule in rules:
        if rule.stage == stage and rule.matches(recipient):
            if rule.times is not None:
                used = used if used is not None else {}
                if used.get(rule, 0) >= rule.times:
                    continue
                used[rule] = used.get(rule, 0) + 1
            return rule
    return None

"""The replay store: the TwiML answered for each (CallSid, step). Twilio retries a webhook it got no
answer to; the retry gets the stored answer, and a copy arriving while the first is being answered
finds the step claimed, so a step's side effects (a case, a new-code request) happen once.

An answer may read back what the caller spelled (their username, their e-mail address), so it is
stored sealed (ivr.sealing: authenticated encryption under the gateway's secret), never in clear."""
from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ivr.models import PhoneTurn
from ivr.sealing import Sealer

REPLAY_WAIT_SECONDS = 2.0
REPLAY_MAX_AGE_SECONDS = 4 * 3600 + 600  # Twilio ends a call after four hours


@dataclass(frozen=True)
class Stored:
    """What the store holds for a step: nothing (``seen`` false), a claim still being answered
    (``answer`` None), or the answer."""

    seen: bool
    answer: str | None = None


def stored(session: Session, sealer: Sealer, call_sid: str, step: str) -> Stored:
    """The stored answer of this step; waits briefly while a concurrent copy is being answered. An
    answer that no longer unseals (too old, another key) counts as one still being answered."""
    deadline = time.monotonic() + REPLAY_WAIT_SECONDS
    while True:
        row = session.execute(
            select(PhoneTurn.response).where(PhoneTurn.call_sid == call_sid, PhoneTurn.step == step)).first()
        if row is None:
            return Stored(seen=False)
        if row[0] is not None or time.monotonic() >= deadline:
            return Stored(seen=True, answer=sealer.unseal(row[0], REPLAY_MAX_AGE_SECONDS))
        session.rollback()  # end the read snapshot so the other worker's commit becomes visible
        time.sleep(0.05)


def claim(session: Session, call_sid: str, step: str) -> PhoneTurn | None:
    """Claim the step (flushed, not committed): a concurrent copy now finds it and waits for the answer.
    None when another copy claimed it first (this session is rolled back)."""
    turn = PhoneTurn(call_sid=call_sid, step=step)
    session.add(turn)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return None
    return turn


def keep(turn: PhoneTurn, sealer: Sealer, answer: str) -> None:
    """Store the answer of a claimed step, sealed (committed with the step's other writes)."""
    turn.response = sealer.seal(answer)

"""Routing: a waiting case is offered to the longest-idle available agent who has its language and
channel; the agent accepts (the case is theirs, as if claimed) or passes; a pass, or no answer within
AGENTS_OFFER_SECONDS, offers it to the next such agent. A case nobody accepted within
AGENTS_ROUTING_SECONDS of arriving is offered no more: it stays in the queue, highlighted, for anyone
to claim. Claiming from the queue always works; one guarded UPDATE decides (one owner).

The database is the whole state (agents_offers, agents/models.RoutingOffer), so there is no timer
thread: :func:`route` looks at the clock and moves things on, and it runs whenever something could
change the answer — a case arrives, an agent sets a status, accepts or passes, and every console poll
of the queue (each open console asks every 2 s). It is idempotent and safe to run in several gateway
processes at once: the partial UNIQUE indexes allow one standing offer per case and per agent, and a
second process's insert simply loses.

Who is *available*: an active account with a live console session, status "available", holding no
claimed case and no standing offer. *Longest idle*: the earliest of "since" = the later of the end
of the agent's last case and the moment they set "available" (ties: the lower account id)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agents import audit, escalations, sessions
from agents.models import AgentAccount, Escalation, RoutingOffer
from agents.notify import QUEUE, changes
from kernel.clock import as_utc, utcnow

OFFER_SECONDS = 30        # an offer stands this long (AGENTS_OFFER_SECONDS)
ROUTING_SECONDS = 180     # after this, a case is offered no more and is highlighted (AGENTS_ROUTING_SECONDS)
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class RoutingSettings:
    offer_seconds: int = OFFER_SECONDS
    routing_seconds: int = ROUTING_SECONDS

    @classmethod
    def of(cls, config) -> "RoutingSettings":
        return cls(int(config.get("AGENTS_OFFER_S", OFFER_SECONDS)), int(config.get("AGENTS_ROUTING_S", ROUTING_SECONDS)))


def unrouted(escalation: Escalation, settings: RoutingSettings, now: datetime | None = None) -> bool:
    """A waiting case that nobody accepted within the routing time: highlighted, no more offers."""
    now = now or utcnow()
    return (escalation.status == "waiting"
            and (now - as_utc(escalation.created_at)).total_seconds() >= settings.routing_seconds)


def idle_since(session: Session, agents: list[AgentAccount]) -> dict[int, datetime]:
    """Per agent: the later of the end of their last case and when they became available."""
    ids = [a.id for a in agents]
    if not ids:
        return {}
    ended = dict(session.execute(select(Escalation.claimed_by_id, func.max(Escalation.closed_at))
                                 .where(Escalation.claimed_by_id.in_(ids), Escalation.closed_at.is_not(None))
                                 .group_by(Escalation.claimed_by_id)).all())
    since = {}
    for a in agents:
        times = [as_utc(t) for t in (ended.get(a.id), a.presence_at) if t is not None]
        since[a.id] = max(times) if times else EPOCH
    return since


def online_agents(session: Session) -> list[AgentAccount]:
    """Active agents with a live console session whose status is "available"."""
    seen: dict[int, AgentAccount] = {}
    for _, account in sessions.live_sessions(session):
        if account.active and account.presence == "available":
            seen.setdefault(account.id, account)
    return list(seen.values())


def holding(session: Session) -> set[int]:
    """Agents who hold a claimed (open, being handled) case."""
    return set(session.scalars(select(Escalation.claimed_by_id).where(
        Escalation.status == "claimed", Escalation.claimed_by_id.is_not(None))))


def _close_offers(session: Session, where, answer: str, now: datetime) -> int:
    result = session.execute(update(RoutingOffer).where(RoutingOffer.answer.is_(None), *where)
                             .values(answer=answer, answered_at=now).execution_options(synchronize_session=False))
    return result.rowcount or 0


def route(session: Session, settings: RoutingSettings, now: datetime | None = None) -> list[RoutingOffer]:
    """Expire and withdraw what no longer stands, then offer each waiting case (oldest first) to the
    longest-idle available agent who takes it and has not been offered it before. Returns the new
    offers; commits its own work."""
    now = now or utcnow()
    # Read first, write only when something is due: an UPDATE, even of no row, would take SQLite's
    # write lock for the rest of the request, and every console polls this every 2 s.
    stale = session.execute(select(RoutingOffer.id, RoutingOffer.expires_at, Escalation.status)
                            .join(Escalation, Escalation.id == RoutingOffer.escalation_id)
                            .where(RoutingOffer.answer.is_(None))).all()
    gone = [i for i, _, status in stale if status != "waiting"]
    expired = [i for i, expires, status in stale if status == "waiting" and as_utc(expires) <= now]
    moved = 0
    if gone:
        moved += _close_offers(session, (RoutingOffer.id.in_(gone),), "withdrawn", now)
    if expired:
        moved += _close_offers(session, (RoutingOffer.id.in_(expired),), "expired", now)
    if gone or expired:
        session.commit()
    cutoff = now - timedelta(seconds=settings.routing_seconds)
    waiting = list(session.scalars(select(Escalation).where(Escalation.status == "waiting",
                                                            Escalation.created_at > cutoff)
                                   .order_by(Escalation.created_at, Escalation.id)))
    made: list[RoutingOffer] = []
    if waiting:
        standing = list(session.scalars(select(RoutingOffer).where(RoutingOffer.answer.is_(None))))
        offered_cases = {o.escalation_id for o in standing}
        busy = {o.agent_id for o in standing} | holding(session)
        free = [a for a in online_agents(session) if a.id not in busy]
        since = idle_since(session, free)
        free.sort(key=lambda a: (since[a.id], a.id))
        for case in waiting:
            if case.id in offered_cases or not free:
                continue
            before = set(session.scalars(select(RoutingOffer.agent_id).where(RoutingOffer.escalation_id == case.id)))
            agent = next((a for a in free if a.takes(case.channel, case.language) and a.id not in before), None)
            if agent is None:
                continue
            offer = RoutingOffer(escalation_id=case.id, agent_id=agent.id, offered_at=now,
                                 expires_at=now + timedelta(seconds=settings.offer_seconds))
            session.add(offer)
            try:
                session.flush()
                audit.record(session, "offered", agent=agent, escalation_id=case.id)
                session.commit()
            except IntegrityError:  # another process offered this case or this agent first
                session.rollback()
                continue
            free.remove(agent)
            made.append(offer)
    session.commit()  # ends the reading transaction too
    if moved or made:
        changes.publish(QUEUE)
    return made


def standing_offer(session: Session, agent: AgentAccount, now: datetime | None = None) -> RoutingOffer | None:
    """The agent's offer that still stands (and whose case still waits), or None."""
    now = now or utcnow()
    offer = session.scalar(select(RoutingOffer).where(RoutingOffer.agent_id == agent.id, RoutingOffer.answer.is_(None)))
    if offer is None or as_utc(offer.expires_at) <= now:
        return None
    case = session.get(Escalation, offer.escalation_id)
    return offer if case is not None and case.status == "waiting" else None


def standing_offers(session: Session, now: datetime | None = None) -> dict[str, int]:
    """Case id -> the agent it is offered to now."""
    now = now or utcnow()
    return {o.escalation_id: o.agent_id for o in session.scalars(
        select(RoutingOffer).where(RoutingOffer.answer.is_(None), RoutingOffer.expires_at > now))}


class OfferGone(LookupError):
    """The offer no longer stands (answered, expired, or not this agent's)."""


def accept(session: Session, offer_id: int, agent: AgentAccount, now: datetime | None = None) -> bool:
    """The agent takes the case offered: the offer is answered, then the same guarded claim as from
    the queue — True if the case is now theirs, False if somebody claimed it first (one owner).
    Raises OfferGone when the offer no longer stands."""
    now = now or utcnow()
    taken = session.execute(update(RoutingOffer).where(
        RoutingOffer.id == offer_id, RoutingOffer.agent_id == agent.id, RoutingOffer.answer.is_(None),
        RoutingOffer.expires_at > now).values(answer="accepted", answered_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if taken != 1:
        session.rollback()
        raise OfferGone(offer_id)
    escalation_id = session.scalar(select(RoutingOffer.escalation_id).where(RoutingOffer.id == offer_id))
    session.commit()
    if escalations.claim(session, escalation_id, agent):
        return True
    session.execute(update(RoutingOffer).where(RoutingOffer.id == offer_id)
                    .values(answer="withdrawn").execution_options(synchronize_session=False))
    session.commit()
    return False


def pass_offer(session: Session, offer_id: int, agent: AgentAccount, settings: RoutingSettings,
               now: datetime | None = None) -> None:
    """The agent passes: the case goes to the next available agent at once. Raises OfferGone."""
    now = now or utcnow()
    done = _close_offers(session, (RoutingOffer.id == offer_id, RoutingOffer.agent_id == agent.id), "passed", now)
    if done != 1:
        session.rollback()
        raise OfferGone(offer_id)
    escalation_id = session.scalar(select(RoutingOffer.escalation_id).where(RoutingOffer.id == offer_id))
    audit.record(session, "offer_passed", agent=agent, escalation_id=escalation_id)
    session.commit()
    route(session, settings, now)


def withdraw_agent(session: Session, agent: AgentAccount) -> None:
    """The agent is no longer available (away, busy, logged out): their standing offer goes on."""
    if session.scalar(select(RoutingOffer.id).where(RoutingOffer.agent_id == agent.id, RoutingOffer.answer.is_(None))):
        _close_offers(session, (RoutingOffer.agent_id == agent.id,), "withdrawn", utcnow())
        session.commit()

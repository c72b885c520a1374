"""Counters in SQLAlchemy: sliding-window rate limits and wrong code entries (one row per key, its
hits logged in ``hits``), and the login lockout as conditional UPDATEs of the account row. A counter
row is read under a lock (SQLite: the BEGIN IMMEDIATE of credentials/adapters/db.py; PostgreSQL:
FOR UPDATE) and stores the verdict of credentials/domain/limits.py."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from credentials.adapters.orm import AccountRow, RateLimitRow
from credentials.domain import limits as rules_of
from credentials.domain.limits import Hits, Rule


def _parse(text: str | None) -> Hits:
    return tuple(datetime.fromtimestamp(int(t) / 1e6, timezone.utc) for t in (text or "").split())


def _format(hits: Hits) -> str:
    return " ".join(str(int(h.timestamp() * 1e6)) for h in hits)


class SqlAlchemyLimits:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _locked_row(self, key: str, now: datetime) -> RateLimitRow:
        insert = pg_insert if self.session.bind.dialect.name == "postgresql" else sqlite_insert
        self.session.execute(insert(RateLimitRow).values(key=key, window_start=now, count=0)
                             .on_conflict_do_nothing(index_elements=["key"]))
        return self.session.scalar(select(RateLimitRow).where(RateLimitRow.key == key).with_for_update()
                                   .execution_options(populate_existing=True))

    @staticmethod
    def _store(row: RateLimitRow, hits: Hits, now: datetime, rules: tuple[Rule, ...]) -> None:
        row.hits, row.count = _format(hits), len(hits)
        row.window_start = hits[0] if hits else now
        row.blocked_until = rules_of.blocked_until(hits, now, rules)

    def hit(self, key: str, now: datetime, rules: tuple[Rule, ...]) -> bool:
        row = self._locked_row(key, now)
        hits, limited = rules_of.slide(_parse(row.hits), now, rules)
        self._store(row, hits, now, rules)
        return limited

    def record(self, key: str, now: datetime, rules: tuple[Rule, ...]) -> datetime | None:
        row = self._locked_row(key, now)
        hits = rules_of.record(_parse(row.hits), now, rules)
        self._store(row, hits, now, rules)
        return row.blocked_until

    def blocked_until(self, key: str, now: datetime, rules: tuple[Rule, ...]) -> datetime | None:
        text = self.session.scalar(select(RateLimitRow.hits).where(RateLimitRow.key == key))
        return rules_of.blocked_until(_parse(text), now, rules)

    def latest_block(self, prefix: str, now: datetime, rules: tuple[Rule, ...]) -> datetime | None:
        texts = self.session.scalars(select(RateLimitRow.hits).where(RateLimitRow.key.startswith(prefix, autoescape=True)))
        ends = [rules_of.blocked_until(_parse(t), now, rules) for t in texts]
        return max((e for e in ends if e is not None), default=None)

    def clear(self, prefix: str) -> None:
        self.session.execute(delete(RateLimitRow).where(RateLimitRow.key.startswith(prefix, autoescape=True)))

    def reserve_login_attempt(self, account_id: int, threshold: int) -> bool:
        result = self.session.execute(
            update(AccountRow).where(AccountRow.id == account_id, AccountRow.locked_at.is_(None),
                                     AccountRow.password_hash.is_not(None), AccountRow.login_failures < threshold)
            .values(login_failures=AccountRow.login_failures + 1))
        return result.rowcount == 1

    def settle_login_failure(self, account_id: int, now: datetime, threshold: int) -> bool:
        result = self.session.execute(
            update(AccountRow).where(AccountRow.id == account_id, AccountRow.locked_at.is_(None),
                                     AccountRow.login_failures >= threshold).values(locked_at=now))
        return result.rowcount == 1

    def settle_login_success(self, account_id: int) -> bool:
        result = self.session.execute(
            update(AccountRow).where(AccountRow.id == account_id, AccountRow.locked_at.is_(None))
            .values(login_failures=0))
        return result.rowcount == 1

"""Counters in SQLAlchemy: rate limits, wrong code entries, failed logins. Each reads its row under
a lock (SQLite: the BEGIN IMMEDIATE of credentials/adapters/db.py; PostgreSQL: FOR UPDATE) and
stores the verdict of credentials/domain/limits.py."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from credentials.adapters.orm import AccountRow, RateLimitRow
from credentials.domain.limits import RateWindow, count_request, count_wrong_entry, lockout_due


class SqlAlchemyLimits:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _locked_account(self, account_id: int) -> AccountRow:
        return self.session.scalar(select(AccountRow).where(AccountRow.id == account_id).with_for_update()
                                   .execution_options(populate_existing=True))

    def hit(self, key: str, now: datetime, *, limit: int, window: timedelta, block: timedelta) -> bool:
        insert = pg_insert if self.session.bind.dialect.name == "postgresql" else sqlite_insert
        self.session.execute(insert(RateLimitRow).values(key=key, window_start=now, count=0)
                             .on_conflict_do_nothing(index_elements=["key"]))
        row = self.session.scalar(select(RateLimitRow).where(RateLimitRow.key == key).with_for_update())
        state, limited = count_request(RateWindow(row.window_start, row.count, row.blocked_until), now,
                                       limit=limit, window=window, block=block)
        row.window_start, row.count, row.blocked_until = state.window_start, state.count, state.blocked_until
        return limited

    def count_wrong_code(self, account_id: int, now: datetime) -> int:
        row = self._locked_account(account_id)
        row.wrong_code_entries, row.wrong_code_window_start = count_wrong_entry(
            row.wrong_code_entries, row.wrong_code_window_start, now)
        return row.wrong_code_entries

    def count_login_failure(self, account_id: int, now: datetime, threshold: int) -> bool:
        row = self._locked_account(account_id)
        row.login_failures += 1
        if lockout_due(row.login_failures, threshold, locked=row.locked_at is not None,
                       activated=row.password_hash is not None):
            row.locked_at = now
            return True
        return False

    def reset_login_failures(self, account_id: int) -> None:
        self.session.execute(update(AccountRow).where(AccountRow.id == account_id, AccountRow.login_failures != 0)
                             .values(login_failures=0))

"""The audit log and the failed-login record in SQLAlchemy."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from credentials.adapters.orm import AuditRow, LoginFailureRow


class SqlAlchemyAudit:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, *, at: datetime, operation: str, channel: str, outcome: str, subject: str,
               reason: str | None = None) -> None:
        self.session.add(AuditRow(at=at, operation=operation, channel=channel, outcome=outcome,
                                  subject=subject[:120], reason=reason))

    def record_login_failure(self, account_id: int | None, at: datetime, reason: str) -> None:
        self.session.add(LoginFailureRow(account_id=account_id, at=at, reason=reason))

    def recent_login_failures(self, account_id: int, since: datetime, limit: int = 10) -> list[tuple[datetime, str]]:
        return [(r.at, r.reason) for r in self.session.execute(
            select(LoginFailureRow.at, LoginFailureRow.reason)
            .where(LoginFailureRow.account_id == account_id, LoginFailureRow.at >= since)
            .order_by(LoginFailureRow.at.desc(), LoginFailureRow.id.desc()).limit(limit))]

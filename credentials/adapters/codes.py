"""One-time codes in SQLAlchemy. Single use rests on one conditional UPDATE in ``claim`` (S8)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from credentials.adapters.orm import CodeRow
from credentials.domain.model import ActivationCode


class SqlAlchemyCodes:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, code: ActivationCode) -> int:
        self.retire_open(code.account_id, code.issued_at)
        row = CodeRow(account_id=code.account_id, code_hash=code.code_hash, reason=code.reason,
                      issued_at=code.issued_at, expires_at=code.expires_at)
        self.session.add(row)
        self.session.flush()
        return row.id

    def retire_open(self, account_id: int, now: datetime) -> None:
        self.session.execute(update(CodeRow).where(CodeRow.account_id == account_id, CodeRow.used_at.is_(None),
                                                   CodeRow.superseded_at.is_(None)).values(superseded_at=now))

    def claim(self, code_id: int, now: datetime) -> bool:
        """Only the one UPDATE that finds the code still open wins, however many race for it."""
        result = self.session.execute(
            update(CodeRow).where(CodeRow.id == code_id, CodeRow.used_at.is_(None), CodeRow.superseded_at.is_(None),
                                  CodeRow.burned_at.is_(None), CodeRow.expires_at > now).values(used_at=now))
        return result.rowcount == 1

    def burn(self, code_id: int, now: datetime) -> None:
        self.session.execute(update(CodeRow).where(CodeRow.id == code_id, CodeRow.burned_at.is_(None))
                             .values(burned_at=now))

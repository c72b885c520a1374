"""Accounts in SQLAlchemy: the only code that turns account rows (and their codes) into domain objects."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from credentials.adapters.orm import AccountRow, CodeRow
from credentials.domain.exceptions import UsernameTaken
from credentials.domain.model import Account, ActivationCode
from credentials.domain.ports import NameKeys

RECENT_CODES = 10


def _code(row: CodeRow) -> ActivationCode:
    return ActivationCode(id=row.id, account_id=row.account_id, code_hash=row.code_hash, reason=row.reason,
                          issued_at=row.issued_at, expires_at=row.expires_at, used_at=row.used_at,
                          superseded_at=row.superseded_at, burned_at=row.burned_at)


class SqlAlchemyAccounts:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _account(self, row: AccountRow | None) -> Account | None:
        if row is None:
            return None
        codes = self.session.scalars(
            select(CodeRow).where(CodeRow.account_id == row.id)
            .order_by(CodeRow.issued_at.desc(), CodeRow.id.desc()).limit(RECENT_CODES)).all()
        return Account(id=row.id, username=row.username, legal_name=row.legal_name, email=row.email,
                       language=row.language, created_at=row.created_at, password_hash=row.password_hash,
                       activated_at=row.activated_at, locked_at=row.locked_at, login_failures=row.login_failures,
                       codes=[_code(c) for c in codes])

    def add(self, account: Account, keys: NameKeys) -> int:
        row = AccountRow(username=account.username, username_key=keys.username, legal_name=account.legal_name,
                         legal_name_key=keys.legal_name, legal_name_joined=keys.joined,
                         legal_name_joined_rev=keys.joined_reversed, email=account.email, language=account.language,
                         created_at=account.created_at, login_failures=0)
        self.session.add(row)
        try:
            self.session.flush()
        except IntegrityError as exc:  # a concurrent registration took it first
            raise UsernameTaken(account.username) from exc
        return row.id

    def username_taken(self, username_key: str) -> bool:
        return self.session.scalar(select(AccountRow.id).where(AccountRow.username_key == username_key)) is not None

    def email_on_file(self, username_key: str) -> tuple[int, str] | None:
        row = self.session.execute(select(AccountRow.id, AccountRow.email)
                                   .where(AccountRow.username_key == username_key)).first()
        return None if row is None else (row.id, row.email)

    def get_by_username(self, username_key: str, *, for_update: bool = False) -> Account | None:
        stmt = select(AccountRow).where(AccountRow.username_key == username_key)
        if for_update:
            stmt = stmt.with_for_update()
        return self._account(self.session.scalar(stmt))

    def ids_with_legal_name(self, legal_name_key: str, joined: str, limit: int = 5) -> list[int]:
        return list(self.session.scalars(
            select(AccountRow.id).where(or_(AccountRow.legal_name_key == legal_name_key,
                                            AccountRow.legal_name_joined == joined,
                                            AccountRow.legal_name_joined_rev == joined))
            .order_by(AccountRow.id).limit(limit)))

    def usernames_for(self, legal_name_key: str) -> list[tuple[str, str]]:
        return [(r.username, r.email) for r in self.session.execute(
            select(AccountRow.username, AccountRow.email).where(AccountRow.legal_name_key == legal_name_key)
            .order_by(AccountRow.id))]

    def set_email(self, account_id: int, email: str) -> None:
        self.session.execute(update(AccountRow).where(AccountRow.id == account_id).values(email=email))

    def set_password(self, account_id: int, password_hash: str, now: datetime) -> None:
        self.session.execute(
            update(AccountRow).where(AccountRow.id == account_id).values(
                password_hash=password_hash, locked_at=None, login_failures=0,
                activated_at=func.coalesce(AccountRow.activated_at, now)))

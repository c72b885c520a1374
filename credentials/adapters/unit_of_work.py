"""The unit of work: one database transaction around a use case (cosmicpython's pattern)."""
from __future__ import annotations

from sqlalchemy.orm import sessionmaker

from credentials.adapters.repository import SqlAlchemyRepository


class SqlAlchemyUnitOfWork:
    """``with uow: ...; uow.commit()`` — anything not committed is rolled back on exit."""

    def __init__(self, session_factory: sessionmaker) -> None:
        self.session_factory = session_factory

    def __enter__(self) -> "SqlAlchemyUnitOfWork":
        self.session = self.session_factory()
        self.accounts = SqlAlchemyRepository(self.session)
        return self

    def __exit__(self, *exc) -> None:
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

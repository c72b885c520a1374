"""The SQLAlchemy unit of work: one database transaction around a use case, with the six
repositories of credentials.domain.ports on its session."""
from __future__ import annotations

import threading

from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from credentials.adapters.accounts import SqlAlchemyAccounts
from credentials.adapters.audit import SqlAlchemyAudit
from credentials.adapters.codes import SqlAlchemyCodes
from credentials.adapters.limits import SqlAlchemyLimits
from credentials.adapters.outbox import SqlAlchemyOutbox
from credentials.adapters.reset_requests import SqlAlchemyResetRequests


class WriteLock:
    """SQLite's one writer, queued inside this process: requests in the order they came (a plain Lock
    is not fair: under contention one thread can wait for many turns), and the background outbox
    worker only when no request waits — a request waits for at most the one transaction in progress
    and those of the requests ahead of it, never for a queue of the worker's evaluations (issue 10, L12)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._held = False
        self._next = self._serving = 0  # tickets of the requests
        self._waiting = 0

    def acquire(self, background: bool = False) -> None:
        with self._cond:
            if background:
                while self._held or self._waiting:
                    self._cond.wait()
            else:
                ticket, self._next = self._next, self._next + 1
                self._waiting += 1
                try:
                    while self._held or ticket != self._serving:
                        self._cond.wait()
                finally:
                    self._waiting -= 1
                self._serving += 1
            self._held = True

    def release(self) -> None:
        with self._cond:
            self._held = False
            self._cond.notify_all()


class SqlAlchemyUnitOfWork:
    """``with uow: ...; uow.commit()`` — anything not committed is rolled back on exit.

    ``lock`` (SQLite only): SQLite has one writer at a time and its busy handler waits by sleeping
    in steps of up to 100 ms; queueing this process's threads on a lock instead keeps the wait
    short and fair. Other processes (the office CLI) still meet the busy timeout."""

    def __init__(self, session_factory: sessionmaker, lock: WriteLock | None = None, background: bool = False) -> None:
        self.session_factory = session_factory
        self.lock = lock
        self.background = background

    def __enter__(self) -> "SqlAlchemyUnitOfWork":
        if self.lock is not None:
            self.lock.acquire(self.background)
        try:
            self.session = self.session_factory()
            self.accounts = SqlAlchemyAccounts(self.session)
            self.codes = SqlAlchemyCodes(self.session)
            self.outbox = SqlAlchemyOutbox(self.session)
            self.audit = SqlAlchemyAudit(self.session)
            self.limits = SqlAlchemyLimits(self.session)
            self.reset_requests = SqlAlchemyResetRequests(self.session)
        except BaseException:
            if self.lock is not None:
                self.lock.release()
            raise
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.session.rollback()
            self.session.close()
        finally:
            if self.lock is not None:
                self.lock.release()

    def commit(self, durable: bool = True) -> None:
        """``durable=False``: the transaction may be lost if the DATABASE SERVER crashes before its WAL is
        flushed (PostgreSQL asynchronous commit: at most 3 × wal_writer_delay, 0.6 s by default; never a
        corrupt or half transaction), so the commit does not wait for an fsync. Only for what a person
        simply asks again (the intake of a new-code request); a crash of our own processes loses nothing
        either way. SQLite: the engine's synchronous setting applies to every commit."""
        if not durable and self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(text("SET LOCAL synchronous_commit TO OFF"))
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

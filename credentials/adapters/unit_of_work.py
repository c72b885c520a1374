"""The SQLAlchemy unit of work: one database transaction around a use case, with the six
repositories of credentials.domain.ports on its session."""
from __future__ import annotations

import collections
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
    and those of the requests ahead of it, never for a queue of the worker's evaluations (issue 10, L12).
    The lock is handed straight to the next waiter, whom alone it wakes (no herd of woken threads
    fighting for the GIL while the holder tries to finish)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._held = False
        self._requests: collections.deque[threading.Event] = collections.deque()
        self._background: collections.deque[threading.Event] = collections.deque()

    def acquire(self, background: bool = False) -> None:
        with self._mutex:
            if not self._held:
                self._held = True
                return
            turn = threading.Event()
            (self._background if background else self._requests).append(turn)
        turn.wait()  # set by release(): the lock is ours

    def release(self) -> None:
        with self._mutex:
            waiting = self._requests or self._background
            if waiting:
                waiting.popleft().set()  # handed over: stays held
            else:
                self._held = False


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

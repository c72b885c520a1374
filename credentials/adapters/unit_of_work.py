"""The SQLAlchemy unit of work: one database transaction around a use case, with the six
repositories of credentials.domain.ports on its session."""
from __future__ import annotations

import collections
import threading

from sqlalchemy import insert, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import sessionmaker

from credentials.adapters.accounts import SqlAlchemyAccounts
from credentials.adapters.audit import SqlAlchemyAudit
from credentials.adapters.codes import SqlAlchemyCodes
from credentials.adapters.limits import SqlAlchemyLimits
from credentials.adapters.outbox import SqlAlchemyOutbox
from credentials.adapters.orm import ResetRequestRow
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


class _QueuedIntake:
    """``uow.reset_requests`` before the unit of work has opened a session: ``add`` only notes the row,
    written at commit by the short intake path; anything else opens the session first."""

    def __init__(self, uow: "SqlAlchemyUnitOfWork") -> None:
        self.uow = uow

    def add(self, *, channel: str, payload: str, now) -> None:
        self.uow._intake.append({"channel": channel, "payload": payload, "created_at": now})

    def take_next(self):
        return self.uow._open().reset_requests.take_next()


class SqlAlchemyUnitOfWork:
    """``with uow: ...; uow.commit()`` — anything not committed is rolled back on exit.

    ``lock`` (SQLite only): SQLite has one writer at a time and its busy handler waits by sleeping
    in steps of up to 100 ms; queueing this process's threads on a lock instead keeps the wait
    short and fair. Other processes (the office CLI) still meet the busy timeout.

    The session (and the lock) are taken when a repository is first used. A unit of work that only
    queues new-code requests (``reset_requests.add`` then ``commit``) never opens a session: its rows
    are written at commit with one Core INSERT on ``intake_engine`` (issue 10, L12), holding the lock
    for that statement alone (about 0.2 ms instead of 0.6 ms through the ORM session) — on PostgreSQL an
    autocommit connection without a pre-ping, so one round trip."""

    def __init__(self, session_factory: sessionmaker, lock: WriteLock | None = None, background: bool = False,
                 intake_engine: Engine | None = None, activity=None) -> None:
        self.session_factory = session_factory
        # credentials.outbox.RequestActivity: a request's unit of work counts as in flight from enter to
        # exit (the in-process outbox thread steps aside meanwhile). Only the unit of work, never the
        # whole HTTP request: a client trickling its body must not be able to hold the worker back.
        self.activity = activity
        self.lock = lock
        self.background = background
        self.intake_engine = intake_engine
        self.session = None
        self._intake: list[dict] = []

    def __enter__(self) -> "SqlAlchemyUnitOfWork":
        self.session = None
        self._intake = []
        self.reset_requests = _QueuedIntake(self)
        if self.activity is not None:
            self.activity.started()
        return self

    def _open(self) -> "SqlAlchemyUnitOfWork":
        if self.session is not None:
            return self
        if self.lock is not None:
            self.lock.acquire(self.background)
        try:
            self.session = session = self.session_factory()
            self._repositories = (SqlAlchemyAccounts(session), SqlAlchemyCodes(session), SqlAlchemyOutbox(session),
                                  SqlAlchemyAudit(session), SqlAlchemyLimits(session))
            self.reset_requests = SqlAlchemyResetRequests(session)
            for row in self._intake:  # noted before the session opened: part of this transaction now
                self.reset_requests.add(**{("now" if k == "created_at" else k): v for k, v in row.items()})
            self._intake = []
        except BaseException:
            self.session = None
            if self.lock is not None:
                self.lock.release()
            raise
        return self

    @property
    def accounts(self) -> SqlAlchemyAccounts:
        return self._open()._repositories[0]

    @property
    def codes(self) -> SqlAlchemyCodes:
        return self._open()._repositories[1]

    @property
    def outbox(self) -> SqlAlchemyOutbox:
        return self._open()._repositories[2]

    @property
    def audit(self) -> SqlAlchemyAudit:
        return self._open()._repositories[3]

    @property
    def limits(self) -> SqlAlchemyLimits:
        return self._open()._repositories[4]

    def __exit__(self, *exc) -> None:
        self._intake = []
        try:
            if self.session is not None:
                try:
                    self.session.rollback()
                    self.session.close()
                finally:
                    self.session = None
                    if self.lock is not None:
                        self.lock.release()
        finally:
            if self.activity is not None:
                self.activity.finished()

    def commit(self, durable: bool = True) -> None:
        """``durable=False``: the transaction may be lost if the DATABASE SERVER crashes before its WAL is
        flushed (PostgreSQL asynchronous commit: at most 3 × wal_writer_delay, 0.6 s by default; never a
        corrupt or half transaction), so the commit does not wait for an fsync. Only for what a person
        simply asks again (the intake of a new-code request); a crash of our own processes loses nothing
        either way. SQLite: the engine's synchronous setting applies to every commit."""
        if self.session is None:
            if self._intake:
                self._commit_intake(durable)
            return
        if not durable and self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(text("SET LOCAL synchronous_commit TO OFF"))
        self.session.commit()

    def _commit_intake(self, durable: bool) -> None:
        rows, self._intake = self._intake, []
        engine = self.intake_engine if (self.intake_engine is not None and not durable) else self.session_factory.kw["bind"]
        if self.lock is not None:
            self.lock.acquire(self.background)
        try:
            for attempt in (1, 2):
                try:
                    with engine.begin() as conn:
                        conn.execute(insert(ResetRequestRow), rows)
                    break
                except DBAPIError as exc:
                    # no pre-ping on the intake pool: a connection the server dropped (a restart) fails here,
                    # is discarded by the pool, and the INSERT is tried once more on a fresh one
                    if attempt == 2 or not exc.connection_invalidated:
                        raise
        finally:
            if self.lock is not None:
                self.lock.release()

    def rollback(self) -> None:
        self._intake = []
        if self.session is not None:
            self.session.rollback()

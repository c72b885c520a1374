"""The queue of new-code requests in SQLAlchemy (issue 10, L12). A worker takes the oldest request
with one DELETE ... RETURNING whose inner SELECT skips rows other workers hold (PostgreSQL: FOR UPDATE
SKIP LOCKED; SQLite: one writer at a time); the delete commits with the evaluation."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from credentials.adapters.orm import ResetRequestRow
from credentials.domain.ports import QueuedResetRequest


class SqlAlchemyResetRequests:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, *, channel: str, payload: str, now: datetime) -> None:
        # one Core INSERT: no object to track, nothing to flush (the request's whole cost is this write)
        self.session.execute(insert(ResetRequestRow).values(channel=channel, payload=payload, created_at=now))

    def take_next(self) -> QueuedResetRequest | None:
        oldest = (select(ResetRequestRow.id).order_by(ResetRequestRow.id).limit(1)
                  .with_for_update(skip_locked=True))  # SQLite renders no FOR UPDATE
        row = self.session.execute(
            delete(ResetRequestRow).where(ResetRequestRow.id.in_(oldest.scalar_subquery()))
            .returning(ResetRequestRow.id, ResetRequestRow.channel, ResetRequestRow.payload, ResetRequestRow.created_at)
            .execution_options(synchronize_session=False)).first()
        if row is None:
            return None
        return QueuedResetRequest(id=row.id, channel=row.channel, payload=row.payload, created_at=row.created_at)

"""The queue of new-code requests in SQLAlchemy (issue 10, L12). A worker takes a request with one
DELETE: only the one that deletes the row evaluates it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from credentials.adapters.orm import ResetRequestRow
from credentials.domain.ports import QueuedResetRequest


class SqlAlchemyResetRequests:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, *, channel: str, payload: str, now: datetime) -> None:
        self.session.add(ResetRequestRow(channel=channel, payload=payload, created_at=now))

    def pending_ids(self, limit: int) -> list[int]:
        return list(self.session.scalars(select(ResetRequestRow.id).order_by(ResetRequestRow.id).limit(limit)))

    def take(self, request_id: int) -> QueuedResetRequest | None:
        row = self.session.get(ResetRequestRow, request_id)
        if row is None:
            return None
        taken = QueuedResetRequest(id=row.id, channel=row.channel, payload=row.payload, created_at=row.created_at)
        self.session.expunge(row)
        if self.session.execute(delete(ResetRequestRow).where(ResetRequestRow.id == request_id)).rowcount != 1:
            return None
        return taken

"""The mail outbox in SQLAlchemy. Mails are taken for sending with one UPDATE ... WHERE id IN (the due
ones) ... RETURNING: on PostgreSQL the inner SELECT is FOR UPDATE SKIP LOCKED, so concurrent workers
take disjoint sets without waiting for each other; on SQLite the transaction holds the one write lock
(BEGIN IMMEDIATE). Either way two workers never send one mail, and a claim carries a lease: when its
worker dies, the mail is due again once the lease has run out."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from credentials.adapters.orm import OutboxRow
from credentials.domain.ports import ClaimedMail, MailRecord


def _due(now: datetime):
    return or_(OutboxRow.status.in_(("queued", "retrying")) & (OutboxRow.next_attempt_at <= now),
               (OutboxRow.status == "sending") & (OutboxRow.lease_until <= now))


class SqlAlchemyOutbox:
    def __init__(self, session: Session) -> None:
        self.session = session

    def enqueue(self, *, account_id: int, kind: str, language: str, to_address: str, payload: str | None,
                now: datetime) -> int:
        row = OutboxRow(account_id=account_id, kind=kind, language=language, to_address=to_address,
                        payload=payload, status="queued", attempts=0, next_attempt_at=now, created_at=now,
                        updated_at=now)
        self.session.add(row)
        self.session.flush()
        return row.id

    def claim_due(self, now: datetime, lease: timedelta, limit: int) -> list[ClaimedMail]:
        due = (select(OutboxRow.id).where(_due(now)).order_by(OutboxRow.next_attempt_at, OutboxRow.id)
               .limit(limit).with_for_update(skip_locked=True))  # SQLite renders no FOR UPDATE
        rows = self.session.execute(
            update(OutboxRow).where(OutboxRow.id.in_(due.scalar_subquery()), _due(now))
            .values(status="sending", lease_until=now + lease, attempts=OutboxRow.attempts + 1, updated_at=now)
            .returning(OutboxRow.id, OutboxRow.account_id, OutboxRow.kind, OutboxRow.language, OutboxRow.to_address,
                       OutboxRow.payload, OutboxRow.attempts)
            .execution_options(synchronize_session=False)).all()
        return sorted((ClaimedMail(id=r.id, account_id=r.account_id, kind=r.kind, language=r.language,
                                   to_address=r.to_address, payload=r.payload, attempts=r.attempts) for r in rows),
                      key=lambda m: m.id)

    def finish(self, mail_id: int, *, status: str, now: datetime, smtp_code: int | None, detail: str,
               subject: str | None, next_attempt_at: datetime | None = None, wipe_payload: bool = False) -> None:
        values = dict(status=status, smtp_code=smtp_code, smtp_detail=detail[:500], updated_at=now, lease_until=None)
        if subject is not None:
            values["subject"] = subject[:300]
        if status == "sent":
            values["sent_at"] = now
        if next_attempt_at is not None:
            values["next_attempt_at"] = next_attempt_at
        if wipe_payload:
            values["payload"] = None
        self.session.execute(update(OutboxRow).where(OutboxRow.id == mail_id).values(**values))

    def cancel_code_mails(self, account_id: int) -> None:
        self.session.execute(update(OutboxRow).where(OutboxRow.account_id == account_id,
                                                     OutboxRow.kind == "activation_code",
                                                     OutboxRow.status.in_(("queued", "retrying")))
                             .values(status="cancelled", payload=None, smtp_detail="superseded by a newer code"))

    def last_code_mail(self, account_id: int) -> MailRecord | None:
        row = self.session.scalar(select(OutboxRow).where(OutboxRow.account_id == account_id,
                                                          OutboxRow.kind == "activation_code")
                                  .order_by(OutboxRow.created_at.desc(), OutboxRow.id.desc()).limit(1))
        if row is None:
            return None
        return MailRecord(id=row.id, kind=row.kind, status=row.status, attempts=row.attempts, smtp_code=row.smtp_code,
                          smtp_detail=row.smtp_detail, created_at=row.created_at, updated_at=row.updated_at,
                          sent_at=row.sent_at)

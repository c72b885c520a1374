"""The loop of a periodic job run once or supervised (``--every SECONDS``): the purges of stored personal
data of the gateway (``python -m agents purge``) and of the credentials backend
(``python -m credentials purge``), docs/privacy.md.

:func:`repeat` runs ``job()`` (which returns a report with ``lines()`` and ``total``) and prints its
lines and a total. A failure of one of the ``failures`` kinds (the database not migrated or not
reachable yet) is reported by its type only — a driver's message may quote the URL or a statement's
parameters — and, supervised, retried a minute later. A supervised job starts beside the process that
migrates its database, so for its first half minute it retries quietly every 2 s instead of printing a
failure line at every first start. Run once, a failure returns 1 after the one line.

Standard library only: the kernel is imported by both environments.
"""
from __future__ import annotations

import time
from typing import Callable, Optional, Protocol, Sequence


class Report(Protocol):
    total: int

    def lines(self) -> Sequence[str]: ...


PATIENT_S = 30.0
QUIET_RETRY_S = 2.0
RETRY_S = 60.0


def failure_line(exc: BaseException, what: str = "purge") -> str:
    """The one line a failed run prints: the kind of failure, nothing of its message."""
    return f"{what} failed: {type(exc).__name__} (database not migrated or not reachable?)"


def repeat(
    job: Callable[[], Report],
    *,
    every: Optional[int],
    dry_run: bool,
    failures: tuple[type[BaseException], ...],
    echo: Callable[[str], None],
    complain: Callable[[str], None],
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Run ``job`` once (``every`` None: 0 done, 1 failed) or every ``every`` seconds until stopped."""
    patient_until = clock() + PATIENT_S if every is not None else 0.0
    while True:
        try:
            report = job()
        except failures as exc:
            if clock() < patient_until:
                sleep(QUIET_RETRY_S)
                continue
            complain(failure_line(exc))
            if every is None:
                return 1
            sleep(RETRY_S)
            continue
        for line in report.lines():
            echo(line)
        echo(f"{'would delete' if dry_run else 'deleted'} {report.total} in all")
        if every is None:
            return 0
        sleep(every)

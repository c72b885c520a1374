"""kernel.periodic.repeat: the loop of the supervised purges (agents/ and credentials/)."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from kernel import periodic


class Unreachable(Exception):
    pass


@dataclass
class Done:
    total: int

    def lines(self):
        return [f"kind: {self.total}"]


class Clock:
    """Time that moves only when the loop sleeps; stops the loop after ``stop_after`` sleeps."""

    def __init__(self, stop_after: int = 100):
        self.now, self.sleeps, self.stop_after = 0.0, [], stop_after

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        if len(self.sleeps) >= self.stop_after:
            raise KeyboardInterrupt


def _run(results, every, clock):
    out, err, calls = [], [], iter(results)

    def job():
        result = next(calls)
        if isinstance(result, Exception):
            raise result
        return result

    try:
        status = periodic.repeat(job, every=every, dry_run=False, failures=(Unreachable,), echo=out.append,
                                 complain=err.append, sleep=clock.sleep, clock=clock)
    except KeyboardInterrupt:
        status = None
    return status, out, err


def test_run_once_prints_the_counts_and_a_total_and_returns_0():
    status, out, err = _run([Done(3)], None, Clock())
    assert (status, out, err) == (0, ["kind: 3", "deleted 3 in all"], [])


def test_run_once_that_fails_says_the_kind_of_failure_only_and_returns_1():
    status, out, err = _run([Unreachable("postgresql://user:secret@db/x")], None, Clock())
    assert status == 1 and out == []
    assert err == ["purge failed: Unreachable (database not migrated or not reachable?)"]
    assert "secret" not in err[0]


def test_supervised_first_half_minute_retries_quietly_then_runs_on_its_period():
    clock = Clock(stop_after=7)
    status, out, err = _run([Unreachable()] * 5 + [Done(0), Done(1)], 3600, clock)
    assert status is None and err == []  # the database was migrated 10 s after the start: no failure line
    assert clock.sleeps[:6] == [2.0] * 5 + [3600]
    assert out[:2] == ["kind: 0", "deleted 0 in all"]


def test_supervised_failure_after_the_first_half_minute_is_one_line_and_a_retry_a_minute_later():
    clock = Clock(stop_after=20)
    status, out, err = _run([Unreachable()] * 17 + [Done(2)] * 5, 3600, clock)
    quiet = clock.sleeps.index(60.0)
    assert set(clock.sleeps[:quiet]) == {2.0} and 2.0 * quiet >= periodic.PATIENT_S
    assert err and all(line.startswith("purge failed: Unreachable") for line in err)
    assert "deleted 2 in all" in out


def test_dry_run_says_would_delete():
    out: list[str] = []
    periodic.repeat(lambda: Done(4), every=None, dry_run=True, failures=(Unreachable,), echo=out.append,
                    complain=pytest.fail)
    assert out[-1] == "would delete 4 in all"

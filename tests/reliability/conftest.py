"""Fuzzing budget of tests/reliability (Hypothesis and schemathesis).

- Default (``make test``, CI): a fixed seed (``derandomize``: the same inputs every run, so a red CI is
  reproducible) and a bounded count: each fuzz test's ``fuzz_settings(N)`` is its share of the at
  least 10,000 generated inputs per run of the test command.
- ``FUZZ_SCALE=N`` (e.g. ``FUZZ_SCALE=20``): N times as many inputs per test, for a longer campaign.
- ``FUZZ_RANDOM=1``: a fresh random seed each run (Hypothesis prints the seed of a failure with
  ``--hypothesis-seed=...`` to replay it).
Every fuzz test counts the inputs it generated (:func:`count`); pytest's summary prints the total
(``fuzz: N generated inputs (...)``): about 12,900 with FUZZ_SCALE=1 (12,860 on 2026-12-02) (docs/RELIABILITY.md). A run
that selects every fuzz test (``make test``, CI) fails if they generated fewer than FUZZ_MINIMUM.
"""
from __future__ import annotations

import os
import pathlib

import pytest
from hypothesis import HealthCheck, settings

FUZZ_SCALE = max(1.0, float(os.environ.get("FUZZ_SCALE", "1") or "1"))
FUZZ_RANDOM = os.environ.get("FUZZ_RANDOM", "") == "1"
FUZZ_COUNTS: dict[str, int] = {}
FUZZ_MINIMUM = 10_000  # issue #12: at least 10,000 generated inputs in all per run of the test command
FUZZ_MODULES = {p.name for p in pathlib.Path(__file__).parent.glob("test_fuzz_*.py")}
_fuzz_runs = {"deselected": 0, "modules": set(), "items": 0, "passed": 0}

settings.register_profile(
    "reliability", derandomize=not FUZZ_RANDOM, deadline=None, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)


def examples(base: int) -> int:
    """A fuzz test's number of generated inputs (``base`` × FUZZ_SCALE)."""
    return int(base * FUZZ_SCALE)


def fuzz_settings(base: int) -> settings:
    return settings(settings.get_profile("reliability"), max_examples=examples(base))


def count(name: str) -> None:
    FUZZ_COUNTS[name] = FUZZ_COUNTS.get(name, 0) + 1


def pytest_terminal_summary(terminalreporter):
    if FUZZ_COUNTS:
        total = sum(FUZZ_COUNTS.values())
        parts = ", ".join(f"{k} {v}" for k, v in sorted(FUZZ_COUNTS.items()))
        terminalreporter.write_line(f"fuzz: {total} generated inputs ({parts})")


def _is_fuzz(item) -> bool:
    return item.path.name in FUZZ_MODULES


def pytest_deselected(items):
    _fuzz_runs["deselected"] += sum(1 for item in items if _is_fuzz(item))


def pytest_collection_finish(session):
    fuzz = [item for item in session.items if _is_fuzz(item)]
    _fuzz_runs["items"], _fuzz_runs["modules"] = len(fuzz), {item.path.name for item in fuzz}


def pytest_runtest_logreport(report):
    if report.when == "call" and report.passed and pathlib.Path(report.fspath).name in FUZZ_MODULES:
        _fuzz_runs["passed"] += 1


def pytest_sessionfinish(session, exitstatus):
    """Every fuzz test selected and passed, yet fewer inputs than the issue's figure: a failure."""
    every_one = (_fuzz_runs["modules"] == FUZZ_MODULES and _fuzz_runs["deselected"] == 0
                 and _fuzz_runs["items"] > 0 and _fuzz_runs["passed"] == _fuzz_runs["items"])
    total = sum(FUZZ_COUNTS.values())
    if every_one and total < FUZZ_MINIMUM:
        session.config.get_terminal_writer().line(
            f"FAILED: the fuzz tests generated {total} inputs, fewer than the {FUZZ_MINIMUM:,} a run must have "
            "(tests/reliability/conftest.py)", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED

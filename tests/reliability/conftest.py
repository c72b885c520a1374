"""Fuzzing budget of tests/reliability (Hypothesis and schemathesis).

- Default (``make test``, CI): a fixed seed (``derandomize``: the same inputs every run, so a red CI is
  reproducible) and a bounded count: each fuzz test's ``fuzz_settings(N)`` is its share of the at
  least 10,000 generated inputs per run of the test command.
- ``FUZZ_SCALE=N`` (e.g. ``FUZZ_SCALE=20``): N times as many inputs per test, for a longer campaign.
- ``FUZZ_RANDOM=1``: a fresh random seed each run (Hypothesis prints the seed of a failure with
  ``--hypothesis-seed=...`` to replay it).
Every fuzz test counts the inputs it generated (:func:`count`); pytest's summary prints the total
(``fuzz: N generated inputs (...)``): about 11,200 with FUZZ_SCALE=1 (docs/RELIABILITY.md).
"""
from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

FUZZ_SCALE = max(1.0, float(os.environ.get("FUZZ_SCALE", "1") or "1"))
FUZZ_RANDOM = os.environ.get("FUZZ_RANDOM", "") == "1"
FUZZ_COUNTS: dict[str, int] = {}

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

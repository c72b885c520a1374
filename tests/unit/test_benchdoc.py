"""scripts/benchdoc.py: every benchmark script (scripts/bench_*.py, nlu_crossval) replaces its own
section of docs/BENCHMARKS.md and keeps every other one."""
from __future__ import annotations

import re

import pytest

from scripts.benchdoc import measured_on, publish, write_section

DOC = "# Benchmarks\n\nIntro.\n\n## Assistant\n\nold assistant\n\n## Phone line\n\nold phone\n"


@pytest.mark.parametrize("heading, body, expected", [
    # a section in the middle: replaced, the next one kept after one blank line
    ("Assistant", "## Assistant\n\nnew assistant\nsecond line",
     "# Benchmarks\n\nIntro.\n\n## Assistant\n\nnew assistant\nsecond line\n\n## Phone line\n\nold phone\n"),
    # the last section: replaced, the ones before kept
    ("Phone line", "## Phone line\n\nnew phone\n\n\n",
     "# Benchmarks\n\nIntro.\n\n## Assistant\n\nold assistant\n\n## Phone line\n\nnew phone\n"),
    # a new section: appended
    ("NLU cross-validation", "## NLU cross-validation\n\nscores\n", DOC + "\n## NLU cross-validation\n\nscores\n"),
    # the same section again: nothing changes
    ("Assistant", "## Assistant\n\nold assistant\n", DOC),
])
def test_only_the_named_section_changes(tmp_path, heading, body, expected):
    path = tmp_path / "BENCHMARKS.md"
    path.write_text(DOC, encoding="utf-8")
    write_section(path, heading, body)
    assert path.read_text(encoding="utf-8") == expected


def test_a_missing_file_starts_as_benchmarks_with_the_section(tmp_path):
    path = tmp_path / "BENCHMARKS.md"
    write_section(path, "Assistant", "## Assistant\n\nnew\n\n\n")
    assert path.read_text(encoding="utf-8") == "# Benchmarks\n\n## Assistant\n\nnew\n"


def test_publish_prints_and_writes_unless_told_not_to(tmp_path, capsys):
    path = tmp_path / "BENCHMARKS.md"
    publish("## Phone line\n\nrows\n", "Phone line", path, write=False)
    assert "rows" in capsys.readouterr().out and not path.exists()
    publish("## Phone line\n\nrows\n", "Phone line", path)
    assert path.read_text(encoding="utf-8") == "# Benchmarks\n\n## Phone line\n\nrows\n"
    assert "wrote section 'Phone line'" in capsys.readouterr().out


def test_measured_on_names_time_cpus_and_model():
    assert re.fullmatch(r"Measured \d{4}-\d\d-\d\d \d\d:\d\d UTC on \d+ CPUs \(.+\)", measured_on())


def test_process_cpu_seconds_reads_a_process_cpu_time_and_refuses_a_gone_one():
    import os
    import time

    from scripts.benchdoc import process_cpu_seconds

    before = process_cpu_seconds(os.getpid())
    started = time.process_time()
    while time.process_time() - started < 0.2:  # burn 0.2 s of CPU
        pass
    assert process_cpu_seconds(os.getpid()) - before >= 0.15
    with pytest.raises(OSError):
        process_cpu_seconds(2 ** 22 + 12345)  # above the kernel's pid limit: never a process

"""Writing one ``## section`` of docs/BENCHMARKS.md, shared by every benchmark script (scripts/bench_*.py,
scripts/nlu_crossval.py), and reading a process's CPU time for them."""
from __future__ import annotations

import datetime as dt
import os
import pathlib
import platform


def write_section(path: pathlib.Path, heading: str, body: str) -> None:
    """Replace (or append) the ``## heading`` section of ``path`` with ``body`` (which starts with that
    heading), keeping every other section; a missing file starts as ``# Benchmarks``."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == f"## {heading}"), None)
    if start is None:
        new = text.rstrip("\n") + "\n\n" + body.rstrip("\n") + "\n"
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        tail = ([""] if end < len(lines) else []) + lines[end:]
        new = "\n".join(lines[:start] + body.rstrip("\n").splitlines() + tail) + "\n"
    path.write_text(new, encoding="utf-8")


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of ``pid`` (all its threads), in seconds; OSError when it is gone."""
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured_on() -> str:
    """The start of a section's provenance line: "Measured <UTC time> on <n> CPUs (<CPU model>)"."""
    cpuinfo = pathlib.Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")),
               platform.processor() or "unknown CPU")
    return f"Measured {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} CPUs ({cpu})"


def publish(section: str, heading: str, path: pathlib.Path, write: bool = True) -> None:
    """Print ``section``; unless ``write`` is false, also put it into ``path`` as the ``## heading`` section."""
    print(section)
    if write:
        write_section(path, heading, section)
        print(f"wrote section '{heading}' of {path}")

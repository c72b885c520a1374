"""telemetry/ is a library every room may use (like the kernel): it imports no room, and its core
(metrics, sanic) imports nothing the engine env lacks (flask is the app env's, telemetry.flask only)."""
from __future__ import annotations

import ast
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[3]
ROOMS = {"credentials", "mailsink", "gateway", "ivr", "agents", "web", "bot", "actions", "ops"}
ENGINE_SAFE = set(sys.stdlib_module_names) | {"telemetry", "prometheus_client", "__future__"}


def imports(path: pathlib.Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_telemetry_imports_no_room():
    wrong = {p.name: imports(p) & ROOMS for p in (ROOT / "telemetry").glob("*.py") if imports(p) & ROOMS}
    assert not wrong


def test_the_core_runs_in_the_engine_env_too():
    for name in ("__init__.py", "metrics.py", "sanic.py"):
        extra = imports(ROOT / "telemetry" / name) - ENGINE_SAFE
        assert not extra, f"telemetry/{name} imports {extra}"

"""Root of the test suite.

Both environments collect from this one tree: the engine env (Python 3.10, Rasa) collects only
test files under a folder named ``engine`` (tests/unit/engine, tests/integration/engine, ...);
the app env collects everything else. Shared fixtures live in tests/fixtures/*.py, one module per
room, and are loaded here as pytest plugins.
"""
from __future__ import annotations

import importlib.util
import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

IN_ENGINE_ENV = importlib.util.find_spec("rasa_sdk") is not None
# The chat's e-mail seal key (kernel.sealing) for every Rasa channel and action server the tests
# start or build, inherited by their processes; a test that checks the refusal removes it.
os.environ.setdefault("CHAT_SEAL_KEY", "tQ8vJ2mX5nR7kW1zP4cY9bL6hF3dS0aG2eU8iO5yT7w")  # 43 url-safe characters
# People answer around the clock in the suite's processes (kernel.hours), so a test's outcome never
# depends on the hour it runs at; the working-hours tests set AGENTS_HOURS themselves.
os.environ.setdefault("AGENTS_HOURS", "always")
_TESTS = pathlib.Path(__file__).resolve().parent

pytest_plugins = sorted(
    f"tests.fixtures.{p.stem}"
    for p in (_TESTS / "fixtures").glob("*.py")
    if p.stem not in ("__init__", "ports") and (p.stem.startswith("engine_") == IN_ENGINE_ENV)
)


def pytest_ignore_collect(collection_path, config):
    path = pathlib.Path(collection_path)
    try:
        rel = path.relative_to(_TESTS).parts
    except ValueError:
        return None
    if path.is_dir():
        # Folders carry conftest.py files of their env (the app env's import Flask): the engine env
        # enters only folders on the way to an `engine` folder, the app env never enters one.
        if IN_ENGINE_ENV:
            return None if ("engine" in rel or (path / "engine").is_dir()) else True
        return True if "engine" in rel else None
    if not path.name.startswith("test_") or path.suffix != ".py":
        return None
    return True if ("engine" in rel) != IN_ENGINE_ENV else None

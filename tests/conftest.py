"""Root of the test suite.

Both environments collect from this one tree: the engine env (Python 3.10, Rasa) collects only
test files under a folder named ``engine`` (tests/unit/engine, tests/integration/engine, ...);
the app env collects everything else. Shared fixtures live in tests/fixtures/*.py, one module per
room, and are loaded here as pytest plugins.
"""
from __future__ import annotations

import importlib.util
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

IN_ENGINE_ENV = importlib.util.find_spec("rasa_sdk") is not None
_TESTS = pathlib.Path(__file__).resolve().parent

pytest_plugins = sorted(
    f"tests.fixtures.{p.stem}"
    for p in (_TESTS / "fixtures").glob("*.py")
    if p.stem not in ("__init__", "ports") and (p.stem.startswith("engine_") == IN_ENGINE_ENV)
)


def pytest_ignore_collect(collection_path, config):
    path = pathlib.Path(collection_path)
    if path.is_dir() or not path.name.startswith("test_") or path.suffix != ".py":
        return None
    in_engine_folder = "engine" in path.relative_to(_TESTS).parts
    return True if in_engine_folder != IN_ENGINE_ENV else None

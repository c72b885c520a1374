"""The map of docs/ARCHITECTURE.md, checked on the source: who may import whom, and that no room
re-implements a rule of the shared kernel (a mask, a field rule, a spoken-form parser).

Reads the Python files with ``ast`` (nothing is imported), so it runs in milliseconds and in the app env.
"""
from __future__ import annotations

import ast
import pathlib
import re
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
ROOMS = ("kernel", "telemetry", "credentials", "mailsink", "gateway", "ivr", "agents", "web", "bot", "actions", "ops")
# Libraries every room may import: the kernel (rules, pure Python) and telemetry (metrics, health and
# readiness with prometheus_client); neither imports a room, and the kernel not even telemetry.
LIBRARIES = ("kernel", "telemetry")
# room -> the rooms (or single modules, "room.module") it may import besides itself and the kernel
ALLOWED = {
    "kernel": set(),
    "telemetry": set(),
    "credentials": set(),
    "mailsink": set(),
    "gateway": {"agents", "ivr", "web"},  # the app factory mounts the gateway's rooms
    "agents": {"gateway"},
    "ivr": {"gateway", "agents.phone_port"},  # the phone line's one port to the escalations
    "web": {"gateway"},
    "bot": set(),
    "actions": set(),
    "ops": set(),
}
STDLIB = set(sys.stdlib_module_names)


def python_files(room: str) -> list[pathlib.Path]:
    return sorted(p for p in (ROOT / room).rglob("*.py") if "migrations" not in p.parts or room == "kernel")


def imported_modules(path: pathlib.Path) -> set[str]:
    """Every module a file imports: import statements anywhere (also inside functions and try blocks)
    and ``importlib.import_module("<literal>")``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
              and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            found.add(node.args[0].value)
    return found


def room_of(module: str) -> str | None:
    top = module.split(".")[0]
    return top if top in ROOMS else None


def allowed(importer: str, module: str) -> bool:
    target = room_of(module)
    if target is None or target == importer or target in LIBRARIES:
        return True  # telemetry's own imports: its ALLOWED is empty, so it reaches no room
    rules = ALLOWED[importer]
    return target in rules or any(module == rule or module.startswith(rule + ".") for rule in rules if "." in rule)


@pytest.mark.parametrize("room", [r for r in ROOMS if r != "kernel"])
def test_a_room_imports_only_the_kernel_and_the_rooms_the_map_allows(room):
    wrong = sorted(f"{path.relative_to(ROOT)} imports {module}"
                   for path in python_files(room) for module in imported_modules(path)
                   if not allowed(room, module) and not _is_parent_of_allowed(room, module))
    assert not wrong, "\n".join(wrong)


def _is_parent_of_allowed(room: str, module: str) -> bool:
    """``from agents import phone_port`` records ``agents`` as well as ``agents.phone_port``."""
    return any(rule.startswith(module + ".") for rule in ALLOWED[room])


def test_agents_never_import_the_phone_line():
    offenders = [str(p.relative_to(ROOT)) for p in python_files("agents")
                 if any(room_of(m) == "ivr" for m in imported_modules(p))]
    assert not offenders


def test_the_phone_line_reaches_agents_only_through_the_port():
    offenders = sorted({f"{p.relative_to(ROOT)}: {m}" for p in python_files("ivr") for m in imported_modules(p)
                        if room_of(m) == "agents" and m not in ("agents", "agents.phone_port")
                        and not m.startswith("agents.phone_port.")})
    assert not offenders, "\n".join(offenders)


# The kernel's one exception to the standard library: sealing needs real authenticated encryption
# (kernel/sealing.py says why); every other kernel module is pure Python.
KERNEL_THIRD_PARTY = {"kernel/sealing.py": {"cryptography"}}


def test_the_kernel_is_pure_python_and_imports_no_room():
    wrong = sorted(f"{p.relative_to(ROOT)} imports {m}" for p in python_files("kernel") for m in imported_modules(p)
                   if m.split(".")[0] not in STDLIB | {"kernel", "__future__"}
                   | KERNEL_THIRD_PARTY.get(str(p.relative_to(ROOT)), set()))
    assert not wrong, "\n".join(wrong)


# --- no copies of the kernel's rules -----------------------------------------------------------

KERNEL_RULE_NAMES = re.compile(
    r"^_?(mask(_\w+)?|\w+_mask|redact(_\w+)?|scrub\w*|validate_(username|email)|is_(valid_)?(username|email)"
    r"|parse_(spoken_|spelled_|keypad_)?(username|email)|normalise_email|spell_out|utcnow|as_utc)$")
# A regular expression that matches an e-mail address ("...@...") or a phone number mask.
ADDRESS_PATTERN = re.compile(r"@\[|@\(|\]\+@|\}@|\*@")


def _delegates(function: ast.AST, name: str) -> bool:
    """Whether ``function`` calls ``<module>.<its own name>`` (an adapter of the kernel's rule, e.g. one
    that turns the kernel's FieldError into the room's own exception)."""
    return any(isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == name
               for node in ast.walk(function))


def _definitions(path: pathlib.Path) -> list[str]:
    """Names of the functions a file defines that may hold a rule of their own: methods aside (Rasa's
    form validators are methods named ``validate_<slot>``) and adapters that delegate to the kernel."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    methods = {id(item) for node in ast.walk(tree) if isinstance(node, ast.ClassDef) for item in node.body}
    return [node.name for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and id(node) not in methods
            and not _delegates(node, node.name)]


def _regex_literals(path: pathlib.Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.args[0].value for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") in ("compile", "match", "search", "sub",
                                                                                 "fullmatch", "findall", "subn")
            and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)]


@pytest.mark.parametrize("room", [r for r in ROOMS if r != "kernel"])
def test_no_room_reimplements_a_mask_or_a_field_rule(room):
    copies = sorted(f"{p.relative_to(ROOT)}: def {name}" for p in python_files(room) for name in _definitions(p)
                    if KERNEL_RULE_NAMES.match(name))
    assert not copies, "these belong to the kernel (kernel/privacy.py, fields.py, spoken.py, clock.py):\n" + "\n".join(copies)


@pytest.mark.parametrize("room", [r for r in ROOMS if r != "kernel"])
def test_no_room_writes_its_own_e_mail_address_pattern(room):
    copies = sorted(f"{p.relative_to(ROOT)}: {pattern!r}" for p in python_files(room) for pattern in _regex_literals(p)
                    if ADDRESS_PATTERN.search(pattern))
    assert not copies, "use kernel.fields / kernel.spoken / kernel.privacy:\n" + "\n".join(copies)


def test_the_checks_see_the_rules_they_enforce(tmp_path):
    """The checks would catch a copy: a file with a private mask and an address pattern is flagged."""
    sample = tmp_path / "copy.py"
    sample.write_text("import re\nfrom ivr.models import PhoneCall\n"
                      "def mask_email(a):\n    return re.sub(r'[^@]+@[^@]+', '***', a)\n")
    assert "ivr.models" in imported_modules(sample)
    assert not allowed("agents", "ivr.models") and allowed("ivr", "agents.phone_port") and not allowed("ivr", "agents.models")
    assert any(KERNEL_RULE_NAMES.match(n) for n in _definitions(sample))
    assert any(ADDRESS_PATTERN.search(p) for p in _regex_literals(sample))

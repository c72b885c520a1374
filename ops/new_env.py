"""Fresh secrets for this machine's ``.env`` (``make run`` runs it first; nothing secret is shipped).

``python -m ops.new_env`` with no ``.env``: writes one from ``.env.example`` (mode 0600) with every
secret of :data:`GENERATED` drawn fresh from :mod:`secrets`. With an ``.env``: keeps it as it is, adds
a fresh value for a secret it lacks (or leaves empty) and replaces a value that .env.example once
shipped (public, so never a secret); the file is not rewritten when nothing is missing.

``python -m ops.new_env --check NAME ...``: the start scripts' check of secrets no Python settings
reader of ours sees (Rasa's JWT key): exit 2 with one line per bad value (kernel.settings rules).
"""
from __future__ import annotations

import argparse
import os
import pathlib
import re
import secrets
import sys
from typing import Callable

from kernel.settings import EnvReader, SHIPPED_EXAMPLE_SECRETS, looks_like_example

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _urlsafe() -> str:
    """32 random bytes, url-safe base64 (43 characters)."""
    while True:
        value = secrets.token_urlsafe(32)
        if not looks_like_example(value):  # a random "dev-..." start is unlikely, never impossible
            return value


def _twilio_like() -> str:
    """16 random bytes as 32 hex digits, the shape of a Twilio auth token (the terminal phone signs with it)."""
    return secrets.token_hex(16)


# Every secret a process of the help desk reads, and how a fresh one is made.
GENERATED: dict[str, Callable[[], str]] = {
    "CREDENTIALS_ASSISTANT_TOKEN": _urlsafe,
    "CREDENTIALS_PHONE_TOKEN": _urlsafe,
    "CREDENTIALS_CONSOLE_TOKEN": _urlsafe,
    "CREDENTIALS_PORTAL_TOKEN": _urlsafe,
    "CREDENTIALS_ADMIN_TOKEN": _urlsafe,
    "RASA_JWT_SECRET": _urlsafe,
    "RASA_CHANNEL_SECRET": _urlsafe,
    "WIDGET_SESSION_KEY": _urlsafe,
    "CHAT_SEAL_KEY": _urlsafe,
    "GATEWAY_SERVICE_TOKEN": _urlsafe,
    "GATEWAY_SECRET_KEY": _urlsafe,
    "TWILIO_AUTH_TOKEN": _twilio_like,
}

_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Z][A-Z0-9_]*)\s*=(.*)$")


def _value(raw: str) -> str:
    value = raw.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    return value


def fill(text: str) -> tuple[str, list[str]]:
    """``text`` (an env file) with every secret of GENERATED set; and the names that got a fresh value."""
    lines, seen, fresh = text.splitlines(), set(), []
    for i, line in enumerate(lines):
        match = _ASSIGNMENT.match(line)
        if not match or match.group(1) not in GENERATED:
            continue
        name, value = match.group(1), _value(match.group(2))
        seen.add(name)
        if not value or value in SHIPPED_EXAMPLE_SECRETS:
            lines[i] = f"{name}={GENERATED[name]()}"
            fresh.append(name)
    missing = [name for name in GENERATED if name not in seen]
    if missing:
        lines += ["", "# Secrets added by ops/new_env.py (fresh for this machine; never commit them)."]
        lines += [f"{name}={GENERATED[name]()}" for name in missing]
        fresh += missing
    return "\n".join(lines) + "\n", fresh


def ensure_env(env_file: pathlib.Path, example: pathlib.Path) -> list[str]:
    """Create or complete ``env_file`` (see the module's doc); the names that got a fresh value."""
    if env_file.exists():
        text, fresh = fill(env_file.read_text())
        if fresh:
            temporary = env_file.with_name(env_file.name + ".new")
            _write_private(temporary, text)
            os.replace(temporary, env_file)
        return fresh
    text, fresh = fill(example.read_text())
    _write_private(env_file, text)
    return fresh


def _write_private(path: pathlib.Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.chmod(path, 0o600)


def check(names: list[str]) -> list[str]:
    """One line per secret among ``names`` in the environment that is missing or bad."""
    read = EnvReader()
    for name in names:
        read.secret(name)
    return read.errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.new_env", description=__doc__.splitlines()[0])
    parser.add_argument("--env", type=pathlib.Path, default=ROOT / ".env")
    parser.add_argument("--example", type=pathlib.Path, default=ROOT / ".env.example")
    parser.add_argument("--check", nargs="+", metavar="NAME", help="check these secrets of the environment")
    args = parser.parse_args(argv)
    if args.check:
        errors = check(args.check)
        for line in errors:
            print(f"bad secret: {line}", file=sys.stderr)
        return 2 if errors else 0
    created = not args.env.exists()
    fresh = ensure_env(args.env, args.example)
    if created:
        print(f"[run] created {args.env.name} from {args.example.name} with fresh secrets ({len(fresh)})")
    elif fresh:
        print(f"[run] {args.env.name}: fresh value for {', '.join(fresh)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

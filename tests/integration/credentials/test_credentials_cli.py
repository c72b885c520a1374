"""The document office's CLI (S1): `flask --app credentials office register ...` registers an account
and its code mail arrives; `python -m credentials` refuses bad settings naming each one."""
from __future__ import annotations

import os
import pathlib
import subprocess
import sys

from tests.fixtures.credentials_services import credentials_env
from tests.fixtures.mail_services import extract_code

ROOT = pathlib.Path(__file__).resolve().parents[3]
FLASK = str(pathlib.Path(sys.executable).with_name("flask"))


def run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=120)


def cli_env(tmp_path, sink) -> dict:
    from credentials.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade(url)
    return credentials_env(url, tmp_path, SMTP_HOST="127.0.0.1", SMTP_PORT=str(sink.port))


def test_s1_office_cli_registers_and_the_code_mail_arrives(tmp_path, smtp_sink):
    env = cli_env(tmp_path, smtp_sink)
    done = run([FLASK, "--app", "credentials", "office", "register", "--username", "kissanna",
                "--legal-name", "Kiss Anna", "--email", "anna.kiss@example.hu", "--language", "hu"], env)
    assert done.returncode == 0, done.stderr
    assert "registered kissanna" in done.stdout
    assert extract_code(smtp_sink.wait_for_mail("anna.kiss@example.hu", timeout=20))

    again = run([sys.executable, "-m", "credentials", "office", "register", "--username", "KISSANNA",
                 "--legal-name", "Kiss Anna", "--email", "anna.kiss@example.hu"], env)
    assert again.returncode != 0 and "already taken" in again.stderr

    bad = run([FLASK, "--app", "credentials", "office", "register", "--username", "x",
               "--legal-name", "Kiss Anna", "--email", "nope"], env)
    assert bad.returncode != 0 and "--username" in bad.stderr and "Traceback" not in bad.stderr

    told = run([sys.executable, "-m", "credentials", "office", "disclose-username", "--legal-name", "Anna Kiss"], env)
    assert told.returncode == 0 and told.stdout.strip() == "kissanna"


def test_s1_office_cli_works_on_a_database_the_backend_never_migrated(tmp_path, smtp_sink):
    fresh = f"sqlite:///{tmp_path / 'never-served.db'}"
    env = credentials_env(fresh, tmp_path, SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_sink.port))
    done = run([sys.executable, "-m", "credentials", "office", "register", "--username", "nagyjozsi58",
                "--legal-name", "Nagy József", "--email", "nagy.jozsef@example.hu"], env)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert extract_code(smtp_sink.wait_for_mail("nagy.jozsef@example.hu", timeout=20))


def test_office_cli_on_an_unusable_database_says_so_in_one_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    env = credentials_env(f"sqlite:///{blocker / 'x.db'}", tmp_path)
    done = run([sys.executable, "-m", "credentials", "office", "disclose-username", "--legal-name", "Kiss Anna"], env)
    assert done.returncode != 0
    assert "credentials database cannot be used" in done.stderr and "Traceback" not in done.stderr


def test_serve_refuses_bad_settings_naming_each_one(tmp_path):
    env = credentials_env("sqlite:///x.db", tmp_path, CREDENTIALS_PORT="eighty", CODE_TTL_DAYS="0")
    done = run([sys.executable, "-m", "credentials", "serve"], env)
    assert done.returncode == 2
    assert "CREDENTIALS_PORT:" in done.stderr and "CODE_TTL_DAYS:" in done.stderr and "Traceback" not in done.stderr


def test_serve_with_a_bad_thread_count_says_so_in_one_line_and_exits_2(tmp_path):
    env = credentials_env("sqlite:///x.db", tmp_path, CREDENTIALS_THREADS="many")
    done = run([sys.executable, "-m", "credentials", "serve"], env)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    (line,) = [line for line in done.stderr.splitlines() if "CREDENTIALS_THREADS" in line]
    assert line.strip() == "CREDENTIALS_THREADS: must be a whole number 1-256, got 'many'"

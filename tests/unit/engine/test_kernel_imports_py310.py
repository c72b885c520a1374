"""The shared kernel works in the engine env (Python 3.10, next to Rasa): every module imports and
answers one call, so a newer-Python-only construct in kernel/ fails here, not in production."""
from __future__ import annotations

import importlib
import pkgutil
import sys
from datetime import datetime

import kernel

CALLS = {
    "kernel.catalogue": lambda m: m.placeholders("{days} nap, {phone}") == {"days", "phone"},
    "kernel.clock": lambda m: isinstance(m.as_utc(datetime(2026, 1, 1)).tzinfo, type(m.utcnow().tzinfo)),
    "kernel.contracts": lambda m: m.outcome_of(422) is m.Outcome.REJECTED,
    "kernel.facts": lambda m: m.text_params("en", {"CODE_TTL_DAYS": "7"})["days"] == "7",
    "kernel.hours": lambda m: m.describe(m.WorkingHours.from_env({}).next_open(datetime(2026, 12, 4, 17, 0)),
                                         datetime(2026, 12, 4, 17, 0), "hu") == "hétfőn 8 órától",
    "kernel.fields": lambda m: m.is_username("kisspista77") and not m.is_username("ab"),
    "kernel.network": lambda m: m.client_address("10.0.0.5", "6.6.6.6, 203.0.113.9", ["10.0.0.0/8"]) == "203.0.113.9",
    "kernel.periodic": lambda m: m.failure_line(OSError("postgresql://u:pw@db")).startswith("purge failed: OSError ("),
    "kernel.privacy": lambda m: m.mask_email("kiss.pista@gmail.com") == "ki***@g***.com",
    "kernel.redaction": lambda m: m.redact("a kódom K7QM-3XPA-9TDE-W2HF")[0] == "a kódom REDACTEDSECRET",
    "kernel.sealing": lambda m: m.Sealer("k" * 32, "t").unseal(m.Sealer("k" * 32, "t").seal("x")) == "x",
    "kernel.settings": lambda m: m.EnvReader({"X": "4"}).integer("X", 1, 1, 9) == 4,
    "kernel.spoken": lambda m: m.parse_email("kiss pista kukac gmail pont com") == "kisspista@gmail.com",
}


def test_this_is_the_engine_envs_python_310():
    assert sys.version_info[:2] == (3, 10)


def test_every_kernel_module_imports_and_answers_one_call_on_python_310():
    modules = sorted(f"kernel.{info.name}" for info in pkgutil.iter_modules(kernel.__path__))
    assert modules == sorted(CALLS), "a kernel module without a call here (or a call for a missing one)"
    for name in modules:
        assert CALLS[name](importlib.import_module(name)), name

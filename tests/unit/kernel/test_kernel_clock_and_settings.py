"""kernel.clock and kernel.settings: aware UTC times; one error line per bad setting, secrets never echoed."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from kernel.clock import as_utc, utcnow
from kernel.settings import EnvReader, SettingsError


def test_times_are_aware_utc():
    assert utcnow().tzinfo is timezone.utc
    assert as_utc(datetime(2026, 11, 24, 10, 0)) == datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)
    assert as_utc(None) is None


def test_every_bad_value_is_reported_at_once_and_a_secret_is_never_echoed():
    read = EnvReader({"PORT": "eighty", "N": "200", "FLAG": "maybe", "TOKEN": "short-secret", "URL": "ftp://x"})
    read.port("PORT", 80)
    read.integer("N", 1, 1, 10)
    read.boolean("FLAG", False)
    read.token("TOKEN")
    read.url("URL", "http://x")
    with pytest.raises(SettingsError) as caught:
        read.raise_errors(SettingsError, "bad settings")
    lines = str(caught.value).splitlines()[1:]
    assert [line.split(":")[0].strip() for line in lines] == ["PORT", "N", "FLAG", "TOKEN", "URL"]
    assert "short-secret" not in str(caught.value)


def test_unset_values_take_their_defaults():
    read = EnvReader({})
    assert (read.port("PORT", 8000), read.boolean("FLAG", True), read.number("X", 2.5, 0, 5)) == (8000, True, 2.5)
    assert read.errors == []

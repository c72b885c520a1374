"""bot/lock_store.py: the production Redis lock store is configured by REDIS_URL alone."""
from __future__ import annotations

import pytest

from bot.lock_store import redis_settings


@pytest.mark.parametrize(
    "url, expected",
    [
        ("redis://127.0.0.1:6379/0", {"host": "127.0.0.1", "port": 6379, "db": 0, "username": None, "password": None, "use_ssl": False}),
        ("redis://cache", {"host": "cache", "port": 6379, "db": 0, "username": None, "password": None, "use_ssl": False}),
        ("rediss://bot:p%40ss@redis.internal:6380/3", {"host": "redis.internal", "port": 6380, "db": 3, "username": "bot", "password": "p@ss", "use_ssl": True}),
    ],
)
def test_lock_store_settings_come_from_redis_url(url, expected):
    assert redis_settings(url) == expected


@pytest.mark.parametrize("url", ["", "http://127.0.0.1:6379/0", "redis:///0", "redis://host:port/0", "redis://host:6379/x"])
def test_lock_store_rejects_a_bad_redis_url_with_a_clear_error(url):
    with pytest.raises(ValueError, match="REDIS_URL"):
        redis_settings(url)

"""Alembic for the credentials database: ``upgrade(url)`` brings it to the newest revision
(``python -m credentials serve`` runs it before serving; so does ``python -m credentials migrate``)."""
from __future__ import annotations

import pathlib

from alembic import command
from alembic.config import Config

HERE = pathlib.Path(__file__).resolve().parent


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE / "migrations"))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(database_url: str) -> None:
    if database_url.startswith("sqlite:///") and ":memory:" not in database_url:
        pathlib.Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(database_url), "head")

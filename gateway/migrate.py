"""Alembic for the gateway database. Each room keeps its own branch of revisions in
``<room>/migrations/versions`` (branch label = room name), so rooms never fight over one head."""
from __future__ import annotations

import pathlib

from alembic import command
from alembic.config import Config

ROOT = pathlib.Path(__file__).resolve().parent.parent
ROOMS = ("agents", "ivr")
MIGRATION_LOCK = 0x6877_6D67  # the gateway's advisory lock key while it migrates


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(ROOT / "gateway" / "migrations"))
    locations = [str(ROOT / r / "migrations" / "versions") for r in ROOMS if (ROOT / r / "migrations" / "versions").is_dir()]
    cfg.set_main_option("version_locations", " ".join(locations))
    cfg.set_main_option("version_path_separator", "space")
    # ConfigParser interpolation: a "%" in the URL (encoded password, options=-c...%3D...) must be doubled
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(database_url: str) -> None:
    """Bring the database to the newest revision of every room."""
    if database_url.startswith("sqlite:///") and not database_url.startswith("sqlite:///:memory:"):
        pathlib.Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    cfg = alembic_config(database_url)
    if not cfg.get_main_option("version_locations"):
        return
    if not database_url.startswith("postgresql"):
        command.upgrade(cfg, "heads")
        return
    # Several gateway processes start at once in production: one migrates, the others wait for it.
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            try:
                command.upgrade(cfg, "heads")
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
    finally:
        engine.dispose()

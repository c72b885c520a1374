"""Alembic migrations: they build exactly the tables the models describe, and 0002 backfills the
run-together legal names (S6) of accounts created before it."""
from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from credentials.adapters.orm import Base
from credentials.migrate import alembic_config, upgrade


def test_migrations_match_the_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
    engine.dispose()
    diff = [d for d in diff if not (d[0] == "remove_table" and d[1].name == "credentials_alembic_version")]
    assert diff == []


def test_0002_backfills_joined_legal_names_and_downgrades(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    cfg = alembic_config(url)
    command.upgrade(cfg, "0001")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO accounts (username, username_key, legal_name, legal_name_key, email, language, "
                          "created_at, login_failures, wrong_code_entries) VALUES ('kovacsj', 'kovacsj', 'Kovács János', "
                          "'janos kovacs', 'j@example.hu', 'hu', '2026-01-01 00:00:00', 0, 0)"))
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        row = conn.execute(text("SELECT legal_name_joined, legal_name_joined_rev FROM accounts")).one()
    assert tuple(row) == ("kovacsjanos", "janoskovacs")
    command.downgrade(cfg, "0001")
    engine.dispose()

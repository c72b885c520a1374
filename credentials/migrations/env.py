"""Alembic environment of the credentials database (see credentials/migrate.py). Its own version
table, so the credentials tables can share a PostgreSQL database with other services."""
from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from credentials.adapters.orm import Base

config = context.config
VERSION_TABLE = "credentials_alembic_version"


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    engine = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.",
                                poolclass=pool.NullPool)
    with engine.connect() as connection:
        _run(connection)


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata, version_table=VERSION_TABLE,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()

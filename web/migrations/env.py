"""Alembic environment: every package's tables on one metadata, URL from the config."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool
from sqlmodel import SQLModel

import consent.models  # noqa: F401  (registers tables)
import directory.models  # noqa: F401
import messaging.models  # noqa: F401
import web.idp_models  # noqa: F401
import web.idempotency  # noqa: F401
import web.sessions  # noqa: F401

target_metadata = SQLModel.metadata
config = context.config


def include_object(obj, name, type_, reflected, compare_to):
    # The full-text index tables are made by hand in 0001 (dialect-specific): not models.
    return not (type_ == "table" and name.startswith("actor_fts"))


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with connectable.connect() as connection:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True, include_object=include_object
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

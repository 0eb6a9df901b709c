"""Alembic environment: the URL comes from the caller (service.migrate) or CALLQA_DATABASE_URL."""

from alembic import context
from sqlalchemy import engine_from_config, pool

import service.alerts.models
import service.auth.models
import service.calibration.models
import service.evaluations.models
import service.interactions.models
import service.outcomes.models
import service.reviews.models
import service.sources.models
import service.standards.models  # noqa: F401  (register tables on the metadata)
from service.config import Settings
from service.db import Base

config = context.config
target_metadata = Base.metadata
if not config.get_main_option("sqlalchemy.url"):
    config.set_main_option("sqlalchemy.url", Settings().database_url.replace("%", "%%"))


def run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = engine_from_config(
        config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with engine.connect() as connection:
        # render_as_batch: SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True, compare_type=True
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()

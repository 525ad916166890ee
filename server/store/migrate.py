"""Alembic, driven from code so that `kring migrate` needs no alembic.ini beside it."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

_MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def migrate(database_url: str, revision: str = "head") -> None:
    """Bring the schema up to `revision`. Runs its own event loop: call it from a thread in async code."""
    command.upgrade(alembic_config(database_url), revision)

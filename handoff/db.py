"""Database connection for the queue: SQLite by default, PostgreSQL by URL; migrations via Alembic."""

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from contactpunt.data_dir import data_dir
from contactpunt.sqlite_settings import apply_to

URL_ENV = "CONTACTPUNT_QUEUE_URL"
MIGRATIONS = Path(__file__).parent / "migrations"


def default_url() -> str:
    return f"sqlite:///{data_dir() / 'queue.sqlite'}"


def queue_url() -> str:
    return os.environ.get(URL_ENV) or default_url()


def make_engine(url: str = None) -> Engine:
    url = url or queue_url()
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, future=True, connect_args={"timeout": 10})
        apply_to(engine)
        return engine
    return create_engine(url, future=True, pool_pre_ping=True)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (idempotent)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, future=True, expire_on_commit=False)

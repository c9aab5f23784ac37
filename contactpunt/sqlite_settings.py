"""SQLite connection settings for every database the project writes (queue and tracker store)."""

from sqlalchemy import event
from sqlalchemy.engine import Engine

#: WAL + FULL sync: a committed row survives a killed process and a power cut.
#: secure_delete: deleted rows are overwritten, not left in free pages.
PRAGMAS = ("journal_mode=WAL", "synchronous=FULL", "secure_delete=ON", "foreign_keys=ON", "busy_timeout=10000")


def _apply(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in PRAGMAS:
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def apply_to(engine: Engine) -> None:
    """Every new connection of `engine` gets the pragmas."""
    event.listen(engine, "connect", _apply)

"""Rasa's SQL tracker store with every event encrypted (AES-256-GCM, rotating keys) and an expiry clean-up."""

import json
import os
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from contactpunt.data_dir import data_dir
from contactpunt.sqlite_settings import apply_to
from bot.tracker_store import keyring as keys


def _binding(sender_id: str, type_name: str) -> str:
    """An event opens only in its own conversation and as its own kind of event."""
    return f"tracker|{sender_id}|{type_name}"


class EncryptedSQLTrackerStore(SQLTrackerStore):
    """Stores `data` encrypted and leaves Rasa's `intent_name` / `action_name` columns empty (an intent
    name is a behaviour type: it would say what the conversation was about). Only the conversation
    id, the event type and its time stay readable, for Rasa's session logic and for the clean-up."""

    def __init__(self, domain: Optional[Domain] = None, dialect: Text = "sqlite", db: Text = "trackers.sqlite",
                 **kwargs: Any) -> None:
        self.keyring = keys.load()
        super().__init__(domain=domain, dialect=dialect, db=db, **kwargs)
        if self.engine.dialect.name == "sqlite":
            # Rasa's SQLite engine opens a connection per session (NullPool), so every message paid for a new
            # connection and its pragmas twice: a small pool keeps connections, pragmas applied, between
            # messages (docs/performance.md).
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(url, poolclass=sa.pool.QueuePool, pool_size=2, max_overflow=8,
                                           connect_args={"check_same_thread": False})
            apply_to(self.engine)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        with self.session_scope() as session:
            for event in self._additional_events(session, tracker):
                data = event.as_dict()
                session.add(self.SQLEvent(
                    sender_id=tracker.sender_id, type_name=event.type_name, timestamp=data.get("timestamp"),
                    intent_name=None, action_name=None,
                    data=self.keyring.encrypt(json.dumps(data), _binding(tracker.sender_id, event.type_name)),
                ))
            session.commit()

    async def _retrieve(self, sender_id: Text, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        with self.session_scope() as session:
            rows = self._event_query(session, sender_id, fetch_events_from_all_sessions).all()
            events = [json.loads(self.keyring.decrypt(row.data, _binding(sender_id, row.type_name))) for row in rows]
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    def delete_expired(self, max_age_seconds: float, now: Optional[float] = None) -> int:
        """Delete every conversation whose newest event is older than `max_age_seconds`; returns how many.

        A handed-off conversation lives on only in its encrypted case. With SQLite, secure_delete
        overwrites the freed pages and the WAL is checkpointed and truncated, so the text is gone.
        """
        cutoff = (time.time() if now is None else now) - max_age_seconds
        event = self.SQLEvent
        with self.session_scope() as session:
            expired = [sender for (sender,) in session.query(event.sender_id).group_by(event.sender_id)
                       .having(sa.func.max(event.timestamp) < cutoff).all()]
        self._delete_conversations(expired)
        return len(expired)

    def forget(self, sender_id: str) -> int:
        """Delete one conversation now (a reporter's "/vergeet"); returns the number of events removed."""
        return self._delete_conversations([sender_id])

    def _delete_conversations(self, senders: List[str]) -> int:
        event = self.SQLEvent
        removed = 0
        with self.session_scope() as session:
            for start in range(0, len(senders), 500):
                removed += session.query(event).filter(event.sender_id.in_(senders[start:start + 500])) \
                    .delete(synchronize_session=False)
            session.commit()
        if self.engine.dialect.name == "sqlite":
            with self.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return removed

    def reencrypt(self) -> int:
        """After a new key was put first in the ring: encrypt every older event with it. Returns the count."""
        event = self.SQLEvent
        changed = 0
        with self.session_scope() as session:
            for row in session.query(event).yield_per(500):
                if self.keyring.key_id_of(row.data) != self.keyring.current_id:
                    bound = _binding(row.sender_id, row.type_name)
                    row.data = self.keyring.encrypt(self.keyring.decrypt(row.data, bound), bound)
                    changed += 1
            session.commit()
        return changed



#: The conversations' database as an SQLAlchemy URL (`postgresql+psycopg2://user:password@host:port/db`),
#: like CONTACTPUNT_QUEUE_URL for the case queue; unset: endpoints.yml (SQLite in the data directory).
URL_ENV = "CONTACTPUNT_TRACKER_URL"


def store_config(endpoints: Dict[str, Any], environ: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    """The tracker_store section of endpoints.yml; an SQLite store lives in the data directory, and
    CONTACTPUNT_TRACKER_URL, when set, names the database instead (several Rasa processes share it)."""
    config = dict(endpoints["tracker_store"])
    url = (os.environ if environ is None else environ).get(URL_ENV)
    if url:
        try:
            parsed = sa.engine.make_url(url)
        except sa.exc.ArgumentError:
            raise ValueError(f"{URL_ENV} must be a URL such as postgresql+psycopg2://user:password@host:5432/db") from None
        if parsed.get_backend_name() not in ("postgresql", "sqlite"):
            raise ValueError(f"{URL_ENV} must be a postgresql:// or sqlite:// URL")
        # endpoints.yml names the host `url`: Rasa passes it to the store as `host`
        config.update(dialect=parsed.drivername, db=parsed.database, url=parsed.host, port=parsed.port,
                      username=parsed.username, password=parsed.password)
        config = {key: value for key, value in config.items() if value is not None}
    if config.get("dialect", "sqlite") == "sqlite" and not url:
        config["db"] = str(data_dir() / "trackers.sqlite")
    return config


def from_endpoints(endpoints_path: str, domain: Optional[Domain] = None) -> EncryptedSQLTrackerStore:
    """The store as endpoints.yml configures it (for the clean-up and key rotation commands)."""
    import yaml

    config = store_config(yaml.safe_load(Path(endpoints_path).read_text(encoding="utf-8")))
    config.pop("type", None)
    if "url" in config:
        config["host"] = config.pop("url")
    return EncryptedSQLTrackerStore(domain=domain, **config)

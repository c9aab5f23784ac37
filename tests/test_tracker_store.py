"""The encrypted tracker store: round trip, nothing in clear on disk, key rotation, retention with a moved clock."""

import asyncio
import sqlite3
import time

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_store import keyring
from bot.tracker_store.encrypted import EncryptedSQLTrackerStore
from tests.conftest import ROOT

DOMAIN = Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv(keyring.KEYS_ENV, keyring.new_key_line())
    made = EncryptedSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "trackers.sqlite"))
    yield made
    made.engine.dispose()


def test_on_postgresql_too(postgres_url, monkeypatch):
    """Production runs the same store on PostgreSQL: round trip, nothing in clear, retention."""
    from sqlalchemy.engine import make_url

    url = make_url(postgres_url)
    monkeypatch.setenv(keyring.KEYS_ENV, keyring.new_key_line())
    pg = EncryptedSQLTrackerStore(domain=DOMAIN, dialect="postgresql", host=url.host, port=url.port,
                                  db=url.database, username=url.username)
    try:
        now = time.time()
        asyncio.run(pg.save(conversation("pg-old", "kanarie-pg", now - 9 * 86400)))
        asyncio.run(pg.save(conversation("pg-new", "kanarie-pg", now)))
        assert asyncio.run(pg.retrieve("pg-new")).get_slot("handoff_summary") == "samenvatting kanarie-pg"
        with pg.engine.connect() as connection:
            stored = " ".join(r[0] for r in connection.exec_driver_sql("SELECT data FROM events"))
        assert "kanarie" not in stored
        assert pg.delete_expired(7 * 86400, now=now) == 1
        assert asyncio.run(pg.retrieve("pg-old")) is None
    finally:
        with pg.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE events")
        pg.engine.dispose()


def conversation(sender: str, canary: str, at: float) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    for event in (UserUttered(f"mijn docent {canary}", {"name": "seksuele_intimidatie", "confidence": 0.9},
                              timestamp=at),
                  ActionExecuted("action_reflect_behaviour", timestamp=at + 1),
                  BotUttered(f"Wat vervelend {canary}", timestamp=at + 2),
                  SlotSet("handoff_summary", f"samenvatting {canary}", timestamp=at + 3)):
        tracker.update(event)
    return tracker


def database_bytes(path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def test_round_trip_and_nothing_readable_on_disk(store, tmp_path):
    asyncio.run(store.save(conversation("conv-a", "kanarie-tracker-1", time.time())))
    restored = asyncio.run(store.retrieve("conv-a"))
    assert restored.latest_message.text == "mijn docent kanarie-tracker-1"
    assert restored.get_slot("handoff_summary") == "samenvatting kanarie-tracker-1"
    raw = database_bytes(tmp_path / "trackers.sqlite")
    assert b"kanarie-tracker-1" not in raw and b"seksuele_intimidatie" not in raw
    with sqlite3.connect(tmp_path / "trackers.sqlite") as db:
        assert db.execute("SELECT count(*) FROM events WHERE intent_name IS NOT NULL "
                          "OR action_name IS NOT NULL").fetchone() == (0,)


def test_rows_moved_to_another_conversation_do_not_open(store, tmp_path):
    asyncio.run(store.save(conversation("conv-a", "een", time.time())))
    asyncio.run(store.save(conversation("conv-b", "twee", time.time())))
    with sqlite3.connect(tmp_path / "trackers.sqlite") as db:
        db.execute("UPDATE events SET sender_id = 'conv-b' WHERE sender_id = 'conv-a'")
    with pytest.raises(keyring.KeyringError):
        asyncio.run(store.retrieve("conv-b"))


def test_key_rotation_reencrypts_and_the_old_key_can_then_go(store, tmp_path, monkeypatch):
    asyncio.run(store.save(conversation("conv-a", "kanarie", time.time())))
    old_ring = store.keyring
    new_line = keyring.new_key_line()
    store.keyring = keyring.parse(new_line + "," + ",".join(
        f"{key_id}:{__import__('base64').b64encode(key).decode()}" for key_id, key in old_ring.keys))
    assert store.reencrypt() == 4
    store.keyring = keyring.parse(new_line)  # the old key removed
    assert asyncio.run(store.retrieve("conv-a")).get_slot("handoff_summary") == "samenvatting kanarie"


def test_retention_deletes_only_expired_conversations_and_leaves_no_trace(store, tmp_path):
    now = time.time()
    asyncio.run(store.save(conversation("old", "kanarie-oud", now - 8 * 86400)))
    asyncio.run(store.save(conversation("recent", "kanarie-nieuw", now - 86400)))
    ciphertext = sqlite3.connect(tmp_path / "trackers.sqlite").execute(
        "SELECT data FROM events WHERE sender_id = 'old'").fetchone()[0].encode()
    assert store.delete_expired(7 * 86400, now=now) == 1
    assert asyncio.run(store.retrieve("old")) is None
    assert asyncio.run(store.retrieve("recent")) is not None
    raw = database_bytes(tmp_path / "trackers.sqlite")
    assert ciphertext[-40:] not in raw  # secure_delete and a truncated WAL: not even the ciphertext is left
    assert b"conv-old" not in raw


def test_sqlite_connections_are_kept_between_messages_with_their_pragmas(store):
    connections = []
    from sqlalchemy import event

    event.listen(store.engine, "connect", lambda *_: connections.append(1))
    for turn in range(3):
        asyncio.run(store.save(conversation(f"pool-{turn}", "kanarie-pool", time.time())))
        assert asyncio.run(store.retrieve(f"pool-{turn}")) is not None
    assert len(connections) == 1  # one connection for three saves and three retrievals, not one per session
    with store.engine.connect() as connection:
        pragmas = {name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                   for name in ("journal_mode", "synchronous", "secure_delete")}
    assert pragmas == {"journal_mode": "wal", "synchronous": 2, "secure_delete": 1}

"""Shared fixtures: hand-built trackers for actions, the trained model, loopback helpers."""

import asyncio
import os
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.local_servers.ports import free_port

ROOT = Path(__file__).resolve().parent.parent


def make_tracker(
    slots: Optional[Dict[str, Any]] = None,
    intent: Optional[str] = None,
    text: str = "",
    ranking: Optional[List[Dict[str, Any]]] = None,
    active_loop: Optional[str] = None,
    sender_id: str = "test-conversation",
) -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": 1.0} if intent else {}}
    latest["intent_ranking"] = ranking or ([latest["intent"]] if intent else [])
    return Tracker(
        sender_id=sender_id,
        slots={"language": "nl", **(slots or {})},
        latest_message=latest,
        events=[],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture
def rocmn_profile(monkeypatch):
    """Actions read the ROC MN profile; no handoff sink unless a test sets one."""
    from bot.institution_profile import active_profile
    from handoff.request import SINK_ENV

    monkeypatch.setenv("CONTACTPUNT_PROFILE", "rocmn")
    monkeypatch.delenv(SINK_ENV, raising=False)
    active_profile.cache_clear()
    yield
    active_profile.cache_clear()


def run_action(action, dispatcher, tracker):
    return asyncio.run(action.run(dispatcher, tracker, {}))


def wait_for(url: str, process: subprocess.Popen, seconds: float = 240, log: Optional[Path] = None) -> None:
    """Wait until `url` answers; if the process dies first, fail with the end of its log (CI shows only this)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace").splitlines()[-40:] if log and log.exists() else []
            raise RuntimeError("\n".join([f"{process.args} exited with {process.returncode}", *tail]))
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(1)
    raise RuntimeError(f"{url} not up after {seconds} s")


@pytest.fixture(scope="session")
def trained_model() -> Path:
    from bot.classifier import ModelNotFound, latest_model

    try:
        return latest_model(ROOT / "models")
    except ModelNotFound:
        pytest.fail("No trained model: run the tests with `make test`, which trains first.")


@pytest.fixture(scope="session")
def postgres_url():
    """A PostgreSQL server for this test session (started and removed by the tests themselves)."""
    from bot.local_servers.postgres_server import running_postgres

    with running_postgres(free_port()) as url:
        yield url


@pytest.fixture(scope="session")
def redis_url():
    """A Redis server for this test session (throwaway, nothing on disk; started and removed by the tests)."""
    from bot.local_servers.redis_server import running_redis

    with running_redis(free_port()) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def queue_url(request, tmp_path):
    """Each queue test runs on SQLite and on PostgreSQL (a fresh schema per test)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'queue.sqlite'}"
        return
    from sqlalchemy import create_engine, text

    base = request.getfixturevalue("postgres_url")
    name = "t_" + os.urandom(6).hex()
    admin = create_engine(base, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    yield base.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture
def queue_db(queue_url):
    """(engine, sessions) on a migrated, empty queue database."""
    from handoff.db import make_engine, migrate, session_factory

    engine = make_engine(queue_url)
    migrate(engine)
    yield engine, session_factory(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def stack(trained_model, tmp_path_factory):
    """One running system (`contactpunt run`) shared by the end-to-end tests of this session."""
    from tests.stack import running_stack

    with running_stack(tmp_path_factory.mktemp("stack")) as running:
        yield running


def pytest_sessionfinish(session, exitstatus):
    """`make fuzz` asks for the number of inputs tried per entry point."""
    from tests.fuzzing import write_counts

    write_counts()

"""The Redis outbox against a real throwaway Redis, the launcher's scale-out settings, and the sticky front's routing."""

import asyncio
import secrets

import pytest

from bot.channels.redis_outbox import RedisOutbox
from bot.channels.session_outbox import InMemoryOutbox, SessionOutbox, outbox_for


def run(coroutine):
    return asyncio.run(coroutine)


def session() -> str:
    return secrets.token_hex(16)


async def _with(outbox, steps):
    try:
        return await steps(outbox)
    finally:
        await outbox.close()


def test_numbers_per_session_from_one_and_shared_by_every_process(redis_url):
    a, b = session(), session()

    async def steps(first):
        second = RedisOutbox(redis_url)  # another Rasa process: same Redis, its own connection
        try:
            numbers = [(await outbox.add(a, {"text": str(i)}))["seq"] for i, outbox in enumerate([first, second] * 3)]
            assert numbers == [1, 2, 3, 4, 5, 6]
            assert (await second.add(b, {"text": "eigen nummering"}))["seq"] == 1
            assert [m["text"] for m in await second.pending(a)] == ["0", "1", "2", "3", "4", "5"]
        finally:
            await second.close()

    run(_with(RedisOutbox(redis_url), steps))


def test_acknowledge_takes_one_number_out_and_keeps_the_order(redis_url):
    a = session()

    async def steps(outbox):
        for text in "vwxyz":
            await outbox.add(a, {"text": text, "buttons": [{"title": "Ja", "payload": "/ja"}]})
        await outbox.acknowledge(a, 2)
        await outbox.acknowledge(a, 2)  # twice (a page acknowledging a message sent again) is no error
        await outbox.acknowledge(session(), 1)  # an unknown session neither
        pending = await outbox.pending(a)
        assert [m["seq"] for m in pending] == [1, 3, 4, 5]
        assert pending[0] == {"text": "v", "buttons": [{"title": "Ja", "payload": "/ja"}], "seq": 1}
        for seq in (1, 3, 4, 5):
            await outbox.acknowledge(a, seq)
        assert await outbox.pending(a) == []
        assert (await outbox.add(a, {"text": "verder"}))["seq"] == 6  # numbering goes on after everything is acknowledged

    run(_with(RedisOutbox(redis_url), steps))


def test_at_most_max_pending_wait_and_the_oldest_go(redis_url):
    a = session()

    async def steps(outbox):
        assert [(await outbox.add(a, {"text": t}))["seq"] for t in "vwxyz"] == [1, 2, 3, 4, 5]
        assert [m["text"] for m in await outbox.pending(a)] == ["x", "y", "z"]

    run(_with(RedisOutbox(redis_url, max_pending=3), steps))


def test_pending_messages_expire_after_keep_seconds_of_quiet(redis_url):
    a, b = session(), session()

    async def steps(outbox):
        await outbox.add(a, {"text": "weg"})
        ttl = await outbox.redis.pttl(outbox._keys(a)[1])
        assert 0 < ttl <= 300
        await asyncio.sleep(0.6)
        assert await outbox.pending(a) == []
        # the default keeps them as long as the in-memory outbox does
        default = RedisOutbox(redis_url)
        try:
            await default.add(b, {"text": "blijft"})
            assert 3500_000 < await default.redis.pttl(default._keys(b)[1]) <= 3600_000
        finally:
            await default.close()

    run(_with(RedisOutbox(redis_url, keep_seconds=0.3), steps))


def test_redis_keys_name_no_session(redis_url):
    a = session()

    async def steps(outbox):
        await outbox.add(a, {"text": "geheim"})
        keys = [key.decode() for key in await outbox.redis.keys("contactpunt:outbox:*")]
        assert keys and not any(a in key for key in keys)

    run(_with(RedisOutbox(redis_url), steps))


def test_the_outbox_is_chosen_by_configuration(redis_url):
    assert isinstance(outbox_for(None), InMemoryOutbox)
    chosen = outbox_for(redis_url)
    assert isinstance(chosen, RedisOutbox)
    run(chosen.close())


def test_in_memory_and_redis_outboxes_answer_alike(redis_url):
    async def script(outbox):
        a = session()
        seen = [(await outbox.add(a, {"text": t}))["seq"] for t in "abcd"]
        await outbox.acknowledge(a, 2)
        return seen, [m["seq"] for m in await outbox.pending(a)]

    redis_outbox = RedisOutbox(redis_url, max_pending=3)
    assert run(script(InMemoryOutbox(SessionOutbox(max_pending=3)))) == run(_with(redis_outbox, script))


# --- the launcher's settings for several processes ---------------------------------------------------------

@pytest.mark.parametrize("environ, message", [
    ({"CONTACTPUNT_RASA_WORKERS": "0"}, "positive whole number"),
    ({"CONTACTPUNT_RASA_WORKERS": "twee"}, "positive whole number"),
    ({"CONTACTPUNT_RASA_WORKERS": "-2"}, "positive whole number"),
    ({"CONTACTPUNT_RASA_WORKERS": "2"}, "needs Redis"),
    ({"CONTACTPUNT_RASA_WORKERS": "2", "CONTACTPUNT_REDIS_URL": "http://127.0.0.1:6379"}, "redis://host:port/db"),
])
def test_bad_scale_settings_are_refused_in_one_line(environ, message):
    from bot.launcher import scale_settings

    with pytest.raises(ValueError) as refused:
        scale_settings(environ)
    assert message in str(refused.value) and "\n" not in str(refused.value)


def test_scale_settings_default_to_one_process_without_redis():
    from bot.launcher import rasa_ports, scale_settings, RASA_PORT

    assert scale_settings({}) == (1, "")
    assert scale_settings({"CONTACTPUNT_RASA_WORKERS": "3", "CONTACTPUNT_REDIS_URL": "redis://r:6379/2"}) == (
        3, "redis://r:6379/2")
    assert rasa_ports(1) == [RASA_PORT] and rasa_ports(2) == [RASA_PORT + 1, RASA_PORT + 2]


def test_only_the_first_of_several_processes_runs_telegram_and_teams(tmp_path):
    from bot.launcher import service_commands

    full, web_only = tmp_path / "credentials.yml", tmp_path / "web-only.yml"
    commands = service_commands(tmp_path / "endpoints.yml", full, "s", tmp_path / "model.tar.gz", 3, web_only)
    rasa = [command for command, env in commands if "bot.rasa_main" in command]
    given = [command[command.index("--credentials") + 1] for command in rasa]
    assert given == [str(full), str(web_only), str(web_only)]
    assert [env.get("CONTACTPUNT_RASA_WORKER") for command, env in commands if "bot.rasa_main" in command] == ["1", "2", "3"]
    assert all(env["SANIC_WORKERS"] == "1" for command, env in commands if "bot.rasa_main" in command)
    single = service_commands(tmp_path / "endpoints.yml", full, "s", tmp_path / "model.tar.gz")
    assert [c[c.index("--credentials") + 1] for c, _ in single if "bot.rasa_main" in c] == [str(full)]
    assert all("CONTACTPUNT_RASA_WORKER" not in env for _, env in single)


def test_an_unreachable_redis_is_one_line_without_the_password():
    from bot.launcher import check_redis
    from bot.local_servers.ports import free_port

    with pytest.raises(RuntimeError) as refused:
        check_redis(f"redis://:geheimwachtwoord@127.0.0.1:{free_port()}/0")
    assert "does not answer" in str(refused.value) and "geheimwachtwoord" not in str(refused.value)
    assert "\n" not in str(refused.value)


def test_the_lock_store_and_the_tracker_url_come_from_the_environment():
    from bot.launcher import lock_store
    from bot.tracker_store.encrypted import store_config

    assert lock_store("redis://:pw@redis.intern:6380/3") == {
        "type": "redis", "url": "redis.intern", "port": 6380, "db": 3, "key_prefix": "contactpunt",
        "use_ssl": False, "password": "pw"}
    endpoints = {"tracker_store": {"type": "bot.tracker_store.EncryptedSQLTrackerStore", "dialect": "sqlite",
                                   "db": "var/trackers.sqlite"}}
    assert store_config(endpoints, {"CONTACTPUNT_TRACKER_URL": "postgresql+psycopg2://rasa:pw@db:5432/trackers"}) == {
        "type": "bot.tracker_store.EncryptedSQLTrackerStore", "dialect": "postgresql+psycopg2", "db": "trackers",
        "url": "db", "port": 5432, "username": "rasa", "password": "pw"}
    with pytest.raises(ValueError):
        store_config(endpoints, {"CONTACTPUNT_TRACKER_URL": "mysql://db/trackers"})


# --- the sticky front ------------------------------------------------------------------------------------------

def test_the_front_routes_by_the_worker_in_the_engineio_session():
    from bot.channels.sticky_front import backend_for, one_request_per_connection, prefers_first

    assert backend_for(b"GET /socket.io/?EIO=4&transport=polling&t=abc&sid=2.AbC-_x HTTP/1.1", 2) == 1
    assert backend_for(b"POST /socket.io/?EIO=4&sid=1.q HTTP/1.1", 2) == 0
    assert backend_for(b"GET /socket.io/?EIO=4&transport=polling&t=abc HTTP/1.1", 2) is None  # handshake
    assert backend_for(b"GET /socket.io/?EIO=4&sid=7.q HTTP/1.1", 2) is None  # no such process: any
    # Telegram's and Teams' webhooks and Rasa's API to the first process (only it runs Telegram and Teams)
    assert prefers_first(b"POST /webhooks/teams/webhook HTTP/1.1")
    assert prefers_first(b"POST /conversations/abc/trigger_intent?output_channel=latest HTTP/1.1")
    assert not prefers_first(b"GET /socket.io/?EIO=4&transport=polling HTTP/1.1")
    head = b"GET /x HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n"
    assert one_request_per_connection(head) == b"GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
    upgrade = b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
    assert one_request_per_connection(upgrade) == upgrade


def test_an_unreachable_tracker_database_is_one_line_without_the_password(tmp_path):
    import yaml

    from bot.launcher import prepare_tracker_store
    from bot.tracker_store.encrypted import store_config
    from bot.local_servers.ports import free_port

    endpoints = tmp_path / "endpoints.yml"
    config = store_config({"tracker_store": {"type": "bot.tracker_store.EncryptedSQLTrackerStore"}},
                          {"CONTACTPUNT_TRACKER_URL": f"postgresql+psycopg2://rasa:geheimwachtwoord@127.0.0.1:{free_port()}/t"})
    endpoints.write_text(yaml.safe_dump({"tracker_store": config}))
    with pytest.raises(RuntimeError) as refused:
        prepare_tracker_store(endpoints)
    assert "does not answer" in str(refused.value) and "geheimwachtwoord" not in str(refused.value)
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize("settings, says", [
    ({"CONTACTPUNT_RASA_WORKERS": "0"}, "positive whole number"),
    ({"CONTACTPUNT_RASA_WORKERS": "2"}, "needs Redis"),
    ({"CONTACTPUNT_RASA_WORKERS": "2", "CONTACTPUNT_REDIS_URL": "redis://:pw@127.0.0.1:{port}/0"}, "does not answer"),
])
def test_contactpunt_run_refuses_bad_scale_settings_in_one_line(settings, says, tmp_path):
    import subprocess
    import sys

    from bot.local_servers.ports import free_port, service_env
    from tests.conftest import ROOT

    env = service_env(CONTACTPUNT_DATA_DIR=str(tmp_path), CONTACTPUNT_PROFILE="rocmn",
                      **{key: value.format(port=free_port()) for key, value in settings.items()})
    done = subprocess.run([sys.executable, "-m", "bot.cli", "run", "--no-browser"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    lines = [line for line in done.stderr.splitlines() if line.startswith("contactpunt:")]
    assert done.returncode == 1 and len(lines) == 1 and says in lines[0], done.stderr[-2000:]
    assert "Traceback" not in done.stderr + done.stdout


def test_numbering_outlives_the_pending_messages_in_memory_and_in_redis(redis_url):
    """A page left open past the hour must not get numbers it has shown (the widget would hide those replies)."""
    now = [0.0]
    memory = SessionOutbox(keep_seconds=60, clock=lambda: now[0])
    memory.add("a", {"text": "voor de pauze"})
    now[0] += 3600
    memory.add("b", {"text": "iemand anders"})  # the clean-up runs
    assert memory.pending("a") == [] and memory.add("a", {"text": "na de pauze"})["seq"] == 2
    now[0] += 8 * 24 * 3600
    memory.add("b", {"text": "een week later"})
    assert "a" not in memory._sessions  # a week without activity: the numbering goes too

    a = session()

    async def steps(outbox):
        await outbox.add(a, {"text": "voor de pauze"})
        await asyncio.sleep(0.5)
        assert await outbox.pending(a) == []
        assert (await outbox.add(a, {"text": "na de pauze"}))["seq"] == 2

    run(_with(RedisOutbox(redis_url, keep_seconds=0.2), steps))

"""`contactpunt clean-up` and `contactpunt rotate-tracker-key` on the store in the data directory."""

import asyncio
import time

from bot.cli import main
from bot.tracker_store import keyring
from bot.tracker_store.encrypted import from_endpoints
from tests.conftest import ROOT
from tests.test_tracker_store import DOMAIN, conversation


def test_rotation_then_clean_up_from_the_command_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CONTACTPUNT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv(keyring.KEYS_ENV, raising=False)
    monkeypatch.delenv(keyring.KEY_FILE_ENV, raising=False)  # the file `contactpunt run` made is found by itself
    key_file = keyring.ensure_key_file(tmp_path / "tracker.keys")
    endpoints = str(ROOT / "endpoints.yml")
    store = from_endpoints(endpoints, DOMAIN)
    asyncio.run(store.save(conversation("old", "kanarie", time.time() - 30 * 86400)))
    asyncio.run(store.save(conversation("new", "kanarie", time.time())))
    store.engine.dispose()
    old_key = key_file.read_text()

    assert main(["rotate-tracker-key", "--endpoints", endpoints]) == 0
    assert "8 event(s) re-encrypted" in capsys.readouterr().out
    assert key_file.read_text().endswith(old_key) and (key_file.stat().st_mode & 0o777) == 0o600
    key_file.write_text(key_file.read_text().splitlines()[0] + "\n")  # the old key removed
    assert asyncio.run(from_endpoints(endpoints, DOMAIN).retrieve("new")) is not None

    assert main(["clean-up", "--endpoints", endpoints]) == 0
    assert "Removed 1 conversation(s)" in capsys.readouterr().out
    assert (tmp_path / "trackers.sqlite").exists()


def test_without_any_key_the_commands_say_so_plainly(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CONTACTPUNT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv(keyring.KEYS_ENV, raising=False)
    monkeypatch.delenv(keyring.KEY_FILE_ENV, raising=False)
    assert main(["clean-up", "--endpoints", str(ROOT / "endpoints.yml")]) == 2
    err = capsys.readouterr().err
    assert "no tracker key" in err and "Traceback" not in err

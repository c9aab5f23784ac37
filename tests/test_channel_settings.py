"""Which channels a start opens, from the environment, and the keyed pseudonyms for channel user ids."""

import base64
import os

import pytest

from bot.channels import pseudonym
from bot.channels.settings import TEAMS, TELEGRAM, WEB, channel_credentials, enabled, web_origins


def test_only_the_web_widget_without_configuration_with_the_sample_page_as_origin():
    origins = web_origins({}, 8080)
    assert origins == ["http://127.0.0.1:8080", "http://localhost:8080"]
    assert channel_credentials({}, origins) == {WEB: {"allowed_origins": origins}}
    assert enabled(channel_credentials({}, origins)) == ["web"]
    configured = web_origins({"CONTACTPUNT_WEB_ORIGINS": "https://www.school.example/, https://intra.school.example"}, 1)
    assert configured == ["https://www.school.example", "https://intra.school.example"]


def test_telegram_and_teams_open_when_configured_and_secrets_never_reach_the_file():
    environ = {"CONTACTPUNT_TELEGRAM_TOKEN": "123:geheim", "CONTACTPUNT_TELEGRAM_BASE_URL": "http://127.0.0.1:9/bot",
               "CONTACTPUNT_TEAMS_APP_ID": "app-id", "CONTACTPUNT_TEAMS_APP_PASSWORD": "ook-geheim"}
    credentials = channel_credentials(environ, ["https://www.school.example"])
    assert credentials[TELEGRAM] == {"token": "${CONTACTPUNT_TELEGRAM_TOKEN}", "base_url": "http://127.0.0.1:9/bot"}
    assert credentials[TEAMS] == {"app_id": "app-id", "app_password": "${CONTACTPUNT_TEAMS_APP_PASSWORD}"}
    assert "geheim" not in str(credentials)
    assert enabled(credentials) == ["web", "telegram", "teams"]
    with pytest.raises(ValueError, match="CONTACTPUNT_TEAMS_APP_PASSWORD"):
        channel_credentials({"CONTACTPUNT_TEAMS_APP_ID": "app-id"}, [])


def test_pseudonyms_are_stable_per_key_and_reveal_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("CONTACTPUNT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv(pseudonym.KEY_ENV, raising=False)
    with pytest.raises(pseudonym.PseudonymKeyError):
        pseudonym.load_key()
    path = pseudonym.ensure_key_file()
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    key = pseudonym.load_key()
    assert pseudonym.ensure_key_file().read_text() == path.read_text()  # made once, then kept
    first = pseudonym.pseudonym("telegram", "5550001", key)
    assert first == pseudonym.pseudonym("telegram", "5550001", key) and first.startswith("telegram-")
    assert "5550001" not in first
    assert first != pseudonym.pseudonym("telegram", "5550002", key)
    assert first != pseudonym.pseudonym("teams", "5550001", key)
    other = base64.b64encode(os.urandom(32)).decode()
    assert first != pseudonym.pseudonym("telegram", "5550001", pseudonym.load_key(other))
    with pytest.raises(pseudonym.PseudonymKeyError):
        pseudonym.load_key(base64.b64encode(b"short").decode())
    with pytest.raises(pseudonym.PseudonymKeyError):
        pseudonym.load_key("not base64!")


@pytest.mark.parametrize("path", ["bot/channels/telegram.yml", "bot/channels/teams.yml", "bot/webchat/widget_texts.yml"])
def test_each_channel_says_everything_in_dutch_and_in_english(path):
    from bot.channels.ui_texts import ui_texts
    from tests.conftest import ROOT

    texts = ui_texts(ROOT / path)
    assert set(texts) == {"nl", "en"}
    assert set(texts["nl"]) == set(texts["en"]) and all(str(t).strip() for t in texts["nl"].values())
    assert all(str(t).strip() for t in texts["en"].values())


def test_language_of_a_tag():
    from bot.channels.ui_texts import language_of

    assert [language_of(tag) for tag in ("en", "en-GB", "EN-us", "nl", "nl-BE", "de", "")] == \
        ["en", "en", "en", "nl", "nl", "nl", "nl"]

"""Which channels Rasa opens, from the environment: the web widget always, Telegram and Teams when configured."""

from typing import Any, Dict, List, Mapping

WEB = "bot.channels.web.SchoolSocketIOInput"
TELEGRAM = "bot.channels.telegram.TelegramInput"
TEAMS = "bot.channels.teams.TeamsInput"
NAMES = {WEB: "web", TELEGRAM: "telegram", TEAMS: "teams"}

#: credentials key -> environment variable, per optional channel. Secrets stay `${VARIABLES}` in the
#: written file: Rasa reads them from its environment, so they are never on disk.
TELEGRAM_ENV = {"token": "CONTACTPUNT_TELEGRAM_TOKEN", "base_url": "CONTACTPUNT_TELEGRAM_BASE_URL",
                "webhook_url": "CONTACTPUNT_TELEGRAM_WEBHOOK_URL", "secret_token": "CONTACTPUNT_TELEGRAM_SECRET_TOKEN"}
TEAMS_ENV = {"app_id": "CONTACTPUNT_TEAMS_APP_ID", "app_password": "CONTACTPUNT_TEAMS_APP_PASSWORD",
             "openid_metadata_url": "CONTACTPUNT_TEAMS_OPENID_URL", "token_url": "CONTACTPUNT_TEAMS_TOKEN_URL"}
SECRETS = {"token", "secret_token", "app_password"}
WEB_ORIGINS_ENV = "CONTACTPUNT_WEB_ORIGINS"
SOCKET_URL_ENV = "CONTACTPUNT_SOCKET_URL"


def web_origins(environ: Mapping[str, str], web_port: int) -> List[str]:
    """The school pages allowed to embed the chat: CONTACTPUNT_WEB_ORIGINS (comma-separated), else the
    sample page that `contactpunt run` serves itself."""
    configured = [origin.strip().rstrip("/") for origin in environ.get(WEB_ORIGINS_ENV, "").split(",")]
    return [o for o in configured if o] or [f"http://127.0.0.1:{web_port}", f"http://localhost:{web_port}"]


def _optional_channel(environ: Mapping[str, str], keys: Dict[str, str]) -> Dict[str, Any]:
    return {key: f"${{{variable}}}" if key in SECRETS else environ[variable]
            for key, variable in keys.items() if environ.get(variable)}


def channel_credentials(environ: Mapping[str, str], origins: List[str]) -> Dict[str, Any]:
    """The content of Rasa's credentials.yml for this start."""
    credentials: Dict[str, Any] = {WEB: {"allowed_origins": origins}}
    if environ.get(TELEGRAM_ENV["token"]):
        credentials[TELEGRAM] = _optional_channel(environ, TELEGRAM_ENV)
    if environ.get(TEAMS_ENV["app_id"]):
        missing = [v for k, v in TEAMS_ENV.items() if k in ("app_id", "app_password") and not environ.get(v)]
        if missing:
            raise ValueError(f"Teams needs {', '.join(missing)} as well")
        credentials[TEAMS] = _optional_channel(environ, TEAMS_ENV)
    return credentials


def enabled(credentials: Mapping[str, Any]) -> List[str]:
    """The names of the channels in this start's credentials, for the start-up message."""
    return [NAMES[channel] for channel in credentials]

"""Microsoft Teams as a Rasa channel: Bot Framework activities with verified JWTs in, async replies out, pseudonymised users."""

import asyncio
import json
import logging
import time
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text
from urllib.parse import quote

import aiohttp
import jwt
from jwt.algorithms import RSAAlgorithm
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request

from bot.channels import MAX_MESSAGE_CHARS
from bot.channels.pseudonym import load_key, pseudonym
from bot.channels.pseudonym_output import PseudonymOutput
from bot.channels.ui_texts import language_of, ui_texts
from bot.message_text import clean

logger = logging.getLogger(__name__)

CHANNEL = "teams"
TEXTS = Path(__file__).parent / "teams.yml"
#: What Teams users type to ask for help; answered by the channel itself with how to get help now.
HELP_WORDS = {"help", "/help", "hulp", "/hulp"}
OPENID_METADATA_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
TOKEN_URL = "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token"
ISSUER = "https://api.botframework.com"
SCOPE = "https://api.botframework.com/.default"
KEYS_MAX_AGE, UNKNOWN_KEY_RETRY = 24 * 3600, 300
LEEWAY_SECONDS = 300
OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


class KeysUnavailable(Exception):
    """Microsoft's signing keys could not be fetched: no activity can be verified now."""


class InvalidToken(Exception):
    """The activity's JWT does not prove it came from the Bot Framework for this bot."""


def text_for(activity: Dict[str, Any], name: str) -> str:
    """The channel's own text in the language of the user's Teams (English for "en…", else Dutch)."""
    return ui_texts(TEXTS)[language_of(str(activity.get("locale") or ""))][name]


def sender_of(activity: Dict[str, Any]) -> Optional[str]:
    """Who wrote: the user's Entra object id, else their Teams id; None when the activity does not say."""
    user = activity.get("from")
    if not isinstance(user, dict):
        return None
    return next((key for key in (user.get("aadObjectId"), user.get("id")) if isinstance(key, str) and key), None)


def unreadable(activity: Any) -> Optional[str]:
    """Why a verified activity still cannot be handled (the reason of a 400), or None when it can."""
    if not isinstance(activity, dict):
        return "expected an activity"
    conversation = activity.get("conversation")
    if not isinstance(conversation, dict) or not isinstance(conversation.get("id"), str) or not conversation["id"]:
        return "expected a conversation with an id"
    service_url = activity.get("serviceUrl")
    if not isinstance(service_url, str) or not service_url.startswith(("https://", "http://")):
        return "expected a serviceUrl"
    if activity.get("type") == "message" and sender_of(activity) is None:
        return "expected a sender"
    return None


def is_personal(activity: Dict[str, Any]) -> bool:
    """A one-to-one chat with the bot. Teams always says which; a client that does not (the Bot Framework
    Emulator) is taken as personal unless it calls the conversation a group."""
    conversation = activity["conversation"]
    return conversation.get("conversationType", "personal") == "personal" and conversation.get("isGroup") is not True


def is_edit(activity: Dict[str, Any]) -> bool:
    """A message the user changed (Teams tells bots in personal chats)."""
    channel_data = activity.get("channelData")
    return activity.get("type") == "messageUpdate" and isinstance(channel_data, dict) and channel_data.get(
        "eventType") == "editMessage"


def words_of(activity: Dict[str, Any]) -> str:
    """The user's words: the text, else a button click's payload (messageBack: empty text, the payload in `value`)."""
    text = activity.get("text")
    text = clean(text).strip() if isinstance(text, str) else ""
    value = activity.get("value")
    if not text and isinstance(value, dict) and isinstance(value.get("payload"), str):
        text = clean(value["payload"]).strip()
    return text


def reference_of(activity: Dict[str, Any]) -> Dict[str, Any]:
    """Where replies to this activity go (checked by `unreadable` first)."""
    bot = activity.get("recipient")
    return {"service_url": activity["serviceUrl"], "conversation": activity["conversation"],
            "bot": bot if isinstance(bot, dict) else {}}


class SigningKeys:
    """The Bot Framework's public keys by key id, from its OpenID metadata: fetched on first use, kept a
    day, fetched again (at most every 5 minutes) when a token names a key we do not know."""

    def __init__(self, metadata_url: str):
        self.metadata_url = metadata_url
        self._keys: Dict[str, Any] = {}
        self._endorsements: Dict[str, List[str]] = {}
        self._fetched = self._tried = float("-inf")

    def endorses(self, kid: str, channel_id: Any) -> bool:
        """Whether Microsoft published this key for signing activities of that channel ("msteams")."""
        return isinstance(channel_id, str) and channel_id in self._endorsements.get(kid, [])

    async def key(self, kid: str) -> Optional[Any]:
        now = time.monotonic()
        stale = now - self._fetched > KEYS_MAX_AGE
        if stale or (kid not in self._keys and now - self._tried > UNKNOWN_KEY_RETRY):
            self._tried = now
            try:
                await self._fetch()
            except (aiohttp.ClientError, asyncio.TimeoutError, KeyError, ValueError) as error:
                if stale:
                    raise KeysUnavailable(type(error).__name__) from None
                logger.warning("Refreshing the Bot Framework keys failed (%s).", type(error).__name__)
        return self._keys.get(kid)

    async def _fetch(self) -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            async with session.get(self.metadata_url) as metadata:
                metadata.raise_for_status()
                jwks_uri = (await metadata.json(content_type=None))["jwks_uri"]
            async with session.get(jwks_uri) as keys:
                keys.raise_for_status()
                listed = (await keys.json(content_type=None))["keys"]
        listed = [key for key in listed if key.get("kid")]
        self._keys = {key["kid"]: RSAAlgorithm.from_jwk(json.dumps(key)) for key in listed}
        self._endorsements = {key["kid"]: list(key.get("endorsements") or []) for key in listed}
        self._fetched = time.monotonic()


class ConnectorToken:
    """The bot's own bearer token for the Bot Connector (client-credentials grant), kept until near expiry."""

    def __init__(self, token_url: str, app_id: str, app_password: str):
        self.token_url, self.app_id, self.app_password = token_url, app_id, app_password
        self._token, self._expires = "", 0.0

    async def get(self, session: aiohttp.ClientSession) -> str:
        if time.monotonic() < self._expires - 60:
            return self._token
        form = {"grant_type": "client_credentials", "client_id": self.app_id,
                "client_secret": self.app_password, "scope": SCOPE}
        async with session.post(self.token_url, data=form) as reply:
            reply.raise_for_status()
            body = await reply.json(content_type=None)
        self._token, self._expires = body["access_token"], time.monotonic() + float(body.get("expires_in", 0))
        return self._token


def hero_card(text: str, buttons: List[Dict[str, Any]]) -> Dict[str, Any]:
    """Buttons as messageBack actions: a click comes back as an activity with empty text and this value."""
    return {"contentType": "application/vnd.microsoft.card.hero", "content": {"text": text, "buttons": [
        {"type": "messageBack", "title": b["title"], "displayText": b["title"], "text": "",
         "value": {"payload": b["payload"]}} for b in buttons]}}


class TeamsOutput(PseudonymOutput):
    """Rasa's messages to the Teams conversation a pseudonym belongs to; buttons become a hero card."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL


class TeamsInput(InputChannel):
    """Credentials: `app_id`, `app_password` (the Azure bot registration), optional `openid_metadata_url`,
    `token_url`, `issuer` (Microsoft's by default; tests point them at a fake), `pseudonym_key`.
    Webhook: /webhooks/teams/webhook."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        missing = [key for key in ("app_id", "app_password") if not credentials.get(key)]
        if missing:
            raise ValueError(f"the Teams channel needs {' and '.join(missing)} (CONTACTPUNT_TEAMS_APP_ID/_PASSWORD)")
        return cls(credentials["app_id"], credentials["app_password"], load_key(credentials.get("pseudonym_key")),
                   openid_metadata_url=credentials.get("openid_metadata_url") or OPENID_METADATA_URL,
                   token_url=credentials.get("token_url") or TOKEN_URL, issuer=credentials.get("issuer") or ISSUER)

    def __init__(self, app_id: str, app_password: str, pseudonym_key: bytes,
                 openid_metadata_url: str = OPENID_METADATA_URL, token_url: str = TOKEN_URL, issuer: str = ISSUER):
        self.app_id, self.issuer, self.pseudonym_key = app_id, issuer, pseudonym_key
        self.signing_keys = SigningKeys(openid_metadata_url)
        self.connector_token = ConnectorToken(token_url, app_id, app_password)
        #: pseudonym -> where that user's conversation is, so an adviser's live reply finds it (memory only)
        self.references: Dict[str, Dict[str, Any]] = {}

    def get_output_channel(self) -> Optional[OutputChannel]:
        return TeamsOutput(self)

    # --- in: verify, then hand to Rasa -----------------------------------------------------------------

    async def verify(self, authorization: str, service_url: Optional[str], channel_id: Any = None) -> None:
        """Bot Framework connector authentication: RS256 with a published key endorsed for the activity's
        channel, issuer, audience = this bot, not expired, and signed for the activity's serviceUrl.
        Raises InvalidToken."""
        if not authorization.startswith("Bearer "):
            raise InvalidToken("no bearer token")
        token = authorization[len("Bearer "):].strip()
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidToken("unreadable token") from None
        if header.get("alg") != "RS256":
            raise InvalidToken("algorithm")
        key = await self.signing_keys.key(str(header.get("kid")))
        if key is None:
            raise InvalidToken("unknown key")
        if not self.signing_keys.endorses(str(header.get("kid")), channel_id):
            raise InvalidToken("key not endorsed for the channel")
        try:
            claims = jwt.decode(token, key=key, algorithms=["RS256"], audience=self.app_id, issuer=self.issuer,
                                leeway=LEEWAY_SECONDS, options={"require": ["exp", "iss", "aud"]})
        except jwt.PyJWTError as error:
            raise InvalidToken(type(error).__name__) from None
        if claims.get("serviceUrl") != service_url:
            raise InvalidToken("serviceUrl")

    async def receive(self, authorization: str, activity: Any, on_new_message: OnNewMessage) -> response.HTTPResponse:
        service_url, channel_id = (activity.get("serviceUrl"), activity.get("channelId")) if isinstance(
            activity, dict) else (None, None)
        try:
            await self.verify(authorization, service_url, channel_id)
        except KeysUnavailable:
            logger.error("Bot Framework keys unavailable: a Teams activity was refused.")
            return response.text("cannot verify now", status=503)
        except InvalidToken as reason:
            logger.warning("Refused a Teams activity (%s).", reason)
            return response.text("unauthorized", status=401)
        reason = unreadable(activity)
        if reason:
            logger.warning("Refused a Teams activity (%s).", reason)
            return response.text(reason, status=400)
        if activity.get("type") == "message":
            await self.handle_message(activity, on_new_message)
        elif is_edit(activity) and is_personal(activity):  # the change is not read: say so, as Telegram does
            await self.send(reference_of(activity), {"text": text_for(activity, "edited")})
        # every other type (conversationUpdate, typing, invoke, reactions, ...) gets a 200 at once and silence
        return response.text("", status=200)

    async def handle_message(self, activity: Dict[str, Any], on_new_message: OnNewMessage) -> None:
        reference = reference_of(activity)
        if not is_personal(activity):
            await self.send(reference, {"text": text_for(activity, "private_only")})
            return
        sender = pseudonym(CHANNEL, sender_of(activity), self.pseudonym_key)
        self.references[sender] = reference
        text = words_of(activity)
        if not text or len(text) > MAX_MESSAGE_CHARS:  # nothing to read (a picture, a file), or too much
            await self.send(reference, {"text": text_for(activity, "too_long" if text else "text_only")})
            return
        if text.lower() in HELP_WORDS:
            await self.send(reference, {"text": text_for(activity, "help")})
            return
        try:
            await on_new_message(UserMessage(text, TeamsOutput(self), sender, input_channel=CHANNEL))
        except Exception as error:  # the reporter hears it plainly; the log says only what kind of failure
            logger.error("A Teams message could not be handled (%s).", type(error).__name__)
            await self.send(reference, {"text": text_for(activity, "error")})

    # --- out: to the Bot Connector -----------------------------------------------------------------------

    async def deliver(self, reference: Dict[str, Any], text: str, buttons: List[Dict[str, Any]]) -> None:
        await self.send(reference, {"attachments": [hero_card(text, buttons)]} if buttons else {"text": text})

    async def send(self, reference: Dict[str, Any], content: Dict[str, Any]) -> None:
        conversation = reference["conversation"]
        url = f"{reference['service_url'].rstrip('/')}/v3/conversations/{quote(str(conversation['id']), safe='')}/activities"
        activity = {"type": "message", "from": reference["bot"], "conversation": conversation, **content}
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as session:
                token = await self.connector_token.get(session)
                async with session.post(url, json=activity, headers={"Authorization": f"Bearer {token}"}) as reply:
                    reply.raise_for_status()
        except (aiohttp.ClientError, asyncio.TimeoutError, KeyError, ValueError) as error:
            logger.error("Sending to Teams failed (%s).", type(error).__name__)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        teams_webhook = Blueprint("teams_webhook", __name__)

        @teams_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> response.HTTPResponse:
            return response.json({"status": "ok"})

        @teams_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> response.HTTPResponse:
            try:
                activity = json.loads(request.body or b"null")
            except (ValueError, RecursionError):  # not JSON (or not UTF-8), or nested deeper than the parser goes
                activity = None
            return await self.receive(request.headers.get("Authorization", ""), activity, on_new_message)

        return teams_webhook

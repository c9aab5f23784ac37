"""Telegram as a Rasa channel on python-telegram-bot: long polling (or a webhook), pseudonymised users, no ids in logs."""

import asyncio
import functools
import hmac
import logging
import secrets
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot.channels.pseudonym import load_key, pseudonym
from bot.channels.pseudonym_output import PseudonymOutput
from bot.channels.ui_texts import language_of, ui_texts
from bot.message_text import clean

logger = logging.getLogger(__name__)
# httpx logs every request URL at INFO, and a Telegram URL holds the bot token; python-telegram-bot and
# httpcore log whole updates and requests (text, user ids) at DEBUG. None of that may reach a log.
for _chatty in ("httpx", "httpcore", "telegram", "apscheduler"):
    logging.getLogger(_chatty).setLevel(logging.WARNING)

CHANNEL = "telegram"
TEXTS = Path(__file__).parent / "telegram.yml"
PAYLOAD, TOKEN, FORGET = "r:", "t:", "forget:"
CALLBACK_DATA_BYTES = 64  # Telegram's limit for a button's callback_data
MAX_TEXT_CHARS = 4096  # Telegram's longest text message: nothing longer is given to Rasa
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
RETRY_FIRST_SECONDS, RETRY_MAX_SECONDS = 2.0, 60.0  # pauses between attempts to reach Telegram at start
OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def text_for(update: Update, name: str) -> str:
    """The channel's own text in the user's Telegram language (English for "en…", else Dutch)."""
    user = update.effective_user
    return ui_texts(TEXTS)[language_of(user.language_code if user else "")][name]


class TelegramOutput(PseudonymOutput):
    """Rasa's messages to the chat a pseudonym belongs to; buttons become an inline keyboard."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL


class TelegramInput(InputChannel):
    """Credentials: `token` (from @BotFather), optional `base_url` (another Bot API server), optional
    `webhook_url` + `secret_token` (webhook instead of long polling), optional `pseudonym_key`."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        if not credentials.get("token"):
            raise ValueError("the Telegram channel needs a bot token (CONTACTPUNT_TELEGRAM_TOKEN)")
        if credentials.get("webhook_url") and not credentials.get("secret_token"):
            raise ValueError("a Telegram webhook needs a secret token (CONTACTPUNT_TELEGRAM_SECRET_TOKEN)")
        return cls(credentials["token"], load_key(credentials.get("pseudonym_key")),
                   base_url=credentials.get("base_url"), webhook_url=credentials.get("webhook_url"),
                   secret_token=credentials.get("secret_token"))

    def __init__(self, token: str, pseudonym_key: bytes, base_url: Optional[str] = None,
                 webhook_url: Optional[str] = None, secret_token: Optional[str] = None,
                 forget_conversation: Optional[Callable[[str], Awaitable[int]]] = None):
        self.token, self.pseudonym_key = token, pseudonym_key
        self.base_url, self.webhook_url, self.secret_token = base_url, webhook_url, secret_token
        #: pseudonym -> chat id, so that an adviser's live reply finds the chat (memory only)
        self.references: Dict[str, int] = {}
        self._payloads: Dict[str, str] = {}
        self.forget_conversation = forget_conversation
        self.application: Optional[Application] = None
        self._connecting: Optional["asyncio.Future[None]"] = None

    # --- what Rasa and the adviser console use ------------------------------------------------------------

    def get_output_channel(self) -> Optional[OutputChannel]:
        return TelegramOutput(self) if self.application else None

    async def deliver(self, chat_id: int, text: str, buttons: List[Dict[str, Any]]) -> None:
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(b["title"], callback_data=self.callback_data(b["payload"]))]
                                         for b in buttons]) if buttons else None
        await self.application.bot.send_message(chat_id, text, reply_markup=keyboard)

    def callback_data(self, payload: str) -> str:
        """A button's payload as Telegram callback data (at most 64 bytes; longer ones by a short token)."""
        if len((PAYLOAD + payload).encode("utf-8")) <= CALLBACK_DATA_BYTES:
            return PAYLOAD + payload
        token = secrets.token_hex(8)
        self._payloads[token] = payload
        return TOKEN + token

    def pseudonym_of(self, update: Update) -> str:
        """The user's pseudonym. `from` is optional in the Bot API; in a private chat the chat id is the user's id."""
        user = update.effective_user
        return pseudonym(CHANNEL, str(user.id if user else update.effective_chat.id), self.pseudonym_key)

    def sender_of(self, update: Update) -> str:
        """The user's pseudonym, remembering which chat it belongs to (for replies pushed later)."""
        sender = self.pseudonym_of(update)
        self.references[sender] = update.effective_chat.id
        return sender

    # --- the PTB application ---------------------------------------------------------------------------

    def build_application(self, on_new_message: OnNewMessage) -> Application:
        """One handler per kind of update; the order says which one answers first."""
        builder = Application.builder().token(self.token)
        if self.base_url:
            builder = builder.base_url(self.base_url)
        if self.webhook_url:
            builder = builder.updater(None)
        application = builder.build()
        forward = functools.partial(self.forward, on_new_message)
        not_private = filters.ChatType.GROUPS | filters.ChatType.CHANNEL | filters.UpdateType.CHANNEL_POSTS
        # Business and guest messages are other people's chats the bot is let into (modes Contactpunt does not use)
        not_ours = filters.UpdateType.BUSINESS_MESSAGES | filters.UpdateType.GUEST_MESSAGE
        application.add_handlers([
            MessageHandler(not_ours, self.ignore),
            MessageHandler(not_private, self.on_group),
            CallbackQueryHandler(functools.partial(self.on_button, forward)),
            MessageHandler(filters.UpdateType.EDITED, self.on_edited),
            MessageHandler(filters.StatusUpdate.ALL, self.ignore),  # a pin, a timer set: nothing the user said
            CommandHandler("start", functools.partial(self.on_start, forward)),
            CommandHandler("help", self.on_help),
            CommandHandler("stop", functools.partial(self.on_stop, forward)),
            CommandHandler("vergeet", self.on_forget),
            MessageHandler(filters.TEXT & ~filters.COMMAND, functools.partial(self.on_text, forward)),
            MessageHandler(filters.COMMAND, self.on_help),
            MessageHandler(filters.ALL, self.on_not_text),
        ])
        application.add_error_handler(self.on_error)
        self.application = application
        return application

    async def forward(self, on_new_message: OnNewMessage, update: Update, text: str,
                      output: Optional[OutputChannel] = None) -> None:
        """Give Rasa the user's words under their pseudonym; answers go out through TelegramOutput. Blank words,
        or more than a Telegram message holds, get a plain answer instead."""
        text = clean(text).strip()
        if not text or len(text) > MAX_TEXT_CHARS:
            await update.effective_chat.send_message(text_for(update, "too_long" if text else "text_only"))
            return
        sender = self.sender_of(update)
        await update.effective_chat.send_action(ChatAction.TYPING)
        await on_new_message(UserMessage(text, output or TelegramOutput(self), sender, input_channel=CHANNEL))

    async def on_text(self, forward, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await forward(update, update.effective_message.text)

    async def on_start(self, forward, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await forward(update, "/greet")

    async def on_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_chat.send_message(text_for(update, "help"))

    async def on_stop(self, forward, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        # Rasa's answer to a restart ("we beginnen opnieuw, wat is er gebeurd?") would contradict "stopped"
        await forward(update, "/restart", CollectingOutputChannel())
        await update.effective_chat.send_message(text_for(update, "stopped"))

    async def on_forget(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        keyboard = InlineKeyboardMarkup([[
            InlineKeyboardButton(text_for(update, "forget_yes"), callback_data=FORGET + "yes"),
            InlineKeyboardButton(text_for(update, "forget_no"), callback_data=FORGET + "no")]])
        await update.effective_chat.send_message(text_for(update, "forget_question"), reply_markup=keyboard)

    async def on_button(self, forward, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        await self._close_keyboard(query)
        chat = update.effective_chat
        if not chat or chat.type != ChatType.PRIVATE:  # our buttons are in private chats only; no chat to answer in
            return
        data = query.data or ""
        if data.startswith(FORGET):
            await self._forget(update, confirmed=data == FORGET + "yes")
        elif data.startswith(PAYLOAD) and clean(data[len(PAYLOAD):]).strip():
            await forward(update, data[len(PAYLOAD):])
        elif data.startswith(TOKEN) and data[len(TOKEN):] in self._payloads:
            await forward(update, self._payloads.pop(data[len(TOKEN):]))
        else:  # a token from before a restart (they are kept in memory only), or a button that is not ours
            await chat.send_message(text_for(update, "old_button"))

    @staticmethod
    async def _close_keyboard(query: CallbackQuery) -> None:
        """Stop the button's spinner and take the keyboard away (a choice is made once). Telegram refuses either
        for an old press or a message that cannot be edited any more; the press counts all the same."""
        try:
            await query.answer()
        except BadRequest as error:
            logger.info("Telegram refused to answer a button press (%s).", type(error).__name__)
        if not (query.inline_message_id or (query.message and query.message.is_accessible)):
            return  # a message the bot can no longer see: nothing to edit
        try:
            await query.edit_message_reply_markup(None)
        except BadRequest as error:
            logger.info("Telegram refused to remove a keyboard (%s).", type(error).__name__)

    async def _forget(self, update: Update, confirmed: bool) -> None:
        if not confirmed:
            await update.effective_chat.send_message(text_for(update, "not_forgotten"))
            return
        sender = self.pseudonym_of(update)
        try:
            await self.forget_conversation(sender)
        except Exception as error:  # say so plainly; log the kind of failure only
            logger.error("Forgetting a Telegram conversation failed (%s).", type(error).__name__)
            await update.effective_chat.send_message(text_for(update, "forget_failed"))
            return
        self.references.pop(sender, None)
        await update.effective_chat.send_message(text_for(update, "forgotten"))

    async def on_edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_message.location:  # a live location moving: an edit every few seconds, not words
            return
        await update.effective_chat.send_message(text_for(update, "edited"))

    async def on_group(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Groups and channels: say once where Contactpunt works, and read nothing."""
        if update.effective_chat and update.effective_chat.id not in context.bot_data.setdefault("told", set()):
            context.bot_data["told"].add(update.effective_chat.id)
            await update.effective_chat.send_message(text_for(update, "private_only"))

    async def on_not_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_chat:
            await update.effective_chat.send_message(text_for(update, "text_only"))

    @staticmethod
    async def ignore(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A deliberate silence (see docs/reliability.md for which updates get one, and why)."""

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        logger.error("A Telegram update could not be handled (%s).", type(context.error).__name__)
        if isinstance(update, Update) and update.effective_chat:
            try:
                await update.effective_chat.send_message(text_for(update, "error"))
            except Exception as error:  # the Bot API itself is unreachable: nothing more to do
                logger.error("Telling the user failed as well (%s).", type(error).__name__)

    # --- inside Rasa's server ----------------------------------------------------------------------------

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        telegram_webhook = Blueprint("telegram_ptb_webhook", __name__)
        application = self.build_application(on_new_message)

        @telegram_webhook.listener("after_server_start")
        async def start(app, loop) -> None:
            if self.forget_conversation is None:
                self.forget_conversation = functools.partial(forget_in_store, app.ctx.agent.tracker_store)
            # in the background: Telegram being unreachable must not keep the web chat and Teams from starting
            self._connecting = asyncio.ensure_future(self.connect(application))

        @telegram_webhook.listener("before_server_stop")
        async def stop(app, loop) -> None:
            if self._connecting:
                self._connecting.cancel()
            await self.disconnect(application)

        @telegram_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> response.HTTPResponse:
            return response.json({"status": "ok"})

        @telegram_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> response.HTTPResponse:
            return await self.receive_webhook(request.headers.get(SECRET_HEADER, ""), request.json)

        return telegram_webhook

    async def connect(self, application: Application, first_wait: float = RETRY_FIRST_SECONDS) -> None:
        """Start the application and its polling (or set the webhook); while Telegram cannot be reached,
        retry with a growing pause. A token Telegram refuses is a configuration error: say so, stop trying."""
        wait = first_wait
        while True:
            try:
                await application.initialize()  # returns at once when done before
                if not application.running:
                    await application.start()
                if self.webhook_url:
                    await application.bot.set_webhook(self.webhook_url, secret_token=self.secret_token,
                                                      allowed_updates=Update.ALL_TYPES)
                else:
                    await application.updater.start_polling(allowed_updates=Update.ALL_TYPES)
                logger.info("Telegram connected.")
                return
            except NetworkError as error:  # TimedOut is one too
                logger.warning("Telegram not reachable (%s); trying again in %.0f s.", type(error).__name__, wait)
                await asyncio.sleep(wait)
                wait = min(wait * 2, RETRY_MAX_SECONDS)
            except InvalidToken:
                logger.error("Telegram refused the bot token: check CONTACTPUNT_TELEGRAM_TOKEN. Telegram stays off.")
                return
            except TelegramError as error:  # e.g. a webhook URL Telegram does not accept
                logger.error("Telegram refused to start (%s). Telegram stays off.", type(error).__name__)
                return

    @staticmethod
    async def disconnect(application: Application) -> None:
        if application.updater and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()

    async def receive_webhook(self, secret: str, body: Any) -> response.HTTPResponse:
        """An update pushed by Telegram: only with the secret token agreed in setWebhook; while the application
        is not running yet, 503, so that Telegram delivers it again later."""
        if not self.webhook_url or not hmac.compare_digest(secret, self.secret_token or ""):
            return response.text("forbidden", status=403)
        if not (self.application and self.application.running):
            return response.text("not ready", status=503)
        if not isinstance(body, dict):
            return response.text("expected an update", status=400)
        try:
            update = Update.de_json(body, self.application.bot)
        except Exception as error:  # not an update python-telegram-bot can read; the log says only what failed
            logger.warning("Refused a Telegram webhook body (%s).", type(error).__name__)
            return response.text("expected an update", status=400)
        if not ids_are_numbers(update):
            logger.warning("Refused a Telegram webhook body (an id that is no number).")
            return response.text("expected an update", status=400)
        await self.application.update_queue.put(update)
        return response.text("ok")


def ids_are_numbers(update: Update) -> bool:
    """python-telegram-bot keeps data per chat and user id, outside any handler: an id it cannot use as a key
    (Telegram's are numbers) stops its update queue for good, and the bot would answer nobody any more."""
    return all(isinstance(getattr(each, "id", 0), int) for each in (update.effective_chat, update.effective_user))


async def forget_in_store(tracker_store: Any, sender_id: str) -> int:
    """Delete one conversation from Rasa's tracker store (ours has `forget`; Rasa's in-memory store is a dict).
    Rasa hands channels its FailSafeTrackerStore, which wraps the configured one."""
    tracker_store = getattr(tracker_store, "_tracker_store", tracker_store)
    if hasattr(tracker_store, "forget"):
        return await asyncio.get_running_loop().run_in_executor(None, tracker_store.forget, sender_id)
    if isinstance(getattr(tracker_store, "store", None), dict):
        return 1 if tracker_store.store.pop(sender_id, None) is not None else 0
    raise NotImplementedError(type(tracker_store).__name__)

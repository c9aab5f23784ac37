"""Fuzzing the Telegram channel: updates of every kind Telegram sends (text in any Unicode, commands with arguments,
media, service messages, edits, groups and channels, button presses with any data, membership changes, kinds
python-telegram-bot does not know), each given to the channel's own python-telegram-bot Application as polling or
the webhook would, against the fake Bot API, with EchoRasa standing in for Rasa.

Properties: nothing reaches the error handler or escapes; every update in a private chat gets the answer written
down for its kind (each strategy says which, with `text_answer` and `button_answer`: one of the channel's own texts
in the user's language, or the assistant's answer) or a deliberate silence, and nothing else; groups and channels are told once where Contactpunt works and nothing
of theirs reaches the assistant; what reaches the assistant is text, non-blank, at most a Telegram message long,
under the user's pseudonym; no log line holds the user's words or id. The webhook answers 200 or 400 to any body."""

import asyncio
import copy
import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Set

import pytest
from aiohttp import web
from hypothesis import event, given, note, strategies as st
from telegram import Update

from bot.channels.pseudonym import pseudonym
from bot.channels.telegram import TEXTS, TelegramInput
from bot.channels.ui_texts import language_of, ui_texts
from bot.message_text import clean
from tests.echo_rasa import EchoRasa
from tests.fake_bot_api import FakeBotAPI
from tests.fuzzing import fuzz_settings, tried, typed_messages
from tests.test_telegram_channel import KEY

BOT = {"id": 4242, "is_bot": True, "first_name": "Contactpunt", "username": "contactpunt_test_bot"}  # its getMe
LIMIT = 4096  # the longest text message Telegram delivers
ASSISTANT, SILENCE, GROUP = "the assistant's answer", "silence", "private_only the first time, then silence"
#: a button whose payload was too long for Telegram and travels by a token the channel keeps (see callback_data)
KNOWN_TOKEN = "t:KNOWN"
SECRET = "afgesproken-geheim"
#: what Telegram marks as a bot command at the start of a text (ASCII only: "/ä" is plain text)
COMMAND = re.compile(r"/([A-Za-z0-9_]{1,64})(?:@([A-Za-z0-9_]{1,64}))?")
COMMAND_ANSWERS = {"start": ASSISTANT, "help": "help", "stop": "stopped", "vergeet": "forget_question"}
OWN_TEXTS = {text: (language, name) for language, texts in ui_texts(TEXTS).items() for name, text in texts.items()}


@dataclass
class Case:
    kind: str  # what the update is, as in the table in docs/reliability.md
    update: Dict[str, Any]  # the JSON Telegram sends
    expect: str  # the name of a text in telegram.yml, ASSISTANT, SILENCE or GROUP
    chat: Optional[Dict[str, Any]] = None  # where an answer goes
    language: str = "nl"
    user_id: Optional[int] = None
    words: Optional[str] = None  # what the assistant is given when expect is ASSISTANT
    refuse: Set[str] = field(default_factory=set)  # Bot API methods that answer 400 this time


# --- the pieces of an update ------------------------------------------------------------------------------

ids = st.integers(1, 2 ** 40)
message_ids = st.integers(1, 2 ** 31 - 1)
dates = st.integers(1, 2 ** 31 - 1)
names = st.text(min_size=1, max_size=64)
languages = st.sampled_from(["nl", "en", "en-GB", "EN-us", "nl-BE", "de", "tr", "ar", "zh-hans", "", "e"])


def users(user_id: int):
    return st.fixed_dictionaries(
        {"id": st.just(user_id), "is_bot": st.just(False), "first_name": names},
        optional={"last_name": names, "username": st.from_regex(r"\A[A-Za-z][A-Za-z0-9_]{4,31}\Z"),
                  "language_code": languages, "is_premium": st.just(True)})


def language(sender: Optional[Dict[str, Any]]) -> str:
    return language_of(sender.get("language_code") or "") if sender else "nl"


def private_chat(user_id: int):
    return st.fixed_dictionaries({"id": st.just(user_id), "type": st.just("private")},
                                 optional={"first_name": names, "username": st.just("iemand")})


def groups():
    """Groups and supergroups (some forums); a few ids come back often, to see "told once"."""
    small = st.integers(1, 12)
    return st.one_of(
        st.builds(lambda n, title: {"id": -n, "type": "group", "title": title}, small | ids, names),
        st.builds(lambda n, title, forum: {"id": -(10 ** 12 + n), "type": "supergroup", "title": title,
                                           **({"is_forum": True} if forum else {})}, small | ids, names, st.booleans()))


def group_chats():
    return groups() | channels()


def channels():
    return st.builds(lambda n, title: {"id": -(10 ** 12 + 5 * 10 ** 9 + n), "type": "channel", "title": title},
                     st.integers(1, 12) | ids, names)


def blank():
    return st.text(alphabet=" \t\n\r\u00a0\u2003\u3000\u2028", min_size=1, max_size=30)


def emoji():
    return st.lists(st.sampled_from(["😀", "👍🏽", "🏳️‍🌈", "❤️", "🇳🇱", "👩‍👩‍👧", "🫠", "\u200d", "\ufe0f"]),
                    min_size=1, max_size=40).map("".join)


def long_texts(sizes):
    """Texts of exactly one of `sizes` characters (a piece repeated: Hypothesis draws no 4,096 characters)."""
    return st.builds(lambda piece, size: (piece * size)[:size], st.text(min_size=1, max_size=9), sizes)


def commands():
    """Commands as users type them: ours, in any case, for this bot or another, unknown ones, with arguments."""
    name = st.sampled_from(["start", "help", "stop", "vergeet", "START", "Help", "Vergeet"]) | st.from_regex(
        r"\A[A-Za-z0-9_]{1,32}\Z")
    mention = st.sampled_from(["", "@" + BOT["username"], "@" + BOT["username"].upper(), "@andere_bot"])
    arguments = st.just("") | st.text(max_size=80).map(lambda text: " " + text)
    return st.builds(lambda n, m, a: f"/{n}{m}{a}", name, mention, arguments)


def texts():
    """Texts as Telegram delivers them (UTF-8: no lone surrogates), of every shape."""
    return st.one_of(st.text(max_size=300), typed_messages(LIMIT).map(without_surrogates), emoji(), blank(),
                     long_texts(st.integers(4000, LIMIT)),
                     long_texts(st.just(LIMIT)), st.sampled_from(["", "/", "/ä", "/start@", "knoppen", "kapot"]),
                     long_texts(st.integers(LIMIT + 1, 3 * LIMIT)))  # longer than Telegram allows: still safe


def without_surrogates(text: str) -> str:
    return "".join(c for c in text if not "\ud800" <= c <= "\udfff")


def text_content(text: str) -> Dict[str, Any]:
    """A text message's fields: Telegram marks a leading command with a bot_command entity."""
    content: Dict[str, Any] = {"text": text}
    command = COMMAND.match(text)
    if command:
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": command.end()}]
    return content


def text_answer(text: str) -> str:
    """What a text in a private chat gets."""
    command = COMMAND.match(text)
    if command:
        mention = command.group(2)
        if mention and mention.lower() != BOT["username"]:
            return "help"  # another bot's command
        return COMMAND_ANSWERS.get(command.group(1).lower(), "help")
    if not clean(text).strip():
        return "text_only"
    return "too_long" if len(clean(text).strip()) > LIMIT else ASSISTANT


def text_words(text: str, answer: str) -> Optional[str]:
    """What the assistant is given for a text in a private chat (None: nothing)."""
    if answer == ASSISTANT:
        return "/greet" if COMMAND.match(text) else clean(text).strip()
    return "/restart" if answer == "stopped" else None  # /stop restarts the conversation, quietly


def text_kind(text: str) -> str:
    command = COMMAND.match(text)
    if command:
        name, mention = command.group(1).lower(), command.group(2)
        arguments = " with arguments" if text[command.end():].strip() else ""
        if mention and mention.lower() != BOT["username"]:
            return "command for another bot"
        return (f"/{name}" if name in COMMAND_ANSWERS else "unknown command") + arguments
    if not clean(text).strip():
        return "empty or blank text"
    return "text over 4,096 characters" if len(clean(text).strip()) > LIMIT else "text"


FILE = {"file_id": "f-1", "file_unique_id": "u-1"}
PLACE = {"latitude": 52.09, "longitude": 5.12}
POLL = {"id": "p-1", "question": "Wat vind je?", "total_voter_count": 0, "is_closed": False, "is_anonymous": True,
        "type": "regular", "allows_multiple_answers": False, "allows_revoting": False,
        "members_only": False,
        "options": [{"text": "ja", "voter_count": 0, "persistent_id": "o-1"},
                    {"text": "nee", "voter_count": 0, "persistent_id": "o-2"}]}
MEDIA = {
    "photo": {"photo": [{**FILE, "width": 90, "height": 60}, {**FILE, "width": 1280, "height": 853}]},
    "sticker": {"sticker": {**FILE, "type": "regular", "width": 512, "height": 512, "is_animated": False,
                            "is_video": False, "emoji": "😀"}},
    "voice": {"voice": {**FILE, "duration": 3, "mime_type": "audio/ogg"}},
    "video": {"video": {**FILE, "width": 640, "height": 360, "duration": 5}},
    "video note": {"video_note": {**FILE, "length": 240, "duration": 4}},
    "animation": {"animation": {**FILE, "width": 320, "height": 240, "duration": 2}, "document": FILE},
    "audio": {"audio": {**FILE, "duration": 200, "title": "lied"}},
    "document": {"document": {**FILE, "file_name": "verslag.pdf", "mime_type": "application/pdf"}},
    "location": {"location": PLACE},
    "venue": {"location": PLACE, "venue": {"location": PLACE, "title": "School", "address": "Schoolstraat 1"}},
    "contact": {"contact": {"phone_number": "+31600000000", "first_name": "Iemand"}},
    "poll": {"poll": POLL},
    "dice": {"dice": {"emoji": "🎲", "value": 4}},
    "story": {"story": {"chat": {"id": 77, "type": "private"}, "id": 1}},
    "game": {"game": {"title": "Spel", "description": "", "photo": []}},
}
CAPTIONED = {"photo", "voice", "video", "animation", "audio", "document"}
LIVE_LOCATION = {"location": {**PLACE, "live_period": 900, "heading": 90}}
#: service messages in a private chat: not something the user said
SERVICE = {
    "auto-delete timer changed": {"message_auto_delete_timer_changed": {"message_auto_delete_time": 86400}},
    "write access allowed": {"write_access_allowed": {"from_request": True}},
    "users shared": {"users_shared": {"request_id": 1, "users": [{"user_id": 5}]}},
    "chat shared": {"chat_shared": {"request_id": 1, "chat_id": -5}},
    "web app data": {"web_app_data": {"data": "x", "button_text": "y"}},
}


@st.composite
def contents(draw, chat: Dict[str, Any]):
    """(kind, the message's own fields, what it gets in a private chat, the assistant's words)."""
    choice = draw(st.sampled_from(["text", "text", "command", "media", "service"]))
    if choice in ("text", "command"):
        text = draw(texts() if choice == "text" else commands())
        answer = text_answer(text)
        return text_kind(text), text_content(text), answer, text_words(text, answer)
    if choice == "media":
        kind = draw(st.sampled_from(sorted(MEDIA)))
        content = dict(MEDIA[kind])
        if kind in CAPTIONED and draw(st.booleans()):
            content["caption"] = draw(st.text(max_size=200) | commands())  # a caption is not read
        return kind, content, "text_only", None
    kind = draw(st.sampled_from(sorted(SERVICE) + ["pinned message"]))
    if kind == "pinned message":
        pinned = draw(st.sampled_from([{"message_id": 9, "date": 0, "chat": chat},  # no longer accessible
                                       {"message_id": 9, "date": 1, "chat": chat, "text": "vastgezet"}]))
        return kind, {"pinned_message": pinned}, SILENCE, None
    return kind, SERVICE[kind], SILENCE, None


def extras(chat: Dict[str, Any]):
    """Optional fields a message may carry."""
    replied = {"message_id": 7, "date": 1, "chat": chat, "from": BOT, "text": "Wat is er gebeurd?"}
    return st.fixed_dictionaries({}, optional={
        "forward_origin": st.just({"type": "hidden_user", "sender_user_name": "Iemand", "date": 1}),
        "reply_to_message": st.just(replied), "has_protected_content": st.just(True),
        "via_bot": st.just({"id": 99, "is_bot": True, "first_name": "Andere"}),
        "link_preview_options": st.just({"is_disabled": True}), "author_signature": names,
        "message_thread_id": st.integers(1, 100), "is_topic_message": st.just(True)})


@st.composite
def message(draw, chat: Dict[str, Any], sender: Optional[Dict[str, Any]], content: Dict[str, Any]):
    body = {"message_id": draw(message_ids), "date": draw(dates), "chat": chat, **draw(extras(chat)), **content}
    if sender is not None:
        body["from"] = sender
    return body


@st.composite
def someone(draw):
    """A user, the private chat with them, and whether their updates say who sent them (`from` is optional)."""
    user_id = draw(ids)
    return user_id, draw(users(user_id)), draw(private_chat(user_id))


# --- the kinds of update --------------------------------------------------------------------------------

@st.composite
def private_messages(draw):
    user_id, sender, chat = draw(someone())
    sender = sender if draw(st.integers(0, 9)) else None  # `from` is optional: the chat is the user
    kind, content, expect, words = draw(contents(chat))
    update = {"update_id": draw(message_ids), "message": draw(message(chat, sender, content))}
    return Case(kind, update, expect, chat, language(sender), user_id, words)


@st.composite
def private_edits(draw):
    user_id, sender, chat = draw(someone())
    kind = draw(st.sampled_from(["edited text", "edited caption", "live location moving"]))
    content = {"edited text": text_content(draw(st.text(min_size=1, max_size=200))),
               "edited caption": {**MEDIA["photo"], "caption": draw(st.text(min_size=1, max_size=200))},
               "live location moving": LIVE_LOCATION}[kind]
    body = draw(message(chat, sender, {**content, "edit_date": draw(dates)}))
    expect = SILENCE if kind == "live location moving" else "edited"
    return Case(kind, {"update_id": draw(message_ids), "edited_message": body}, expect, chat, language(sender), user_id)


@st.composite
def group_messages(draw):
    """Messages, edits and service messages in groups and supergroups; posts and edited posts in channels."""
    chat = draw(group_chats())
    if chat["type"] == "channel":
        key = draw(st.sampled_from(["channel_post", "edited_channel_post"]))
        sender = None  # a post is the channel's
        content = draw(st.fixed_dictionaries({}, optional={"sender_chat": st.just(chat)}))
    else:
        key = draw(st.sampled_from(["message", "message", "edited_message"]))
        user_id = draw(ids)
        sender = draw(users(user_id))
        content = {}
    kind, own, _, _ = draw(contents(chat))
    body = draw(message(chat, sender, {**content, **own}))
    if key.startswith("edited"):
        body["edit_date"] = body["date"]
    return Case(f"{key.replace('_', ' ')} in a {chat['type']}: {kind}", {"update_id": draw(message_ids), key: body},
                GROUP, chat, language(sender))


def button_data():
    return st.one_of(st.just(None), st.sampled_from(["forget:yes", "forget:no", "forget:", "forget:YES"]),
                     st.text(max_size=62).map(lambda text: "forget:" + text),
                     st.text(max_size=62).map(lambda text: "r:" + text), st.just("r:"),
                     st.sampled_from(['r:/inform_role{"role": "student"}', "r:/greet", "r:/restart"]),
                     st.just(KNOWN_TOKEN), st.from_regex(r"\At:[0-9a-f]{16}\Z"), st.text(max_size=200))


def button_answer(data: Optional[str]) -> str:
    if data is None:
        return "old_button"  # a game's button: not ours
    if data.startswith("forget:"):
        return "forgotten" if data == "forget:yes" else "not_forgotten"
    if data == KNOWN_TOKEN or data.startswith("r:") and clean(data[2:]).strip():
        return ASSISTANT
    return "old_button"  # unknown, or a token from before a restart


@st.composite
def button_presses(draw):
    """Presses on an inline keyboard: on a message in the private chat (still there or no longer accessible), on an
    inline message (no chat), or on a message in a group; Telegram may refuse to answer the press or to edit the
    message (an old press, a message that cannot be edited any more)."""
    user_id, sender, chat = draw(someone())
    where = draw(st.sampled_from(["private chat", "private chat", "inaccessible message", "inline message", "group"]))
    data = draw(button_data())
    query: Dict[str, Any] = {"id": str(draw(ids)), "from": sender, "chat_instance": str(draw(ids))}
    query.update({"data": data} if data is not None else {"game_short_name": "spel"})
    keyboard = {"inline_keyboard": [[{"text": "Student", "callback_data": data or "x"}]]}
    if where == "inline message":
        query["inline_message_id"] = "inline-1"
        answer_chat, expect = None, SILENCE  # no chat to answer in; Contactpunt has no inline mode
    elif where == "group":
        answer_chat, expect = draw(groups()), SILENCE
        query["message"] = {"message_id": draw(message_ids), "date": 1, "chat": answer_chat, "from": BOT,
                            "text": "?", "reply_markup": keyboard}
    else:
        answer_chat, expect = chat, button_answer(data)
        query["message"] = {"message_id": draw(message_ids), "date": 0, "chat": chat} if where.startswith(
            "inaccessible") else {"message_id": draw(message_ids), "date": 1, "chat": chat, "from": BOT,
                                  "text": "Wie ben jij?", "reply_markup": keyboard}
    refuse = draw(st.sets(st.sampled_from(["answerCallbackQuery", "editMessageReplyMarkup"])))
    words = None
    if expect == ASSISTANT:
        words = PAYLOAD_BEHIND_TOKEN if data == KNOWN_TOKEN else clean(data[2:]).strip()
    kind = f"button press ({where})"
    return Case(kind, {"update_id": draw(message_ids), "callback_query": query}, expect, answer_chat,
                language(sender), user_id, words, refuse)


PAYLOAD_BEHIND_TOKEN = '/inform_role{"role": "' + "medewerker" * 8 + '"}'


def bot_member(status: str) -> Dict[str, Any]:
    return {"status": status, "user": BOT, **({"until_date": 0} if status == "kicked" else {})}


@st.composite
def other_updates(draw):
    """Updates that are no message: membership, reactions, inline queries, polls, payments, business and guest
    messages (Contactpunt uses neither mode), and kinds python-telegram-bot does not know yet."""
    user_id, sender, chat = draw(someone())
    where = draw(st.one_of(st.just(chat), group_chats()))
    kind = draw(st.sampled_from(["my_chat_member", "chat_member", "chat_join_request", "message_reaction",
                                 "message_reaction_count", "inline_query", "chosen_inline_result", "poll",
                                 "poll_answer", "pre_checkout_query", "business_connection", "business_message",
                                 "edited_business_message", "deleted_business_messages", "guest_message", "unknown"]))
    date = draw(dates)
    old, new = draw(st.sampled_from([("member", "kicked"), ("kicked", "member"), ("left", "member"),
                                     ("member", "left")]))  # blocked, unblocked, added, removed
    text = draw(st.text(max_size=100))
    bodies = {
        "my_chat_member": {"chat": where, "from": sender, "date": date, "old_chat_member": bot_member(old),
                           "new_chat_member": bot_member(new)},
        "chat_member": {"chat": where, "from": sender, "date": date,
                        "old_chat_member": {"status": "left", "user": sender},
                        "new_chat_member": {"status": "member", "user": sender}},
        "chat_join_request": {"chat": where, "from": sender, "user_chat_id": user_id, "date": date},
        "message_reaction": {"chat": where, "message_id": 3, "date": date, "user": sender, "old_reaction": [],
                             "new_reaction": [{"type": "emoji", "emoji": "👍"}]},
        "message_reaction_count": {"chat": where, "message_id": 3, "date": date,
                                   "reactions": [{"type": {"type": "emoji", "emoji": "👍"}, "total_count": 2}]},
        "inline_query": {"id": "q-1", "from": sender, "query": text, "offset": ""},
        "chosen_inline_result": {"result_id": "r-1", "from": sender, "query": text},
        "poll": POLL,
        "poll_answer": {"poll_id": "p-1", "option_ids": [0], "option_persistent_ids": ["o-1"], "user": sender},
        "pre_checkout_query": {"id": "c-1", "from": sender, "currency": "EUR", "total_amount": 100,
                               "invoice_payload": "x"},
        "business_connection": {"id": "b-1", "user": sender, "user_chat_id": user_id, "date": date,
                                "is_enabled": True},
        "business_message": {**text_content(text or "hallo"), "message_id": 4, "date": date, "chat": chat,
                             "from": sender, "business_connection_id": "b-1"},
        "edited_business_message": {"text": text or "hallo", "message_id": 4, "date": date, "chat": chat,
                                    "from": sender, "business_connection_id": "b-1", "edit_date": date},
        "deleted_business_messages": {"business_connection_id": "b-1", "chat": chat, "message_ids": [4]},
        "guest_message": {**text_content(text or "hallo"), "message_id": 5, "date": date, "chat": chat,
                          "from": sender, "guest_query_id": "g-1"},
    }
    if kind == "unknown":
        key = draw(st.from_regex(r"\A[a-z_]{3,24}\Z").filter(lambda k: k not in Update.ALL_TYPES + ["update_id"]))
        body = draw(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                                 lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                                     st.text(max_size=8), inner, max_size=3), max_leaves=8))
        return Case("an update kind unknown to python-telegram-bot", {"update_id": date, key: body}, SILENCE)
    return Case(kind.replace("_", " "), {"update_id": draw(message_ids), kind: bodies[kind]}, SILENCE,
                bodies[kind].get("chat"), language(sender), user_id)


def updates():
    return st.one_of(private_messages(), private_messages(), private_messages(), private_edits(), group_messages(),
                     button_presses(), button_presses(), other_updates())


# --- the channel, as the real bot runs it -----------------------------------------------------------------

class RefusingBotAPI(FakeBotAPI):
    """The fake Bot API, except that it refuses to answer a button press or to edit the pressed message when told
    to, as Telegram does for a press older than about 15 minutes or a message that cannot be edited any more."""

    refuse: Set[str] = set()

    async def _answerCallbackQuery(self, params) -> bool:
        self._maybe_refuse("answerCallbackQuery", "query is too old and response timeout expired")
        return True

    async def _editMessageReplyMarkup(self, params) -> bool:
        self._maybe_refuse("editMessageReplyMarkup", "message can't be edited")
        return await super()._editMessageReplyMarkup(params)

    def _maybe_refuse(self, method: str, description: str) -> None:
        if method in self.refuse:
            raise web.HTTPBadRequest(content_type="application/json", text=json.dumps(
                {"ok": False, "error_code": 400, "description": f"Bad Request: {description}"}))


@dataclass
class Bridge:
    loop: asyncio.AbstractEventLoop
    api: RefusingBotAPI
    channel: TelegramInput
    application: Any
    rasa: EchoRasa
    errors: List[BaseException]
    told: Set[int] = field(default_factory=set)  # groups and channels told where Contactpunt works


@pytest.fixture(scope="module")
def bridge():
    async def forget(sender_id: str) -> int:
        return 1

    loop = asyncio.new_event_loop()
    try:
        with RefusingBotAPI() as api:
            rasa, errors = EchoRasa(), []
            channel = TelegramInput(api.token, KEY, base_url=api.base_url, forget_conversation=forget)
            application = channel.build_application(rasa)

            async def record(update: object, context) -> None:
                errors.append(context.error)

            application.add_error_handler(record)  # beside the channel's own: called for every error as well
            loop.run_until_complete(application.initialize())
            assert application.bot.username == BOT["username"]
            try:
                yield Bridge(loop, api, channel, application, rasa, errors)
            finally:
                loop.run_until_complete(application.shutdown())
    finally:
        loop.close()


def answer_name(text: str, language_expected: str) -> str:
    """Which of the channel's texts this is (in the expected language), else the assistant's answer."""
    if text in OWN_TEXTS:
        language_sent, name = OWN_TEXTS[text]
        assert language_sent == language_expected, f"{name} in {language_sent}, not {language_expected}"
        return name
    assert text.startswith("ontvangen: ") or text == "Wie ben jij?", text  # EchoRasa's answers
    return ASSISTANT


def settle(bridge: Bridge, case: Case) -> Dict[str, Any]:
    """The update as Telegram sends it, with a known token where the case asks for one."""
    update = copy.deepcopy(case.update)
    query = update.get("callback_query") or {}
    if query.get("data") == KNOWN_TOKEN:
        query["data"] = bridge.channel.callback_data(PAYLOAD_BEHIND_TOKEN)
        assert query["data"].startswith("t:")
    return update


@fuzz_settings(500, 10000)
@given(case=updates())
@pytest.mark.fuzz
def test_every_update_gets_its_written_down_answer_or_silence_and_never_an_error(bridge, case, caplog):
    tried("telegram")
    event(case.kind)
    note(f"kind: {case.kind}, expected: {case.expect}")
    caplog.set_level(logging.DEBUG, logger="bot.channels")
    sent_before, heard_before, logged_before = len(bridge.api.sent), len(bridge.rasa.messages), len(caplog.records)
    bridge.errors.clear()
    bridge.api.refuse = case.refuse
    update = Update.de_json(settle(bridge, case), bridge.application.bot)

    bridge.loop.run_until_complete(bridge.application.process_update(update))

    expect = case.expect
    if expect == GROUP:  # (kept up to date before anything can fail, as the channel's own memory is)
        expect = SILENCE if case.chat["id"] in bridge.told else "private_only"
        bridge.told.add(case.chat["id"])
    assert not bridge.errors, f"{case.kind}: the error handler got {[type(e).__name__ for e in bridge.errors]}"
    sent = bridge.api.sent[sent_before:]
    heard = bridge.rasa.messages[heard_before:]
    answers = [answer_name(s["text"], case.language) for s in sent]
    assert answers == ([] if expect == SILENCE else [expect]), f"{case.kind}: {answers} instead of {expect}"
    assert all(s["chat_id"] == (case.chat or {}).get("id") for s in sent), "an answer went to another chat"
    assert all(len(s["text"]) <= LIMIT for s in sent if s["text"] in OWN_TEXTS)

    # what reached the assistant: only words from a private chat, under the user's pseudonym
    assert [m.text for m in heard] == ([] if case.words is None else [case.words]), case.kind
    for message in heard:
        assert case.chat["type"] == "private"
        assert isinstance(message.text, str) and message.text.strip() == message.text
        assert 0 < len(message.text) <= LIMIT
        assert message.sender_id == pseudonym("telegram", str(case.user_id), KEY)
        assert message.input_channel == "telegram" and not message.metadata

    # no log line holds the user's words or id
    logged = " ".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records[logged_before:])
    assert case.user_id is None or len(str(case.user_id)) < 6 or str(case.user_id) not in logged
    assert case.words is None or len(case.words) < 12 or case.words not in logged


# --- the webhook: any JSON body -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def webhook():
    loop = asyncio.new_event_loop()
    try:
        with FakeBotAPI() as api:
            channel = TelegramInput(api.token, KEY, base_url=api.base_url, secret_token=SECRET,
                                    webhook_url="https://contactpunt.example/webhooks/telegram/webhook")
            application = channel.build_application(EchoRasa())
            loop.run_until_complete(channel.connect(application))
            assert application.running
            try:
                yield loop, channel, application
            finally:
                loop.run_until_complete(channel.disconnect(application))
    finally:
        loop.close()


def json_values():
    return st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                                     max_size=4), max_leaves=12)


@st.composite
def broken_updates(draw):
    """A real update with one field, at any depth, taken away or given a value of another type."""
    update = copy.deepcopy(draw(updates()).update)
    places = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                places.append((node, key))
                walk(value)

    walk(update)
    target, key = draw(st.sampled_from(places))
    replacement = draw(st.one_of(st.just(None), json_values(), st.just("__delete__")))
    if replacement == "__delete__":
        del target[key]
    else:
        target[key] = replacement
    return update


@fuzz_settings(150, 3000)
@given(body=st.one_of(json_values(), st.dictionaries(st.text(max_size=20), json_values(), max_size=5),
                      broken_updates(), updates().map(lambda case: case.update)))
@pytest.mark.fuzz
def test_the_webhook_answers_200_or_400_to_any_json_body(webhook, body):
    tried("telegram")
    loop, channel, application = webhook

    async def post():
        reply = await channel.receive_webhook(SECRET, body)
        # python-telegram-bot handles what was queued (an error there is the error handler's, tested above) and
        # goes on with the next: its queue must never stop
        try:
            await asyncio.wait_for(application.update_queue.join(), 30)
        except asyncio.TimeoutError:
            raise AssertionError("python-telegram-bot's update queue stopped") from None
        return reply

    reply = loop.run_until_complete(post())
    assert reply.status in (200, 400), reply.status
    assert reply.status == 200 or reply.body.strip(), "a refusal says why"

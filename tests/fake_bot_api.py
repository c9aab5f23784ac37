"""A fake Telegram Bot API on loopback for python-telegram-bot to talk to (its `base_url`): users write, it records."""

import asyncio
import json
import time
from typing import Any, Dict, List, Optional

from aiohttp import web

from tests.loopback_server import LoopbackServer


class FakeBotAPI(LoopbackServer):
    """`with FakeBotAPI() as api:` serves in a background thread. Users act through `user_says`,
    `user_sends`, `user_edits` and `user_presses`; what the bot sent is in `sent` (chat_id, text,
    reply_markup as dicts) and can be awaited with `wait_for`."""

    token = "123456:TEST-token-for-the-fake-bot-api"

    def __init__(self) -> None:
        super().__init__()
        self.base_url = f"http://127.0.0.1:{self.port}/bot"
        self.calls: List[str] = []
        self._updates: List[Dict[str, Any]] = []
        self._new_update: Optional[asyncio.Event] = None

    def started(self) -> None:
        self._new_update = asyncio.Event()

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/bot{token}/{method}", self._method)

    async def _method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await self._params(request)
        self.calls.append(method)
        handler = getattr(self, "_" + method, None)
        result = await handler(params) if handler else True
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    async def _params(request: web.Request) -> Dict[str, Any]:
        """PTB posts form fields whose nested values are JSON (or a JSON body): decode both."""
        if request.content_type == "application/json":
            return await request.json()
        params = {}
        for key, value in (await request.post()).items():
            try:
                params[key] = json.loads(value)
            except (TypeError, ValueError):
                params[key] = value
        return params

    async def _getMe(self, params) -> Dict[str, Any]:
        return {"id": 4242, "is_bot": True, "first_name": "Contactpunt", "username": "contactpunt_test_bot",
                "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}

    async def _getUpdates(self, params) -> List[Dict[str, Any]]:
        offset, timeout = int(params.get("offset") or 0), float(params.get("timeout") or 0)
        deadline = self._loop.time() + min(timeout, 5)
        while True:
            with self._lock:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                ready = list(self._updates)
            if ready or self._loop.time() >= deadline:
                return ready
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), max(0.01, deadline - self._loop.time()))
            except asyncio.TimeoutError:
                pass

    async def _sendMessage(self, params) -> Dict[str, Any]:
        message = {"message_id": next(self._ids), "date": int(time.time()), "text": params["text"],
                   "chat": {"id": int(params["chat_id"]), "type": "private"},
                   "from": {"id": 4242, "is_bot": True, "first_name": "Contactpunt"}}
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        self.record({"chat_id": int(params["chat_id"]), "text": params["text"],
                     "reply_markup": params.get("reply_markup"), "message": message})
        return message

    async def _editMessageReplyMarkup(self, params) -> bool:
        with self._lock:
            for sent in self.sent:
                if sent["message"]["message_id"] == int(params.get("message_id", 0)):
                    sent["reply_markup"] = params.get("reply_markup")
        return True

    # --- what a user does --------------------------------------------------------------------------------

    def _push(self, kind: str, body: Dict[str, Any]) -> None:
        with self._lock:
            self._updates.append({"update_id": next(self._ids), kind: body})
        self._loop.call_soon_threadsafe(self._new_update.set)

    def text_update(self, user_id: int, text: str, language_code: str = "nl") -> Dict[str, Any]:
        """An update as Telegram would post it to a webhook (instead of handing it out in getUpdates)."""
        return {"update_id": next(self._ids), "message": self._message(user_id, language_code, "private", text=text)}

    @staticmethod
    def _user(user_id: int, language_code: str) -> Dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": "Testpersoon", "language_code": language_code}

    def _message(self, user_id: int, language_code: str, chat_type: str, **content) -> Dict[str, Any]:
        chat_id = user_id if chat_type == "private" else -user_id
        return {"message_id": next(self._ids), "date": int(time.time()), "from": self._user(user_id, language_code),
                "chat": {"id": chat_id, "type": chat_type, **({"title": "Klas"} if chat_type != "private" else {})},
                **content}

    def user_says(self, user_id: int, text: str, language_code: str = "nl", chat_type: str = "private") -> None:
        content: Dict[str, Any] = {"text": text}
        if text.startswith("/"):
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        self._push("message", self._message(user_id, language_code, chat_type, **content))

    def user_sends(self, user_id: int, kind: str, language_code: str = "nl") -> None:
        """A photo, sticker, voice message or location instead of text."""
        file = {"file_id": "f-1", "file_unique_id": "u-1"}
        content = {"photo": {"photo": [{**file, "width": 10, "height": 10}]},
                   "sticker": {"sticker": {**file, "type": "regular", "width": 10, "height": 10,
                                           "is_animated": False, "is_video": False}},
                   "voice": {"voice": {**file, "duration": 2}},
                   "location": {"location": {"latitude": 52.09, "longitude": 5.12}}}[kind]
        self._push("message", self._message(user_id, language_code, "private", **content))

    def user_edits(self, user_id: int, text: str, language_code: str = "nl") -> None:
        self._push("edited_message", self._message(user_id, language_code, "private", text=text,
                                                   edit_date=int(time.time())))

    def _button(self, title: str, chat_id: int):
        for sent in reversed(self.to(chat_id)):
            for row in (sent["reply_markup"] or {}).get("inline_keyboard", []):
                for button in row:
                    if button["text"] == title:
                        return sent["message"], button["callback_data"]
        raise AssertionError(f"no button {title!r} was sent")

    def user_presses(self, user_id: int, title: str, language_code: str = "nl") -> None:
        """Press the button titled `title` on the newest message that has it."""
        with self._lock:
            message, data = self._button(title, user_id)
        self._push("callback_query", {"id": str(next(self._ids)), "from": self._user(user_id, language_code),
                                      "chat_instance": "ci", "data": data, "message": message})

    # --- what the test waits for -------------------------------------------------------------------------

    def to(self, chat_id: int) -> List[Dict[str, Any]]:
        """What the bot sent to one chat (callers hold the lock or accept a snapshot)."""
        return [sent for sent in list(self.sent) if sent["chat_id"] == chat_id]

"""Rasa's socket.io channel for the web widget, limited to the school origins and to well-formed sessions."""

import logging
import re
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

logger = logging.getLogger(__name__)

#: The widget makes a random session id (32 hex digits) in the page's memory. Anything else is refused, so
#: no client can name a conversation of another channel (those are "telegram-…" / "teams-…" pseudonyms).
SESSION_ID = re.compile(r"^[0-9a-f]{32}$")
MAX_MESSAGE_CHARS = 4000


def _well_formed(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("session_id"), str) and bool(
        SESSION_ID.match(data["session_id"]))


class SchoolSocketIOInput(SocketIOInput):
    """Rasa's `socketio` channel (same name, events and output) with three limits added: only the
    configured origins may connect (python-engineio checks the Origin header of every request and
    WebSocket upgrade), a session must be a random id of the widget's form, and a message has at most
    4,000 characters. It also joins the session's room properly (see `_session_request`).
    Everything else is Rasa's own channel."""

    allowed_origins: List[str] = []

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        origins = credentials.get("allowed_origins") or []
        if isinstance(origins, str):
            origins = [origin.strip() for origin in origins.split(",") if origin.strip()]
        if not origins:
            raise ValueError("the socket.io channel needs allowed_origins: the school pages that embed the chat")
        channel = cls(
            credentials.get("user_message_evt", "user_uttered"),
            credentials.get("bot_message_evt", "bot_uttered"),
            credentials.get("namespace"),
            True,  # session persistence: the widget keeps its session over a reconnect
            credentials.get("socketio_path", "/socket.io"),
        )
        channel.allowed_origins = list(origins)
        return channel

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        self.sio.eio.cors_allowed_origins = self.allowed_origins
        handlers = self.sio.handlers[self.namespace or "/"]
        handlers["session_request"] = self._checked(self._session_request, _well_formed)
        handlers[self.user_message_evt] = self._checked(
            handlers[self.user_message_evt],
            lambda data: _well_formed(data) and isinstance(data.get("message"), str)
            and 0 < len(data["message"]) <= MAX_MESSAGE_CHARS)
        return blueprint

    async def _session_request(self, sid: Text, data: Dict[Text, Any]) -> None:
        """Rasa 3.6's own handler calls python-socketio's `enter_room` without awaiting it (a coroutine
        in python-socketio 5.10+), so a session never joins its room and replies are lost."""
        await self.sio.enter_room(sid, data["session_id"])
        await self.sio.emit("session_confirm", data["session_id"], room=sid)

    def _checked(self, handler: Callable, accept: Callable[[Any], bool]) -> Callable:
        async def checked(sid: Text, data: Any = None) -> None:
            if not accept(data):
                logger.info("Refused a malformed socket.io event.")
                await self.sio.emit("refused", {"reason": "malformed"}, room=sid)
                return
            await handler(sid, data)

        return checked

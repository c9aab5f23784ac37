"""Rasa's socket.io channel for the web widget: school origins and well-formed sessions only, every message acknowledged."""

import functools
import logging
import re
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from bot.channels import MAX_MESSAGE_CHARS
from bot.channels.session_outbox import SessionOutbox

logger = logging.getLogger(__name__)

#: The widget makes a random session id (32 hex digits) in the page's memory. Anything else is refused, so
#: no client can name a conversation of another channel (those are "telegram-…" / "teams-…" pseudonyms).
SESSION_ID = re.compile(r"^[0-9a-f]{32}$")


def _well_formed(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("session_id"), str) and bool(
        SESSION_ID.match(data["session_id"]))


class AcknowledgedOutput(SocketIOOutput):
    """Rasa's socket.io output, except that each message is numbered and kept until the page acknowledges
    it (see SessionOutbox). Custom JSON (the case code) is a message like any other: `{"data": {...}}`."""

    def __init__(self, channel: "SchoolSocketIOInput") -> None:
        super().__init__(channel.sio, channel.bot_message_evt)
        self.channel = channel

    async def _send_message(self, session_id: Text, response: Any) -> None:
        message = self.channel.outbox.add(session_id, response)
        for sid, _ in list(self.sio.manager.get_participants(self.channel.namespace or "/", session_id)):
            await self.channel.send_to_socket(sid, session_id, message)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        await self._send_message(recipient_id, json_message.get("data", json_message))


class SchoolSocketIOInput(SocketIOInput):
    """Rasa's `socketio` channel (same name and events) with limits added: only the configured origins
    may connect (python-engineio checks the Origin header of every request and WebSocket upgrade), a
    session must be a random id of the widget's form, and a message has at most 4,000 characters.
    It joins the session's room properly (see `_session_request`), and what it sends is acknowledged by
    the page and sent again after a reconnect, so a network drop loses nothing."""

    allowed_origins: List[str] = []
    outbox: SessionOutbox

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

    def get_output_channel(self) -> Optional[OutputChannel]:
        """For messages Rasa pushes (an adviser joins, replies, leaves)."""
        return AcknowledgedOutput(self) if self.sio else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        self.outbox = SessionOutbox()
        self.sio.eio.cors_allowed_origins = self.allowed_origins
        handlers = self.sio.handlers[self.namespace or "/"]
        handlers["session_request"] = self._checked(self._session_request, _well_formed)
        handlers[self.user_message_evt] = self._checked(
            functools.partial(self._handle_message, on_new_message),
            lambda data: _well_formed(data) and isinstance(data.get("message"), str)
            and 0 < len(data["message"]) <= MAX_MESSAGE_CHARS)
        return blueprint

    async def _session_request(self, sid: Text, data: Dict[Text, Any]) -> None:
        """Join the session's room, confirm, and send again what the page has not acknowledged. (Rasa 3.6's
        own handler calls python-socketio's `enter_room` without awaiting it, a coroutine in python-socketio
        5.10+, so a session never joined its room and pushed replies were lost.)"""
        session_id = data["session_id"]
        await self.sio.enter_room(sid, session_id)
        await self.sio.emit("session_confirm", session_id, room=sid)
        for message in self.outbox.pending(session_id):
            await self.send_to_socket(sid, session_id, message)

    async def _handle_message(self, on_new_message: Callable[[UserMessage], Awaitable[Any]], sid: Text,
                              data: Dict[Text, Any]) -> None:
        metadata = data.get(self.metadata_key)
        await on_new_message(UserMessage(data["message"], AcknowledgedOutput(self), data["session_id"],
                                         input_channel=self.name(),
                                         metadata=metadata if isinstance(metadata, dict) else {}))

    async def send_to_socket(self, sid: Text, session_id: Text, message: Dict[Text, Any]) -> None:
        """One numbered message to one connection; the page's acknowledgement takes it out of the outbox."""
        await self.sio.emit(self.bot_message_evt, message, to=sid,
                            callback=lambda *_: self.outbox.acknowledge(session_id, message["seq"]))

    def _checked(self, handler: Callable, accept: Callable[[Any], bool]) -> Callable:
        async def checked(sid: Text, data: Any = None) -> None:
            if not accept(data):
                logger.info("Refused a malformed socket.io event.")
                await self.sio.emit("refused", {"reason": "malformed"}, room=sid)
                return
            await handler(sid, data)

        return checked

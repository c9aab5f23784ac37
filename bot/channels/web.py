"""Rasa's socket.io channel for the web widget: school origins and well-formed sessions only, every message acknowledged, every failure answered."""

import functools
import logging
import os
import re
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint
from socketio import AsyncRedisManager

from bot.channels import MAX_MESSAGE_CHARS
from bot.channels.session_outbox import outbox_for
from bot.message_text import clean
from contactpunt.refused_input_log import RefusedInput, install

logger = logging.getLogger(__name__)

#: The widget makes a random session id (32 hex digits) in the page's memory. Anything else is refused, so
#: no client can name a conversation of another channel (those are "telegram-…" / "teams-…" pseudonyms).
SESSION_ID = re.compile(r"^[0-9a-f]{32}$")

#: Several Rasa processes: Redis for the outbox and for socket.io between them (`redis://host:port/db`).
REDIS_URL_ENV = "CONTACTPUNT_REDIS_URL"
#: This process's number among several (`contactpunt run` sets it): the first part of every Engine.IO session
#: id, so a front can send a long-polling client's requests to the process that holds its session.
WORKER_ENV = "CONTACTPUNT_RASA_WORKER"


def _well_formed(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("session_id"), str) and bool(
        SESSION_ID.match(data["session_id"]))


def _well_formed_message(data: Any) -> bool:
    """A session and a text of at most 4,000 characters (an empty one too: it is answered, not dropped)."""
    return _well_formed(data) and isinstance(data.get("message"), str) and len(data["message"]) <= MAX_MESSAGE_CHARS


class AcknowledgedOutput(SocketIOOutput):
    """Rasa's socket.io output, except that each message is numbered and kept until the page acknowledges
    it (the outbox: in memory, or in Redis shared by several processes). Custom JSON (the case code) is a message like any other: `{"data": {...}}`."""

    def __init__(self, channel: "SchoolSocketIOInput") -> None:
        super().__init__(channel.sio, channel.bot_message_evt)
        self.channel = channel

    async def _send_message(self, session_id: Text, response: Any) -> None:
        message = await self.channel.outbox.add(session_id, response)
        await self.channel.deliver(session_id, message)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        await self._send_message(recipient_id, json_message.get("data", json_message))


class AcknowledgingRedisManager(AsyncRedisManager):
    """python-socketio's Redis client manager, so that a message any Rasa process sends reaches the page
    connected to another. A numbered bot message is not sent with python-socketio's cross-process callback
    (which returns the page's acknowledgement to the sending process, lost if that process is gone): every
    process hands it to its own connections of that session, and takes their acknowledgement into the
    shared outbox itself."""

    def __init__(self, url: str, event: Text, deliver_locally: Callable[[Text, Dict[Text, Any], Text], Awaitable[None]]):
        super().__init__(url, channel="contactpunt-socketio")
        self.event, self.deliver_locally = event, deliver_locally

    async def _handle_emit(self, message: Dict[str, Any]) -> None:
        data = message.get("data")
        if (message.get("event") == self.event and message.get("callback") is None and message.get("room")
                and isinstance(data, list) and len(data) == 1 and isinstance(data[0], dict)
                and isinstance(data[0].get("seq"), int)):
            await self.deliver_locally(message["room"], data[0], message.get("namespace") or "/")
            return
        await super()._handle_emit(message)


class SchoolSocketIOInput(SocketIOInput):
    """Rasa's `socketio` channel (same name and events) with limits added: only the configured origins
    may connect (python-engineio checks the Origin header of every request and WebSocket upgrade), a
    session must be a random id of the widget's form, a connection speaks for the one session it joined,
    and a message has at most 4,000 characters. It joins the session's room properly (see
    `_session_request`), and what it sends is acknowledged by the page and sent again after a reconnect,
    so a network drop loses nothing. What it refuses, or fails to handle, it answers with a `refused`
    event and a reason (the widget shows it with the help numbers); nothing is left to an unread task.
    With Redis (CONTACTPUNT_REDIS_URL) several Rasa processes share the outbox and socket.io's rooms."""

    allowed_origins: List[str] = []
    redis_url: Optional[str] = None
    outbox: Any

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
        channel.redis_url = credentials.get("redis_url") or os.environ.get(REDIS_URL_ENV) or None
        return channel

    def get_output_channel(self) -> Optional[OutputChannel]:
        """For messages Rasa pushes (an adviser joins, replies, leaves)."""
        return AcknowledgedOutput(self) if self.sio else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        self.outbox = outbox_for(self.redis_url)
        if self.redis_url:  # before any connection: python-socketio starts its manager at the first one
            self.sio.manager = AcknowledgingRedisManager(self.redis_url, self.bot_message_evt, self._deliver_locally)
            self.sio.manager.set_server(self.sio)
            self.sio.manager_initialized = False
            blueprint.listener("after_server_start")(self._listen_to_other_processes)
        worker = os.environ.get(WORKER_ENV)
        if worker:
            generate_id = self.sio.eio.generate_id
            self.sio.eio.generate_id = lambda: f"{worker}.{generate_id()}"
        self.sio.eio.cors_allowed_origins = self.allowed_origins
        handlers = self.sio.handlers[self.namespace or "/"]
        # Events run inside the Engine.IO message handler, guarded: a malformed packet (an event name that is
        # not a string, no event at all, broken JSON) is refused there instead of raising in a task nobody reads.
        self.sio.async_handlers = False
        self.sio.eio.on("message", self._guarded_packet(self.sio._handle_eio_message))
        # Engine.IO drops a polling payload it cannot decode and goes on, but logs the traceback: one line instead.
        install(self.sio.eio.logger, RefusedInput("a malformed Engine.IO payload", (ValueError, KeyError, IndexError,
                                                                                   TypeError), "post request handler error"))
        # What each open connection was sent: the resend at a session request and a delivery racing it must
        # not show a message twice on one connection (the widget also drops a number it has shown).
        self._sent_to: Dict[Text, Set[int]] = {}
        handlers["disconnect"] = self._forget_connection
        handlers["session_request"] = self._checked(self._session_request, _well_formed)
        handlers[self.user_message_evt] = self._checked(
            functools.partial(self._handle_message, on_new_message), _well_formed_message)
        return blueprint

    async def _listen_to_other_processes(self, app: Any, loop: Any) -> None:
        """Subscribe to Redis when the server starts, not at the first connection (python-socketio's default):
        a message another process sends just after that first connection must not pass unheard."""
        if not self.sio.manager_initialized:
            self.sio.manager_initialized = True
            self.sio.manager.initialize()

    def _session_of(self, sid: Text) -> Optional[Text]:
        """The session this connection joined, if any (a connection's own room is its sid)."""
        joined = [room for room in self.sio.rooms(sid, self.namespace or "/") if room != sid]
        return joined[0] if joined else None

    async def _session_request(self, sid: Text, data: Dict[Text, Any]) -> None:
        """Join the session's room, confirm, and send again what the page has not acknowledged. (Rasa 3.6's
        own handler calls python-socketio's `enter_room` without awaiting it, a coroutine in python-socketio
        5.10+, so a session never joined its room and pushed replies were lost.) One session per connection:
        a client cannot open thousands of conversations over one socket."""
        session_id = data["session_id"]
        if self._session_of(sid) not in (None, session_id):
            await self._refuse(sid, "one session per connection")
            return
        await self.sio.enter_room(sid, session_id)
        await self.sio.emit("session_confirm", session_id, room=sid)
        for message in await self.outbox.pending(session_id):
            await self.send_to_socket(sid, session_id, message)

    async def _handle_message(self, on_new_message: Callable[[UserMessage], Awaitable[Any]], sid: Text,
                              data: Dict[Text, Any]) -> None:
        if self._session_of(sid) != data["session_id"]:
            await self._refuse(sid, "session not joined")
            return
        metadata = data.get(self.metadata_key)
        await on_new_message(UserMessage(clean(data["message"]), AcknowledgedOutput(self), data["session_id"],
                                         input_channel=self.name(),
                                         metadata=metadata if isinstance(metadata, dict) else {}))

    async def deliver(self, session_id: Text, message: Dict[Text, Any]) -> None:
        """A numbered message to every connection of the session: this process's, and with Redis every other's."""
        if isinstance(self.sio.manager, AcknowledgingRedisManager):
            await self.sio.emit(self.bot_message_evt, message, room=session_id, namespace=self.namespace or "/")
        else:
            await self._deliver_locally(session_id, message, self.namespace or "/")

    async def _deliver_locally(self, session_id: Text, message: Dict[Text, Any], namespace: Text) -> None:
        for sid, _ in list(self.sio.manager.get_participants(namespace, session_id)):
            await self.send_to_socket(sid, session_id, message)

    async def _forget_connection(self, sid: Text, *_: Any) -> None:
        """A closed connection's record of what it was sent goes with it; a new one gets the unacknowledged again."""
        self._sent_to.pop(sid, None)

    async def send_to_socket(self, sid: Text, session_id: Text, message: Dict[Text, Any]) -> None:
        """One numbered message to one connection of this process, once; the page's acknowledgement takes it out
        of the outbox."""
        sent = self._sent_to.setdefault(sid, set())
        if message["seq"] in sent:
            return
        sent.add(message["seq"])

        def acknowledged(*_: Any) -> Any:  # python-socketio awaits what it returns (the Redis outbox's coroutine)
            return self.outbox.acknowledge(session_id, message["seq"])

        await self.sio.emit(self.bot_message_evt, message, to=sid, namespace=self.namespace or "/",
                            callback=acknowledged, ignore_queue=True)

    async def _refuse(self, sid: Text, reason: str) -> None:
        logger.info("Refused a socket.io event (%s).", reason)
        await self.sio.emit("refused", {"reason": reason}, room=sid)

    def _guarded_packet(self, handle: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[None]]:
        async def guarded(eio_sid: Text, data: Any) -> None:
            try:
                await handle(eio_sid, data)
            except Exception as error:
                logger.info("Refused a malformed socket.io packet (%s).", type(error).__name__)
                sid = self.sio.manager.sid_from_eio_sid(eio_sid, self.namespace or "/")
                if sid:
                    await self.sio.emit("refused", {"reason": "malformed"}, room=sid)

        return guarded

    def _checked(self, handler: Callable, accept: Callable[[Any], bool]) -> Callable:
        async def checked(sid: Text, data: Any = None, *extra: Any) -> None:
            if extra or not accept(data):
                await self._refuse(sid, "malformed")
                return
            try:
                await handler(sid, data)
            except Exception as error:  # the page hears it and shows the help numbers; the log names the kind only
                logger.error("A socket.io event could not be handled (%s).", type(error).__name__)
                await self._refuse(sid, "failed")

        return checked

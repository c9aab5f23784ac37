"""Console sessions in memory: the unlocked adviser key lives here and nowhere else, until logout or expiry."""

import secrets
import time
from dataclasses import dataclass, field
from typing import Dict, Optional

from handoff.case_queue import UnlockedAdviser

IDLE_SECONDS = 15 * 60
ABSOLUTE_SECONDS = 8 * 60 * 60
MAX_FAILURES, LOCKOUT_SECONDS = 5, 15 * 60


@dataclass
class ConsoleSession:
    adviser: UnlockedAdviser
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    started: float = field(default_factory=time.monotonic)
    seen: float = field(default_factory=time.monotonic)


class SessionStore:
    def __init__(self, clock=time.monotonic):
        self._sessions: Dict[str, ConsoleSession] = {}
        self._failures: Dict[str, list] = {}
        self._clock = clock

    def create(self, adviser: UnlockedAdviser) -> str:
        token = secrets.token_urlsafe(32)
        now = self._clock()
        self._sessions[token] = ConsoleSession(adviser, started=now, seen=now)
        self._failures.pop(adviser.login, None)
        return token

    def get(self, token: Optional[str]) -> Optional[ConsoleSession]:
        """The live session for this cookie; an expired one is forgotten, key and all."""
        session = self._sessions.get(token or "")
        if session is None:
            return None
        now = self._clock()
        if now - session.seen > IDLE_SECONDS or now - session.started > ABSOLUTE_SECONDS:
            del self._sessions[token]
            return None
        session.seen = now
        return session

    def end(self, token: Optional[str]) -> None:
        self._sessions.pop(token or "", None)

    def locked(self, login: str) -> bool:
        now = self._clock()
        recent = [t for t in self._failures.get(login, []) if now - t < LOCKOUT_SECONDS]
        self._failures[login] = recent
        return len(recent) >= MAX_FAILURES

    def failed(self, login: str) -> None:
        self._failures.setdefault(login, []).append(self._clock())

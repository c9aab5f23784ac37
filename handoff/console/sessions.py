"""Console sessions in memory: the unlocked adviser key lives here and nowhere else, until logout or expiry."""

import secrets
import time
from dataclasses import dataclass, field
from typing import Dict, Optional

from handoff.case_queue import UnlockedAdviser

IDLE_SECONDS = 15 * 60
ABSOLUTE_SECONDS = 8 * 60 * 60
MAX_FAILURES, LOCKOUT_SECONDS = 5, 15 * 60
#: A TOTP code is accepted for up to three 30-second steps; once used, it is refused for that long.
CODE_REUSE_SECONDS = 120


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
        self._used_codes: Dict[tuple, float] = {}
        self._clock = clock

    def _sweep(self, now: float) -> None:
        """Forget expired sessions (and the keys in them) even if nobody asks for them again."""
        for token in [t for t, s in self._sessions.items() if self._expired(s, now)]:
            del self._sessions[token]
        self._used_codes = {k: t for k, t in self._used_codes.items() if now - t < CODE_REUSE_SECONDS}

    @staticmethod
    def _expired(session: ConsoleSession, now: float) -> bool:
        return now - session.seen > IDLE_SECONDS or now - session.started > ABSOLUTE_SECONDS

    def code_already_used(self, login: str, code: str) -> bool:
        """True if this TOTP code was used to log in recently (a replayed code); else remembers it."""
        now = self._clock()
        self._sweep(now)
        key = (login, code.strip().replace(" ", ""))
        if key in self._used_codes:
            return True
        self._used_codes[key] = now
        return False

    def create(self, adviser: UnlockedAdviser) -> str:
        token = secrets.token_urlsafe(32)
        now = self._clock()
        self._sweep(now)
        self._sessions[token] = ConsoleSession(adviser, started=now, seen=now)
        self._failures.pop(adviser.login, None)
        return token

    def get(self, token: Optional[str]) -> Optional[ConsoleSession]:
        """The live session for this cookie; an expired one is forgotten, key and all."""
        session = self._sessions.get(token or "")
        if session is None:
            return None
        now = self._clock()
        if self._expired(session, now):
            self._sweep(now)
            return None
        session.seen = now
        return session

    def end(self, token: Optional[str]) -> None:
        self._sessions.pop(token or "", None)

    def _recent_failures(self, login: str, now: float) -> list:
        """This login's failures within the lockout window; a login with none is not kept at all (asking for
        any name must not make the store grow)."""
        recent = [t for t in self._failures.pop(login, []) if now - t < LOCKOUT_SECONDS]
        if recent:
            self._failures[login] = recent
        return recent

    def locked(self, login: str) -> bool:
        return len(self._recent_failures(login, self._clock())) >= MAX_FAILURES

    def failed(self, login: str) -> None:
        now = self._clock()
        for name in [n for n, times in self._failures.items() if now - times[-1] >= LOCKOUT_SECONDS]:
            del self._failures[name]  # nobody is locked by failures this old
        self._failures[login] = [*self._recent_failures(login, now), now]

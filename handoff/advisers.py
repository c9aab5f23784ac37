"""Adviser accounts: add, unlock at login, grant a location, disable, rotate a key."""

from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from handoff.adviser_keys import WrappedSecrets, WrongPassphrase, new_totp_seed, totp_valid, unwrap_secrets, \
    wrap_secrets
from handoff.case_crypto import DEFAULT_SUITE, generate_keypair, open_sealed, seal
from handoff.case_queue import UnlockedAdviser, case_key_binding, utcnow
from handoff.models import CLOSED, Adviser, AdviserLocation, AuditEvent, Case, CaseKey


class LoginFailed(Exception):
    """Unknown login, disabled account, wrong passphrase or wrong code (deliberately not said which)."""


class AdviserExists(ValueError):
    pass


class UnknownAdviser(ValueError):
    pass


@dataclass(frozen=True)
class AdviserSummary:
    login: str
    display_name: str
    active: bool
    locations: List[str]
    readable_open_cases: int
    may_report: bool


def _secrets(adviser: Adviser) -> WrappedSecrets:
    return WrappedSecrets(adviser.kdf, adviser.wrapped_private_key, adviser.wrapped_totp_seed)


class Advisers:
    def __init__(self, sessions: sessionmaker, now=utcnow):
        self._sessions = sessions
        self._now = now

    def set_report_permission(self, login: str, allowed: bool) -> None:
        with self._sessions() as session, session.begin():
            adviser = self._get(session, login)
            adviser.may_report = int(allowed)
            session.add(AuditEvent(at=self._now(), adviser_id=adviser.id,
                                   action="report_allowed" if allowed else "report_revoked"))

    def add(self, login: str, display_name: str, passphrase: str, locations: Sequence[str]) -> bytes:
        """Create an adviser; returns the TOTP seed, to be shown once for an authenticator app."""
        if not login or not login.replace("-", "").replace("_", "").replace(".", "").isalnum():
            raise ValueError("a login is letters, digits, '.', '-' or '_'")
        if not locations:
            raise ValueError("an adviser needs at least one location")
        keys, seed = generate_keypair(DEFAULT_SUITE), new_totp_seed()
        wrapped = wrap_secrets(login, passphrase, keys.private, seed)
        with self._sessions() as session, session.begin():
            if session.scalar(select(Adviser.id).where(Adviser.login == login)) is not None:
                raise AdviserExists(login)
            adviser = Adviser(login=login, display_name=display_name, active=1, suite=keys.suite,
                              public_key=keys.public, kdf=wrapped.kdf, wrapped_private_key=wrapped.private_key,
                              wrapped_totp_seed=wrapped.totp_seed, key_created_at=self._now())
            session.add(adviser)
            session.flush()
            for location in sorted(set(locations)):
                session.add(AdviserLocation(adviser_id=adviser.id, location=location))
            session.add(AuditEvent(at=self._now(), adviser_id=adviser.id, action="adviser_added"))
        return seed

    def _get(self, session: Session, login: str) -> Adviser:
        adviser = session.scalar(select(Adviser).where(Adviser.login == login))
        if adviser is None:
            raise UnknownAdviser(login)
        return adviser

    def _unwrap(self, login: str, passphrase: str) -> Tuple[UnlockedAdviser, bytes]:
        """(the unlocked adviser, their TOTP seed): one Argon2id derivation for both."""
        with self._sessions() as session:
            adviser = session.scalar(select(Adviser).where(Adviser.login == login, Adviser.active == 1))
        if adviser is None:
            raise LoginFailed()
        try:
            private, seed = unwrap_secrets(login, passphrase, _secrets(adviser))
        except WrongPassphrase:
            raise LoginFailed() from None
        return UnlockedAdviser(adviser.id, adviser.login, adviser.display_name, adviser.suite, private,
                               bool(adviser.may_report)), seed

    def unlock(self, login: str, passphrase: str, totp: Optional[str] = None, at: float = None) -> UnlockedAdviser:
        """The adviser's private key, unwrapped in memory. The console always asks for a TOTP code;
        the command line (run on the server by the adviser themself) asks for the passphrase only."""
        unlocked, seed = self._unwrap(login, passphrase)
        if totp is not None and not totp_valid(seed, totp, at):
            raise LoginFailed()
        return unlocked

    def list(self) -> List[AdviserSummary]:
        with self._sessions() as session:
            rows = []
            for adviser in session.scalars(select(Adviser).order_by(Adviser.login)):
                locations = session.scalars(select(AdviserLocation.location)
                                            .where(AdviserLocation.adviser_id == adviser.id)).all()
                readable = len(session.scalars(
                    select(CaseKey.case_id).join(Case, Case.id == CaseKey.case_id)
                    .where(CaseKey.adviser_id == adviser.id, Case.status != CLOSED)).all())
                rows.append(AdviserSummary(adviser.login, adviser.display_name, bool(adviser.active),
                                           sorted(locations), readable, bool(adviser.may_report)))
            return rows

    def unreadable_open_cases(self, login: str) -> int:
        """Open cases at this adviser's locations that were sealed before they could read them."""
        with self._sessions() as session:
            adviser = self._get(session, login)
            locations = select(AdviserLocation.location).where(AdviserLocation.adviser_id == adviser.id)
            readable = select(CaseKey.case_id).where(CaseKey.adviser_id == adviser.id)
            return len(session.scalars(select(Case.id).where(
                Case.location.in_(locations), Case.status != CLOSED, Case.id.not_in(readable))).all())

    def grant(self, login: str, location: str, by: UnlockedAdviser) -> int:
        """Add a location to `login`, and re-seal to them the open cases there that `by` can read.

        Nobody else can: the server holds no key that opens a case. Returns the number re-sealed.
        """
        with self._sessions() as session, session.begin():
            adviser = self._get(session, login)
            if not adviser.active:
                raise UnknownAdviser(login)
            if session.get(AdviserLocation, (adviser.id, location)) is None:
                session.add(AdviserLocation(adviser_id=adviser.id, location=location))
            held = session.scalars(select(CaseKey).join(Case, Case.id == CaseKey.case_id).where(
                CaseKey.adviser_id == by.id, Case.location == location, Case.status != CLOSED)).all()
            count = 0
            for sealed in held:
                if session.get(CaseKey, (sealed.case_id, adviser.id)) is not None:
                    continue
                case_key = open_sealed(sealed.sealed_key, by.suite, by.private_key,
                                       case_key_binding(sealed.case_id, by.id))
                session.add(CaseKey(case_id=sealed.case_id, adviser_id=adviser.id, sealed_key=seal(
                    case_key, adviser.suite, adviser.public_key, case_key_binding(sealed.case_id, adviser.id))))
                count += 1
            session.add(AuditEvent(at=self._now(), adviser_id=by.id, action=f"granted:{adviser.id}"))
        return count

    def disable(self, login: str) -> None:
        """Refuse the login and delete every case key sealed to this adviser."""
        with self._sessions() as session, session.begin():
            adviser = self._get(session, login)
            adviser.active = 0
            session.execute(delete(CaseKey).where(CaseKey.adviser_id == adviser.id))
            session.add(AuditEvent(at=self._now(), adviser_id=adviser.id, action="adviser_disabled"))

    def rotate_key(self, login: str, passphrase: str, new_passphrase: Optional[str] = None) -> int:
        """A new key pair for the adviser; every case key they hold is re-sealed to it. Returns the count."""
        current, seed = self._unwrap(login, passphrase)
        keys = generate_keypair(DEFAULT_SUITE)
        with self._sessions() as session, session.begin():
            adviser = self._get(session, login)
            wrapped = wrap_secrets(login, new_passphrase or passphrase, keys.private, seed)
            held = session.scalars(select(CaseKey).where(CaseKey.adviser_id == adviser.id)).all()
            for sealed in held:
                bound = case_key_binding(sealed.case_id, adviser.id)
                case_key = open_sealed(sealed.sealed_key, current.suite, current.private_key, bound)
                sealed.sealed_key = seal(case_key, keys.suite, keys.public, bound)
            adviser.suite, adviser.public_key, adviser.kdf = keys.suite, keys.public, wrapped.kdf
            adviser.wrapped_private_key, adviser.wrapped_totp_seed = wrapped.private_key, wrapped.totp_seed
            adviser.key_created_at = self._now()
            session.add(AuditEvent(at=self._now(), adviser_id=adviser.id, action="key_rotated"))
            return len(held)

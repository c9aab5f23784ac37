"""The encrypted case queue: enqueue a report, add messages from either side, claim, close."""

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Tuple
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from contactpunt.labels import FLAG_NAMES
from handoff import case_code
from handoff.case_crypto import DEFAULT_SUITE, DecryptionError, binding, generate_keypair, open_sealed, seal
from handoff.models import CLAIMED, CLOSED, LIVE, NEW, URGENCY_ORDER, Adviser, AdviserLocation, AuditEvent, Case, \
    CaseItem, CaseKey, Registration
from handoff.working_days import add_working_days

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
FIRST_CONTACT_WORKING_DAYS = 5
REFERRALS = ("ivp", "evp", "cvb", "police", "veilig_thuis", "gp_psychologist", "none")
REPORTER, ADVISER = "reporter", "adviser"


class NoAdviser(Exception):
    """No active adviser can read cases for this location: the report cannot be taken in."""


class CaseNotFound(Exception):
    """No such case, or not one this adviser (or this code) may read."""


@dataclass(frozen=True)
class Report:
    """What the assistant hands over. Only location, urgency and type are stored in clear."""

    location: str
    urgency: str
    behaviour_type: Optional[str]
    content: Dict[str, Any]  # summary, transcript, flags, reasons, role, language, conversation id


@dataclass(frozen=True)
class UnlockedAdviser:
    """An adviser's private key in memory, for the length of a console session or a CLI command."""

    id: int
    login: str
    display_name: str
    suite: str
    private_key: bytes = field(repr=False)
    #: May see the periodic overview (granted with `contactpunt adviser reports LOGIN --allow`).
    may_report: bool = False


@dataclass(frozen=True)
class Message:
    seq: int
    at: datetime
    author: str
    text: str
    #: The assistant noticed immediate danger or suicidal thoughts in this message.
    acute: bool = False


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    adviser: Optional[str]
    case_id: Optional[str]
    action: str


@dataclass(frozen=True)
class CaseView:
    case: Case
    report: Dict[str, Any]
    messages: List[Message]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; everything stored is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def first_contact_due(created: datetime) -> datetime:
    return add_working_days(aware(created).astimezone(AMSTERDAM), FIRST_CONTACT_WORKING_DAYS).astimezone(timezone.utc)


def case_key_binding(case_id: str, adviser_id: int) -> bytes:
    return binding("case-key", case_id, str(adviser_id))


def _item_binding(case_id: str, item_id: str, seq: int, audience: str) -> bytes:
    return binding("item", case_id, item_id, str(seq), audience)


def _open_item(case: Case, item: CaseItem, key: bytes, audience: str) -> Dict[str, Any]:
    """One sealed item, opened for the case's readers ("case") or for the code holder ("reporter")."""
    sealed = item.sealed_for_case if audience == "case" else item.sealed_for_reporter
    return json.loads(open_sealed(sealed, case.suite, key, _item_binding(case.id, item.id, item.seq, audience)))


def _message(item: CaseItem, content: Dict[str, Any]) -> Message:
    return Message(item.seq, aware(item.created_at), content["author"], content["text"], bool(content.get("acute")))


def _dump(value: Dict[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


class CaseQueue:
    """All reads and writes of cases. Nothing here holds a key that opens a case by itself."""

    def __init__(self, sessions: sessionmaker, now=utcnow):
        self._sessions = sessions
        self._now = now

    # -- reporter side: needs no secret, or only the case code ------------------------------------

    def enqueue(self, report: Report) -> Tuple[str, str]:
        """Store the report sealed to every active adviser of its location; (case id, case code).

        Returns only after the commit: a reporter told "sent" has a case on disk.
        """
        if report.urgency not in URGENCY_ORDER:
            raise ValueError(f"unknown urgency {report.urgency!r}")
        with self._sessions() as session, session.begin():
            readers = session.scalars(
                select(Adviser).join(AdviserLocation, AdviserLocation.adviser_id == Adviser.id)
                .where(AdviserLocation.location == report.location, Adviser.active == 1)
            ).all()
            if not readers:
                raise NoAdviser(report.location)
            case_id, code, created = str(uuid.uuid4()), case_code.new_code(), self._now()
            case_keys = generate_keypair(DEFAULT_SUITE)
            session.add(Case(
                id=case_id, location=report.location, urgency=report.urgency,
                behaviour_type=report.behaviour_type, status=NEW, created_at=created,
                first_contact_due=first_contact_due(created), suite=case_keys.suite,
                case_public_key=case_keys.public,
                reporter_public_key=case_code.reporter_keypair(code, case_keys.suite).public,
                code_lookup=case_code.lookup_key(code),
            ))
            session.flush()
            for adviser in readers:
                session.add(CaseKey(case_id=case_id, adviser_id=adviser.id, sealed_key=seal(
                    case_keys.private, adviser.suite, adviser.public_key, case_key_binding(case_id, adviser.id))))
            self._add_item(session, session.get(Case, case_id), {"kind": "report", **report.content},
                           to_reporter=False)
            session.add(self._registration("handoff", report.location, report.behaviour_type, report.content))
        return case_id, code

    def add_reporter_message(self, case_id: str, text: str, acute: bool = False) -> None:
        """A message from the reporter: relayed live by the assistant, or sent with the case code."""
        def add(session: Session) -> None:
            case = session.get(Case, case_id)
            if case is None or case.status == CLOSED:
                raise CaseNotFound(case_id)
            self._add_message(session, case, REPORTER, text, acute)
        self._write_retrying(add)

    def case_for_code(self, code: str) -> str:
        with self._sessions() as session:
            case_id = session.scalar(select(Case.id).where(Case.code_lookup == case_code.lookup_key(code)))
        if case_id is None:
            raise CaseNotFound("code")
        return case_id

    def reporter_thread(self, code: str) -> Tuple[str, List[Message]]:
        """(status, messages) for a returning reporter; opened with the key derived from the code."""
        case_id = self.case_for_code(code)
        with self._sessions() as session:
            case = session.get(Case, case_id)
            private = case_code.reporter_keypair(code, case.suite).private
            items = session.scalars(select(CaseItem).where(CaseItem.case_id == case_id,
                                                           CaseItem.sealed_for_reporter.isnot(None))
                                    .order_by(CaseItem.seq)).all()
            messages = [_message(item, _open_item(case, item, private, "reporter")) for item in items]
            return case.status, messages

    def reporter_reply(self, code: str, text: str) -> None:
        self.add_reporter_message(self.case_for_code(code), text)

    # -- adviser side: needs an unlocked adviser key ----------------------------------------------

    def queue_for(self, adviser: UnlockedAdviser) -> List[Case]:
        """Open cases this adviser can read: most urgent first, then by deadline."""
        with self._sessions() as session:
            cases = session.scalars(select(Case).join(CaseKey, CaseKey.case_id == Case.id).where(
                CaseKey.adviser_id == adviser.id, Case.status != CLOSED)).all()
        return sorted(cases, key=lambda c: (URGENCY_ORDER.index(c.urgency), aware(c.first_contact_due)))

    def _case_private_key(self, session: Session, adviser: UnlockedAdviser, case_id: str) -> Tuple[Case, bytes]:
        case = session.get(Case, case_id)
        sealed = session.get(CaseKey, (case_id, adviser.id))
        if case is None or sealed is None:
            raise CaseNotFound(case_id)
        key = open_sealed(sealed.sealed_key, adviser.suite, adviser.private_key, case_key_binding(case_id, adviser.id))
        return case, key

    def open_case(self, adviser: UnlockedAdviser, case_id: str, audit: bool = True) -> CaseView:
        with self._sessions() as session, session.begin():
            case, key = self._case_private_key(session, adviser, case_id)
            items = session.scalars(select(CaseItem).where(CaseItem.case_id == case_id).order_by(CaseItem.seq)).all()
            report: Dict[str, Any] = {}
            messages = []
            for item in items:
                content = _open_item(case, item, key, "case")
                if content.get("kind") == "report":
                    report = content
                elif content.get("kind") == "message":
                    messages.append(_message(item, content))
                elif content.get("kind") == "referral":
                    report["referral"] = content["referral"]
            if audit:
                self._audit(session, adviser.id, case_id, "opened")
            return CaseView(case, report, messages)

    def claim(self, adviser: UnlockedAdviser, case_id: str) -> None:
        with self._sessions() as session, session.begin():
            case, _ = self._case_private_key(session, adviser, case_id)
            if case.status == CLOSED:
                raise CaseNotFound(case_id)
            case.claimed_by = adviser.id
            if case.status == NEW:
                case.status = CLAIMED
            self._audit(session, adviser.id, case_id, "claimed")

    def set_live(self, adviser: UnlockedAdviser, case_id: str, live: bool) -> None:
        with self._sessions() as session, session.begin():
            case, _ = self._case_private_key(session, adviser, case_id)
            if case.status != CLOSED:
                case.status = LIVE if live else CLAIMED
            self._audit(session, adviser.id, case_id, "live_started" if live else "live_ended")

    def reply(self, adviser: UnlockedAdviser, case_id: str, text: str) -> None:
        def add(session: Session) -> None:
            case, _ = self._case_private_key(session, adviser, case_id)
            if case.status == CLOSED:
                raise CaseNotFound(case_id)
            self._add_message(session, case, ADVISER, text)
            self._audit(session, adviser.id, case_id, "answered")
        self._write_retrying(add)

    def close(self, adviser: UnlockedAdviser, case_id: str, referral: str) -> None:
        if referral not in REFERRALS:
            raise ValueError(f"unknown referral {referral!r}")
        with self._sessions() as session, session.begin():
            case, key = self._case_private_key(session, adviser, case_id)
            if case.status == CLOSED:
                raise CaseNotFound(case_id)
            self._add_item(session, case, {"kind": "referral", "referral": referral}, to_reporter=False)
            first = session.scalar(select(CaseItem).where(CaseItem.case_id == case_id).order_by(CaseItem.seq))
            session.add(self._registration("close", case.location, case.behaviour_type,
                                           _open_item(case, first, key, "case"), referral))
            case.status, case.closed_at = CLOSED, self._now()
            self._audit(session, adviser.id, case_id, "closed")

    def audit_log(self, limit: int = 500) -> List[AuditEntry]:
        """Newest first, with the adviser's login (the log stores only their id)."""
        with self._sessions() as session:
            rows = session.execute(
                select(AuditEvent, Adviser.login).outerjoin(Adviser, Adviser.id == AuditEvent.adviser_id)
                .order_by(AuditEvent.id.desc()).limit(limit)).all()
        return [AuditEntry(aware(event.at), login, event.case_id, event.action) for event, login in rows]

    def record(self, adviser_id: Optional[int], action: str, case_id: Optional[str] = None) -> None:
        """An audit entry outside a case operation (login, logout, key changes)."""
        with self._sessions() as session, session.begin():
            self._audit(session, adviser_id, case_id, action)

    # -- internals ---------------------------------------------------------------------------------

    def _write_retrying(self, write, attempts: int = 5) -> None:
        """Run `write` in a transaction; if another writer took the same item number, run it again."""
        for attempt in range(attempts):
            try:
                with self._sessions() as session, session.begin():
                    write(session)
                return
            except IntegrityError:
                if attempt == attempts - 1:
                    raise

    def _audit(self, session: Session, adviser_id: Optional[int], case_id: Optional[str], action: str) -> None:
        session.add(AuditEvent(at=self._now(), adviser_id=adviser_id, case_id=case_id, action=action))

    def _registration(self, event: str, location: str, behaviour_type: Optional[str], content: Dict[str, Any],
                      referral: Optional[str] = None) -> Registration:
        """The anonymised row for the periodic report: no text, no id, only the month."""
        flags = content.get("flags") or {}
        minor = flags.get("minor")
        return Registration(
            id=str(uuid.uuid4()), event=event, month=self._now().astimezone(AMSTERDAM).strftime("%Y-%m"),
            location=location, behaviour_type=behaviour_type, role=content.get("role"),
            minor=None if minor is None else int(bool(minor)),
            flags=",".join(sorted(name for name in FLAG_NAMES if name != "minor" and flags.get(name) is True)),
            referral=referral,
        )

    def _add_message(self, session: Session, case: Case, author: str, text: str, acute: bool = False) -> None:
        content = {"kind": "message", "author": author, "text": text, **({"acute": True} if acute else {})}
        self._add_item(session, case, content, to_reporter=True)

    def _add_item(self, session: Session, case: Case, content: Dict[str, Any], to_reporter: bool) -> None:
        seq = (session.scalar(select(func.max(CaseItem.seq)).where(CaseItem.case_id == case.id)) or 0) + 1
        item_id = str(uuid.uuid4())
        plaintext = _dump(content)
        session.add(CaseItem(
            id=item_id, case_id=case.id, seq=seq, created_at=self._now(),
            sealed_for_case=seal(plaintext, case.suite, case.case_public_key,
                                 _item_binding(case.id, item_id, seq, "case")),
            sealed_for_reporter=seal(plaintext, case.suite, case.reporter_public_key,
                                     _item_binding(case.id, item_id, seq, "reporter")) if to_reporter else None,
        ))
        session.flush()


__all__ = ["CaseQueue", "Report", "UnlockedAdviser", "CaseView", "Message", "NoAdviser", "CaseNotFound",
           "DecryptionError", "REFERRALS", "CLAIMED", "LIVE", "NEW", "CLOSED"]

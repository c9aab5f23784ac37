"""The queue's tables: in clear only what routing needs; everything a reporter wrote is sealed."""

from sqlalchemy import Column, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import declarative_base

Base = declarative_base()

#: Case statuses, in the order a case moves through them.
NEW, CLAIMED, LIVE, CLOSED = "new", "claimed", "live", "closed"
#: Most urgent first; "" is an ordinary case.
URGENCY_ORDER = ("acute", "meldplicht", "meldcode", "")


class Adviser(Base):
    __tablename__ = "advisers"

    id = Column(Integer, primary_key=True)
    login = Column(String(64), nullable=False, unique=True)
    display_name = Column(String(128), nullable=False)
    active = Column(Integer, nullable=False, default=1)
    suite = Column(String(32), nullable=False)
    public_key = Column(LargeBinary, nullable=False)
    kdf = Column(Text, nullable=False)
    wrapped_private_key = Column(LargeBinary, nullable=False)
    wrapped_totp_seed = Column(LargeBinary, nullable=False)
    key_created_at = Column(DateTime(timezone=True), nullable=False)
    may_report = Column(Integer, nullable=False, default=0, server_default="0")


class AdviserLocation(Base):
    __tablename__ = "adviser_locations"

    adviser_id = Column(Integer, ForeignKey("advisers.id"), primary_key=True)
    location = Column(String(64), primary_key=True)


class Case(Base):
    __tablename__ = "cases"

    id = Column(String(36), primary_key=True)
    location = Column(String(64), nullable=False, index=True)
    urgency = Column(String(16), nullable=False, default="")
    behaviour_type = Column(String(32), nullable=True)
    status = Column(String(16), nullable=False, default=NEW)
    created_at = Column(DateTime(timezone=True), nullable=False)
    first_contact_due = Column(DateTime(timezone=True), nullable=False)
    closed_at = Column(DateTime(timezone=True), nullable=True)
    claimed_by = Column(Integer, ForeignKey("advisers.id"), nullable=True)
    suite = Column(String(32), nullable=False)
    #: Sealing to this key needs no secret: the bot adds the reporter's later messages with it.
    case_public_key = Column(LargeBinary, nullable=False)
    #: Derived from the case code: what is sealed to it opens for whoever has the code.
    reporter_public_key = Column(LargeBinary, nullable=False)
    code_lookup = Column(String(64), nullable=False, unique=True)


class CaseKey(Base):
    """The case's private key, sealed to one adviser's public key."""

    __tablename__ = "case_keys"

    case_id = Column(String(36), ForeignKey("cases.id"), primary_key=True)
    adviser_id = Column(Integer, ForeignKey("advisers.id"), primary_key=True)
    sealed_key = Column(LargeBinary, nullable=False)


class CaseItem(Base):
    """One sealed entry of a case: the report, or a message from either side, or the referral."""

    __tablename__ = "case_items"

    id = Column(String(36), primary_key=True)
    case_id = Column(String(36), ForeignKey("cases.id"), nullable=False, index=True)
    seq = Column(Integer, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False)
    sealed_for_case = Column(LargeBinary, nullable=False)
    #: Messages are sealed to the reporter too, so a returning reporter can read the thread.
    sealed_for_reporter = Column(LargeBinary, nullable=True)


class AuditEvent(Base):
    """Who did what to which case, never what was said. Rows cannot be changed or deleted (triggers)."""

    __tablename__ = "audit_events"

    id = Column(Integer, primary_key=True)
    at = Column(DateTime(timezone=True), nullable=False)
    adviser_id = Column(Integer, ForeignKey("advisers.id"), nullable=True)
    case_id = Column(String(36), nullable=True)
    action = Column(String(32), nullable=False)


class Registration(Base):
    """The anonymised registration the policy asks for: one row at handoff, one at close.

    No text, no ids of people or cases, no time finer than the month: nothing links a row to a case.
    """

    __tablename__ = "registrations"

    id = Column(String(36), primary_key=True)  # random, not a sequence: row order says nothing
    event = Column(String(16), nullable=False)  # "handoff" or "close"
    month = Column(String(7), nullable=False, index=True)  # YYYY-MM
    location = Column(String(64), nullable=False)
    behaviour_type = Column(String(32), nullable=True)
    role = Column(String(32), nullable=True)
    minor = Column(Integer, nullable=True)  # 1, 0, or NULL when unknown
    flags = Column(String(128), nullable=False, default="")  # sorted, comma-separated true flags
    referral = Column(String(32), nullable=True)

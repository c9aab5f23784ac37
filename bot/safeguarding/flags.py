"""The five safeguarding flags of a conversation, built up from each message's signals."""

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Callable, Dict, List, Optional, Set, Type, TypeVar

from contactpunt.labels import FLAG_NAMES

#: Key of a message's signals in Rasa's parse data (and so in the tracker's latest_message).
SIGNALS_KEY = "safeguarding"
#: What is answered before anything else, most urgent first. `possible_meldplicht` is meldplicht
#: with the age still unknown: a staff member hears the duty, a student is asked if they are under 18.
URGENT_FLAGS = ("acute", "meldplicht", "possible_meldplicht", "meldcode")

#: Slot listing the urgent flags already answered in this conversation (and `check:<name>` for a
#: check question already asked).
HANDLED_SLOT = "safeguarding_handled"
#: The check questions, asked when the model is unsure (domain.yml `utter_check_<name>`), and what a
#: "yes" to each one says; the reason records that the question raised it.
CHECKS: Dict[str, Dict[str, Any]] = {
    "suicidal": {"acute": True, "reasons": ["acute:suicidal:check_question"]},
    "danger": {"acute": True, "reasons": ["acute:danger_now:check_question"]},
    "staff": {"staff_perpetrator": True, "reasons": ["staff:check_question"]},
    "home": {"abuse": True, "reasons": ["abuse:check_question"]},
    "exploitation": {"exploitation": True, "reasons": ["exploitation:check_question"]},
}
#: Slot holding the check question the last message calls for (None when none).
CHECK_SLOT = "safeguarding_check"

_S = TypeVar("_S", bound="_Signals")


def pending_flags(get_slot: Callable[[str], Any]) -> List[str]:
    """Urgent flags that are true and not yet answered; works on Rasa's and the SDK's trackers."""
    handled = get_slot(HANDLED_SLOT) or []
    return [flag for flag in URGENT_FLAGS if get_slot(flag) is True and flag not in handled]


@dataclass
class _Signals:
    """What has been said: None means it does not decide. `reasons` are rule names, never text."""

    minor: Optional[bool] = None
    staff_perpetrator: Optional[bool] = None
    sexual: bool = False
    abuse: bool = False
    exploitation: bool = False
    acute: bool = False
    reporter_is_staff: bool = False
    reasons: List[str] = field(default_factory=list)

    def as_dict(self) -> Dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls: Type[_S], data: Optional[Dict[str, Any]]) -> _S:
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in (data or {}).items() if key in known})


@dataclass
class MessageSignals(_Signals):
    """What one message says; `check` names the check question its middle-band scores ask (CHECKS)."""

    hypothetical: bool = False
    check: Optional[str] = None


@dataclass
class ConversationFlags(_Signals):
    """The five DESIGN.md flags, from everything said so far."""

    @property
    def meldplicht(self) -> bool:
        return bool(self.minor and self.staff_perpetrator and self.sexual)

    @property
    def possible_meldplicht(self) -> bool:
        return bool(self.minor is None and self.staff_perpetrator and self.sexual)

    @property
    def meldcode(self) -> bool:
        """DESIGN.md: signs of domestic violence, child abuse or exploitation *of a minor*; unknown age counts."""
        return (self.abuse or self.exploitation) and self.minor is not False

    def public(self) -> Dict[str, Optional[bool]]:
        return {name: getattr(self, name) for name in FLAG_NAMES}


def _sticky(current: Optional[bool], new: Optional[bool]) -> Optional[bool]:
    """True, once said, stays (safety first); False only fills an unknown."""
    if current is True or new is None:
        return current
    if new is True:
        return True
    return current if current is not None else new


def combine(flags: ConversationFlags, signals: MessageSignals) -> ConversationFlags:
    reasons: Set[str] = set(flags.reasons)
    combined = ConversationFlags(
        minor=_sticky(flags.minor, signals.minor),
        staff_perpetrator=_sticky(flags.staff_perpetrator, signals.staff_perpetrator),
        sexual=flags.sexual or signals.sexual,
        abuse=flags.abuse or signals.abuse,
        exploitation=flags.exploitation or signals.exploitation,
        acute=flags.acute or signals.acute,
        reporter_is_staff=flags.reporter_is_staff or signals.reporter_is_staff,
        reasons=flags.reasons + [reason for reason in signals.reasons if reason not in reasons],
    )
    if combined.meldplicht and "meldplicht:minor+staff+sexual" not in combined.reasons:
        combined.reasons.append("meldplicht:minor+staff+sexual")
    if combined.meldcode and not any(r.startswith("meldcode:") for r in combined.reasons):
        combined.reasons.append("meldcode:" + ("abuse" if combined.abuse else "exploitation"))
    return combined


def answered_yes(check: str) -> MessageSignals:
    """What a "yes" to a check question says (CHECKS)."""
    if check not in CHECKS:
        raise ValueError(f"unknown check question {check!r}")
    return MessageSignals(**{**CHECKS[check], "reasons": list(CHECKS[check]["reasons"])})


def asked(check: str) -> str:
    """How HANDLED_SLOT records that a check question was asked."""
    return f"check:{check}"


def asked_check(get_slot: Callable[[str], Any]) -> Optional[str]:
    """The check question the reporter was just asked (and so is answering now), if any."""
    check = get_slot(CHECK_SLOT)
    return check if check and asked(check) in (get_slot(HANDLED_SLOT) or []) else None


def pending_check(get_slot: Callable[[str], Any]) -> Optional[str]:
    """The check question to ask now: set by the last message, not asked before, no flag waiting."""
    check = get_slot(CHECK_SLOT)
    if not check or asked_check(get_slot) or pending_flags(get_slot):
        return None
    return check

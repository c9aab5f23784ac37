"""Decides whom the texts are for: the reporter's role and whom it happened to, from what was said."""

from dataclasses import dataclass
from typing import Mapping, Optional

#: A person the reporter writes about implies who the reporter is (a parent, someone who works there).
ROLE_OF_PERSON = {"child": "ouder", "student": "medewerker"}
#: Whom it happened to decides the texts before the role does: a teacher writing about their own child
#: writes as a parent; anyone writing for a friend or colleague gets the texts for someone else.
AUDIENCE_OF_PERSON = {"child": "ouder", "student": "staff_told", "friend": "bystander", "colleague": "bystander"}


@dataclass(frozen=True)
class Reporter:
    """What the conversation says about who writes and about whom (slot values, never text)."""

    role: Optional[str] = None  # said in so many words ("ik ben docent", a role button)
    role_hint: Optional[str] = None  # implied by where or with whom it happened ("op mijn stage")
    person: Optional[str] = None  # whom it happened to, when not the reporter ("mijn zoon")

    @classmethod
    def from_slots(cls, slots: Mapping[str, Optional[str]]) -> "Reporter":
        return cls(slots.get("role"), slots.get("role_hint"), slots.get("person"))

    @property
    def likely_role(self) -> Optional[str]:
        """The role: said, else implied by the person written about, else by the setting."""
        return self.role or ROLE_OF_PERSON.get(self.person or "") or self.role_hint

    def audience(self, treat_as: Mapping[str, str], served: "frozenset[str]") -> Optional[str]:
        """The key of the texts for this reporter in a profile (a route set), or None when nothing said
        decides it and the role must be asked. `treat_as` maps roles the institution does not have to
        one it has; `served` are the roles it has texts for."""
        if self.person in AUDIENCE_OF_PERSON:
            return AUDIENCE_OF_PERSON[self.person]
        role = self.likely_role
        role = treat_as.get(role or "", role)
        return role if role in served else None

    @property
    def needs_confirmation(self) -> bool:
        """Inferred rather than said: the assistant says once what it understood, so it can be corrected."""
        return self.role is None

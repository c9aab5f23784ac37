"""Loads and validates an institution profile: the policy texts and contacts of one school, as YAML."""

import os
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional

import yaml
from pydantic import BaseModel, Extra, ValidationError, constr, root_validator, validator

from bot.audience import Reporter
from contactpunt.labels import BEHAVIOUR_TYPES, OTHER_AUDIENCES, PERSONS, ROLES

PROFILE_DIR = Path(__file__).parent / "profiles"
DEFAULT_PROFILE = "rocmn"
PROFILE_ENV = "CONTACTPUNT_PROFILE"


class ProfileError(ValueError):
    """A profile is missing or does not match the schema; the message says where and why."""


class _Strict(BaseModel):
    class Config:
        extra = Extra.forbid
        allow_mutation = False


class Text(_Strict):
    """One text in Dutch and English."""

    nl: constr(strip_whitespace=True, min_length=1)
    en: constr(strip_whitespace=True, min_length=1)

    def get(self, language: Optional[str]) -> str:
        return self.en if language == "en" else self.nl


class Behaviour(_Strict):
    name: Text
    definition: Text  # to the person it happened to
    definition_other: Text  # about someone else (a parent, a friend, a teacher writes): neither "je" nor "u"
    source: constr(min_length=1)
    note: Optional[Text] = None


class RoleRoutes(_Strict):
    overview: Text
    informal: Text
    contacts: Text
    complaint: Text
    source: constr(min_length=1)


class ConfidentialityTexts(_Strict):
    """What stays confidential, told to one audience: about this chat, in general, and for minors."""

    chat: Text
    general: Text
    minors: Text


class AudienceConfidentiality(ConfidentialityTexts):
    """The same, to someone who writes about another person, with the policy it comes from."""

    source: constr(min_length=1)


class Confidentiality(ConfidentialityTexts):
    """The texts for the person it happened to, and `audiences` for those who write about someone else."""

    audiences: Dict[str, AudienceConfidentiality]
    source: constr(min_length=1)


class RoleName(_Strict):
    name: Text  # "Je schrijft als {name}"
    button: Text  # the answer button when the role is asked


class Safeguarding(_Strict):
    """What this institution's procedures say when the law takes the decision out of the reporter's hands."""

    meldplicht: Text  # to a student or parent: the school must report to the CvB at once
    meldplicht_staff: Text  # to an employee who was told something: their own duty
    adviser_procedure: Text  # to the adviser who receives such a case (shown in the console)
    meldcode: Text  # what the institution's meldcode means for the reporter
    source: constr(min_length=1)


class Profile(_Strict):
    id: constr(regex=r"^[a-z0-9_]+$")
    name: constr(min_length=1)
    source_document: constr(min_length=1)
    quick_exit_url: constr(regex=r"^https://")
    default_role: str
    roles: Dict[str, RoleName]
    treat_as: Dict[str, str] = {}
    adviser_title: Text
    behaviours: Dict[str, Behaviour]
    routes: Dict[str, RoleRoutes]
    first_conversation: Text
    first_conversation_formal: Text  # the same to a parent, with "u"
    confidentiality: Confidentiality
    safeguarding: Safeguarding
    direct_contact: Text

    @validator("behaviours")
    def _all_behaviour_types(cls, value: Dict[str, Behaviour]) -> Dict[str, Behaviour]:
        missing = set(BEHAVIOUR_TYPES) - set(value)
        unknown = set(value) - set(BEHAVIOUR_TYPES)
        if missing or unknown:
            raise ValueError(
                f"must describe exactly the behaviour types {', '.join(BEHAVIOUR_TYPES)}"
                f" (missing: {sorted(missing) or '-'}, unknown: {sorted(unknown) or '-'})"
            )
        return value

    @validator("roles")
    def _roles_are_known(cls, value: Dict[str, RoleName]) -> Dict[str, RoleName]:
        unknown = set(value) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown roles {sorted(unknown)}; allowed: {', '.join(ROLES)}")
        return value

    @validator("treat_as")
    def _every_role_is_served(cls, value: Dict[str, str], values: Dict) -> Dict[str, str]:
        roles = set(values.get("roles") or {})
        for role, instead in value.items():
            if role not in ROLES or instead not in roles:
                raise ValueError(f"'{role}: {instead}' must map a known role to one under roles ({', '.join(roles)})")
        missing = set(ROLES) - roles - set(value)
        if missing:
            raise ValueError(f"roles {sorted(missing)} are neither under roles nor under treat_as")
        return value

    @validator("routes")
    def _known_routes(cls, value: Dict[str, RoleRoutes]) -> Dict[str, RoleRoutes]:
        unknown = set(value) - set(ROLES) - set(OTHER_AUDIENCES)
        if unknown:
            raise ValueError(f"unknown route sets {sorted(unknown)}; allowed: {', '.join(ROLES + OTHER_AUDIENCES)}")
        return value

    @validator("default_role")
    def _default_role_is_a_role(cls, value: str, values: Dict) -> str:
        if "roles" in values and value not in values["roles"]:
            raise ValueError(f"'{value}' is not under roles")
        return value

    @root_validator(skip_on_failure=True)
    def _texts_for_everyone(cls, values: Dict) -> Dict:
        """Every role writing about every person gets routes and confidentiality texts in both languages."""
        served = frozenset(values["routes"])
        for role in ROLES:
            for person in PERSONS:
                audience = Reporter(role=role, person=person).audience(values["treat_as"], served)
                if audience is None or audience not in values["routes"]:
                    wanted = audience or values["treat_as"].get(role, role)
                    raise ValueError(f"routes -> {wanted}: missing, needed for a {role} writing about {person}")
                if _is_about_someone_else(audience) and audience not in values["confidentiality"].audiences:
                    raise ValueError(f"confidentiality -> audiences -> {audience}: missing, needed for a {role}"
                                     f" writing about {person}")
        return values

    def audience(self, reporter: Reporter) -> Optional[str]:
        """Whose texts this reporter gets (a key of routes), or None when the role must be asked."""
        return reporter.audience(self.treat_as, frozenset(self.routes))

    def confidentiality_for(self, audience: Optional[str]) -> ConfidentialityTexts:
        if _is_about_someone_else(audience):
            return self.confidentiality.audiences[audience]
        return self.confidentiality

    def definition(self, behaviour: str, audience: Optional[str]) -> Text:
        described = self.behaviours[behaviour]
        return described.definition_other if _is_about_someone_else(audience) else described.definition

    def first_conversation_for(self, audience: Optional[str]) -> Text:
        return self.first_conversation_formal if audience == "ouder" else self.first_conversation

    def role_name(self, role: str) -> Text:
        return self.roles[self.treat_as.get(role, role)].name


def _is_about_someone_else(audience: Optional[str]) -> bool:
    """A parent about their child, a staff member a student told, a friend or colleague: not the one it happened to."""
    return audience in ("ouder",) + OTHER_AUDIENCES


def _profile_path(name: str) -> Path:
    candidate = Path(name)
    if candidate.suffix in (".yml", ".yaml"):
        return candidate
    return PROFILE_DIR / f"{name}.yml"


def load_profile(name: str) -> Profile:
    """Load a profile by id (a file in bot/profiles/) or by path to a YAML file."""
    path = _profile_path(name)
    if not path.is_file():
        available = ", ".join(profile_names())
        raise ProfileError(f"Institution profile '{name}' not found ({path}). Available: {available}.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ProfileError(f"Institution profile {path} is not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise ProfileError(f"Institution profile {path} must be a mapping of keys to values.")
    try:
        return Profile(**data)
    except ValidationError as error:
        problems = "; ".join(
            f"{' -> '.join(str(part) for part in item['loc'])}: {item['msg']}" for item in error.errors()
        )
        raise ProfileError(f"Institution profile {path} is invalid: {problems}") from None


def profile_names() -> List[str]:
    """The ids of the institution profiles that ship with the assistant."""
    return sorted(p.stem for p in PROFILE_DIR.glob("*.yml"))


@lru_cache(maxsize=None)
def active_profile() -> Profile:
    """The profile chosen by configuration (CONTACTPUNT_PROFILE), ROC Midden Nederland by default."""
    return load_profile(os.environ.get(PROFILE_ENV, DEFAULT_PROFILE))

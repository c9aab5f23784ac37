"""Loads and validates an institution profile: the policy texts and contacts of one school, as YAML."""

import os
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional

import yaml
from pydantic import BaseModel, Extra, ValidationError, constr, validator

from bot.labels import BEHAVIOUR_TYPES, ROLES

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
    definition: Text
    source: constr(min_length=1)
    note: Optional[Text] = None


class RoleRoutes(_Strict):
    overview: Text
    informal: Text
    contacts: Text
    complaint: Text
    source: constr(min_length=1)


class Confidentiality(_Strict):
    general: Text
    minors: Text
    chat: Text
    source: constr(min_length=1)


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
    adviser_title: Text
    behaviours: Dict[str, Behaviour]
    routes: Dict[str, RoleRoutes]
    first_conversation: Text
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

    @validator("routes")
    def _known_roles(cls, value: Dict[str, RoleRoutes]) -> Dict[str, RoleRoutes]:
        unknown = set(value) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown roles {sorted(unknown)}; allowed: {', '.join(ROLES)}")
        return value

    @validator("default_role")
    def _default_role_has_routes(cls, value: str, values: Dict) -> str:
        if "routes" in values and value not in values["routes"]:
            raise ValueError(f"'{value}' has no entry under routes")
        return value

    def routes_for(self, role: Optional[str]) -> RoleRoutes:
        """Routes for a reporter role; roles this institution does not distinguish get the default."""
        return self.routes.get(role or "", self.routes[self.default_role])


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

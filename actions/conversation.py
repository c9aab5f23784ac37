"""Small helpers the actions share: the reply language and the active institution profile."""

from typing import Optional

from rasa_sdk import Tracker

from bot.institution_profile import Profile, active_profile
from bot.labels import DEFAULT_LANGUAGE


def reply_language(tracker: Tracker) -> str:
    return tracker.get_slot("language") or DEFAULT_LANGUAGE


def profile() -> Profile:
    return active_profile()


def reporter_role(tracker: Tracker) -> Optional[str]:
    return tracker.get_slot("role")

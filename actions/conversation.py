"""Small helpers the actions share: the reply language, the active profile, and who the reporter is."""

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker

from bot.audience import Reporter
from bot.institution_profile import Profile, active_profile
from contactpunt.labels import DEFAULT_LANGUAGE

#: The slots that hold who writes and about whom (filled from the entities of the same names).
REPORTER_SLOTS = ("role", "role_hint", "person")


def reply_language(tracker: Tracker) -> str:
    return tracker.get_slot("language") or DEFAULT_LANGUAGE


def profile() -> Profile:
    return active_profile()


def reporter(tracker: Tracker) -> Reporter:
    """What the conversation so far says about who writes and about whom, the latest message included
    (slot mappings from its entities are applied only after custom mappings ran)."""
    values: Dict[str, Any] = {name: tracker.get_slot(name) for name in REPORTER_SLOTS}
    entities: List[Dict[str, Any]] = tracker.latest_message.get("entities") or []
    for entity in entities:
        if entity.get("entity") in REPORTER_SLOTS and isinstance(entity.get("value"), str):
            values[entity["entity"]] = entity["value"]
    return Reporter.from_slots(values)


def audience(tracker: Tracker) -> Optional[str]:
    """Whose texts this reporter gets (a route set of the profile), or None: the role must be asked."""
    return profile().audience(reporter(tracker))


def reporter_role(tracker: Tracker) -> Optional[str]:
    """The role said, or implied by what was said (for the texts and the anonymous statistics)."""
    return reporter(tracker).likely_role

"""Keeps whose texts the reporter gets, says once what was understood, and asks the role only when needed."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import REPORTER_SLOTS, audience, profile, reply_language, reporter

CONFIRMED_SLOT = "audience_confirmed"


def audience_events(tracker: Tracker) -> List[Dict[Text, Any]]:
    """After every user message (actions/after_message.py): the audience, and whether to say "u"."""
    current = audience(tracker)
    events = []
    if tracker.get_slot("audience") != current:
        events.append(SlotSet("audience", current))
    formal = current == "ouder"
    if tracker.get_slot("formal") is not formal:
        events.append(SlotSet("formal", formal))
    return events


def ask_role(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """The open question, with this institution's roles as buttons."""
    language = reply_language(tracker)
    buttons = [
        {"title": role.button.get(language), "payload": f'/inform_role{{"role": "{role_id}"}}'}
        for role_id, role in profile().roles.items()
    ]
    dispatcher.utter_message(response="utter_ask_role", buttons=buttons)


#: The line that says what was understood, for those who write about someone else (domain.yml).
UNDERSTOOD = {
    "ouder": "utter_audience_understood_parent",
    "staff_told": "utter_audience_understood_staff_told",
    "bystander": "utter_audience_understood_bystander",
}


def say_what_was_understood(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]]:
    """Once, when who writes was inferred rather than said: one line, and a button to correct it."""
    who = reporter(tracker)
    if not who.needs_confirmation or tracker.get_slot(CONFIRMED_SLOT):
        return []
    reader = audience(tracker)
    if reader in UNDERSTOOD:
        dispatcher.utter_message(response=UNDERSTOOD[reader])
    else:
        role_name = profile().role_name(who.likely_role).get(reply_language(tracker))
        dispatcher.utter_message(response="utter_audience_understood", role_name=role_name)
    return [SlotSet(CONFIRMED_SLOT, True)]


class ActionCorrectRole(Action):
    """"That's not right": forget what was inferred about who writes, and ask."""

    def name(self) -> Text:
        return "action_correct_role"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        ask_role(dispatcher, tracker)
        forget = [SlotSet(name, None) for name in REPORTER_SLOTS + ("audience", CONFIRMED_SLOT)]
        return forget + [SlotSet("formal", False)]

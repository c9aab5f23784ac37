"""Collects consent and a short summary for a human contact and passes them to the handoff seam."""

import logging
from typing import Any, Dict, List, Text, Tuple

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.conversation import profile, reply_language, reporter_role
from bot.safeguarding.flags import SIGNALS_KEY, URGENT_FLAGS
from contactpunt.labels import FLAG_NAMES
from handoff.request import HandoffRequest, configured_sink

WEB_CHANNEL = "socketio"
logger = logging.getLogger(__name__)


class ValidateHumanHandoffForm(FormValidationAction):
    """Without consent the form stops after the consent question; nothing else is asked."""

    def name(self) -> Text:
        return "validate_human_handoff_form"

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        if tracker.get_slot("handoff_consent") is False:
            return ["handoff_consent"]
        return domain_slots


def transcript(tracker: Tracker) -> Tuple[Tuple[str, str], ...]:
    """What the reporter and the assistant said, in order (button payloads left out)."""
    lines = []
    for event in tracker.events:
        text = event.get("text")
        if not text or text.startswith("/"):
            continue
        if event.get("event") == "user":
            lines.append(("reporter", text))
        elif event.get("event") == "bot":
            lines.append(("assistant", text))
    return tuple(lines)


def flag_reasons(tracker: Tracker) -> Tuple[str, ...]:
    """The names of the safeguarding rules that fired in this conversation (no text)."""
    reasons = []
    for event in tracker.events:
        if event.get("event") == "user":
            for reason in (event.get("parse_data") or {}).get(SIGNALS_KEY, {}).get("reasons", []):
                if reason not in reasons:
                    reasons.append(reason)
    return tuple(reasons)


class ActionSubmitHandoff(Action):
    def name(self) -> Text:
        return "action_submit_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        reset = [SlotSet("handoff_consent", None), SlotSet("handoff_summary", None)]
        if not tracker.get_slot("handoff_consent"):
            dispatcher.utter_message(response="utter_handoff_declined")
            return reset
        language = reply_language(tracker)
        institution = profile()
        urgent = tuple(flag for flag in URGENT_FLAGS if tracker.get_slot(flag) is True)
        duty = "meldplicht" in urgent or "possible_meldplicht" in urgent
        request = HandoffRequest(
            conversation_id=tracker.sender_id,
            institution=institution.id,
            language=language,
            behaviour_type=tracker.get_slot("behaviour_type"),
            role=reporter_role(tracker),
            summary=tracker.get_slot("handoff_summary") or "",
            urgent=urgent,
            adviser_procedure=institution.safeguarding.adviser_procedure.nl if duty else None,
            transcript=transcript(tracker),
            flags={flag: tracker.get_slot(flag) for flag in FLAG_NAMES},
            reasons=flag_reasons(tracker),
        )
        try:
            sink = configured_sink()
            submitted = sink.submit(request) if sink else None
        except Exception as error:  # the reporter must hear the truth, never a stack trace
            logger.error("Handoff failed (%s); reporter told to contact a person directly.", type(error).__name__)
            submitted = None
        if submitted is None:
            dispatcher.utter_message(response="utter_handoff_not_connected")
            dispatcher.utter_message(text=institution.direct_contact.get(language))
            return reset
        dispatcher.utter_message(response="utter_handoff_sent", case_code=submitted.case_code)
        if tracker.get_latest_input_channel() == WEB_CHANNEL:
            # The web widget shows the code on a screen of its own (copy, keep on this device).
            # Rasa's socket.io channel emits a custom message's `data` as the message.
            dispatcher.utter_message(json_message={"data": {"case_code": submitted.case_code}})
        return reset + [SlotSet("case_id", submitted.case_id)]

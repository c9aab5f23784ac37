"""Dialogue policy: when acute danger, meldplicht or meldcode is newly noticed, that answer comes first."""

from typing import Any, Dict, Optional, Text

from rasa.core.policies.policy import PolicyPrediction, confidence_scores_for
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from bot.policies.fixed_rule import FixedRulePolicy
from bot.safeguarding.flags import pending_flags

RESPONSE_ACTION = "action_respond_safeguarding"
AFTER_HANDOFF = "action_submit_handoff"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class SafeguardingFirstPolicy(FixedRulePolicy):
    """Outranks every other policy (priority 7 > RulePolicy's 6) for exactly one turn per new flag.

    After the safeguarding answer it ends the turn (the answer offers a person and asks a question),
    so no ordinary question is ever asked before it. While the handoff form collects a summary it
    waits until the form has submitted (in the same turn), so the reporter's next words are not
    taken for the summary; the case then carries the flag as urgent.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"priority": 7}

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[Text, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        latest = tracker.latest_action_name
        at_turn_start = latest == ACTION_LISTEN_NAME and tracker.active_loop_name is None
        if (at_turn_start or latest == AFTER_HANDOFF) and pending_flags(tracker.get_slot):
            return self._prediction(confidence_scores_for(RESPONSE_ACTION, 1.0, domain))
        if latest == RESPONSE_ACTION:
            return self._prediction(confidence_scores_for(ACTION_LISTEN_NAME, 1.0, domain))
        return self._prediction(self._default_predictions(domain))

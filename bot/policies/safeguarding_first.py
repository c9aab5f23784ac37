"""Dialogue policy: a newly noticed flag is answered first; when the model is unsure, a check question is."""

from typing import Any, Dict, Optional, Text

from rasa.core.policies.policy import PolicyPrediction, confidence_scores_for
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from bot.policies.fixed_rule import FixedRulePolicy
from bot.safeguarding.flags import pending_check, pending_flags

RESPONSE_ACTION = "action_respond_safeguarding"
CHECK_ACTION = "action_ask_safeguarding_check"
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

    When no flag is raised but the safeguarding model's score sits in the middle band, the turn
    opens with one check question instead (action_ask_safeguarding_check) and then listens; the
    answer is read by action_update_safeguarding, so a "yes" makes a flag that this policy answers.
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
        if at_turn_start and pending_check(tracker.get_slot):
            return self._prediction(confidence_scores_for(CHECK_ACTION, 1.0, domain))
        if latest in (RESPONSE_ACTION, CHECK_ACTION):
            return self._prediction(confidence_scores_for(ACTION_LISTEN_NAME, 1.0, domain))
        return self._prediction(self._default_predictions(domain))

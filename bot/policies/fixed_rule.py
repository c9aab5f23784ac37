"""Base for policies that follow a fixed rule: nothing to train, a fixed priority."""

from typing import Any, List

from rasa.core.policies.policy import Policy
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates


class FixedRulePolicy(Policy):
    """Subclasses set their priority in get_default_config and decide in predict_action_probabilities."""

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        with self._model_storage.write_to(self._resource):
            pass  # nothing to learn: the behaviour is the subclass's rule
        return self._resource

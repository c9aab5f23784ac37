"""Rasa NLU component: a learned multi-label model of the safeguarding signals, beside the rules."""

import logging
from typing import Any, Dict, List, Optional, Text, Tuple

import joblib
import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.nlu.constants import INTENT, METADATA, METADATA_EXAMPLE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, hstack, vstack
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

from contactpunt.labels import BEHAVIOUR_TYPES, MODEL_LABELS, SAFEGUARDING_ACTORS, SAFEGUARDING_SIGNALS

logger = logging.getLogger(__name__)

MODEL_FILE = "safeguarding_model.joblib"
#: Where a message's scores go in Rasa's parse data: {label: probability}, read by SafeguardingSignals.
SCORES_KEY = "safeguarding_scores"


def labels_of(message: Message) -> Optional[List[str]]:
    """The model labels an example was written with, or None when it carries no safeguarding labels.

    Training data states them per example (`metadata: {signals: [...], actor: ...}` in data/nlu/).
    An example without that metadata counts as a message with no signals when its intent is not a
    behaviour (greetings, questions, off-topic); a behaviour example without it was never judged for
    this model and is left out.
    """
    example = (message.get(METADATA) or {}).get(METADATA_EXAMPLE) or {}
    if "signals" not in example:
        return None if message.get(INTENT) in BEHAVIOUR_TYPES else []
    signals = [signal for signal in example["signals"] or [] if signal in SAFEGUARDING_SIGNALS]
    actor = example.get("actor")
    return signals + ([f"actor_{actor}"] if actor in SAFEGUARDING_ACTORS else [])


def feature_matrix(messages: List[Message]) -> csr_matrix:
    """One row per message: every sparse sentence feature, then every dense one (as the intent classifier)."""
    rows = []
    for message in messages:
        sparse = message.get_sparse_features(attribute=TEXT)[1]
        dense = message.get_dense_features(attribute=TEXT)[1]
        rows.append(hstack([csr_matrix(sparse.features if sparse else []), csr_matrix(dense.features if dense else [])]))
    return vstack(rows).tocsr()


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class SafeguardingModel(GraphComponent):
    """One logistic regression per label over the pipeline's sentence features.

    Unweighted: balanced class weights ranked no better on the development sets and raised
    suicidal scores for ordinary bullying (4.5 % of such messages above the act threshold, 2.7 %
    unweighted); the thresholds are chosen on the development sets either way.

    Labels: the five signals (danger_now, suicidal, sexual, home_violence, exploitation) and who
    does it (actor_staff, actor_peer, actor_company, actor_family, actor_stranger). It only scores;
    SafeguardingSignals decides, with the rules, what is raised, asked or left.
    """

    @classmethod
    def required_components(cls) -> List[type]:
        return [Featurizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"C": 1.0, "max_iter": 2000}

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        models: Optional[Dict[str, LogisticRegression]] = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._models: Dict[str, LogisticRegression] = models or {}
        self._stack()

    def _stack(self) -> None:
        """All labels' weights in one column-major matrix: one product per message instead of ten."""
        self._labels = list(self._models)
        if self._labels:
            self._weights = np.asfortranarray(np.vstack([self._models[label].coef_ for label in self._labels])).T
            self._bias = np.array([self._models[label].intercept_[0] for label in self._labels])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SafeguardingModel":
        return cls(config, model_storage, resource)

    def _labelled(self, training_data: TrainingData) -> Tuple[List[Message], List[List[str]]]:
        examples, labels = [], []
        for message in training_data.training_examples:
            found = labels_of(message) if message.get(TEXT) else None
            if found is not None:
                examples.append(message)
                labels.append(found)
        return examples, labels

    def train(self, training_data: TrainingData) -> Resource:
        examples, labels = self._labelled(training_data)
        if not examples:
            logger.warning("SafeguardingModel: no example carries safeguarding labels; the model stays empty.")
            return self._resource
        X = feature_matrix(examples)
        for label in MODEL_LABELS:
            y = np.array([label in found for found in labels], dtype=int)
            if y.min() == y.max():
                logger.warning("SafeguardingModel: label %s has only one class in the data; not learned.", label)
                continue
            model = LogisticRegression(C=self._config["C"], max_iter=self._config["max_iter"], solver="liblinear")
            self._models[label] = model.fit(X, y)
        self._stack()
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(self._models, directory / MODEL_FILE)
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "SafeguardingModel":
        try:
            with model_storage.read_from(resource) as directory:
                models = joblib.load(directory / MODEL_FILE)
        except (ValueError, FileNotFoundError):
            models = {}
        return cls(config, model_storage, resource, models)

    def process(self, messages: List[Message]) -> List[Message]:
        with_text = [message for message in messages if message.get(TEXT)]
        if not with_text or not self._models:
            return messages
        # The binary logistic regressions' predict_proba, for all labels at once.
        probabilities = expit(feature_matrix(with_text) @ self._weights + self._bias)
        for row, message in zip(probabilities, with_text):
            message.set(SCORES_KEY, {label: round(float(p), 4) for label, p in zip(self._labels, row)},
                        add_to_output=True)
        return messages

"""Rasa NLU component: adds each message's safeguarding signals (flags and rule names, no text)."""

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from contactpunt.labels import MODEL_LABELS
from bot.nlu.safeguarding_model import SCORES_KEY
from bot.safeguarding.detector import ModelThresholds, analyse
from bot.safeguarding.flags import SIGNALS_KEY


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class SafeguardingSignals(GraphComponent):
    """Runs the pattern rules and combines them with the intent and the safeguarding model's scores.

    Place it after the intent classifier and SafeguardingModel. Config: `act` and `ask`, a threshold
    per model label, `staff_gate` and `rule_gate` (see ModelThresholds).
    """

    def __init__(self, thresholds: ModelThresholds) -> None:
        self._thresholds = thresholds

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        defaults = ModelThresholds()
        return {"act": dict(defaults.act), "ask": dict(defaults.ask), "staff_gate": dict(defaults.staff_gate),
                "rule_gate": dict(defaults.rule_gate)}

    @classmethod
    def thresholds(cls, config: Dict[Text, Any]) -> ModelThresholds:
        """The configured thresholds over the defaults; a clear error for an unknown label or ask > act."""
        defaults = cls.get_default_config()
        bands = {band: {**defaults[band], **(config.get(band) or {})} for band in ("act", "ask")}
        for band, values in bands.items():
            unknown = set(values) - set(MODEL_LABELS)
            if unknown:
                raise ValueError(f"SafeguardingSignals: unknown labels in {band}: {sorted(unknown)}")
        for label in MODEL_LABELS:
            act, ask = bands["act"][label], bands["ask"][label]
            if not 0.0 < ask <= act:
                raise ValueError(f"SafeguardingSignals: need 0 < ask <= act for {label} (ask {ask}, act {act})")
        return ModelThresholds(act=bands["act"], ask=bands["ask"], staff_gate=cls._gate(config, defaults, "staff_gate"),
                               rule_gate=cls._gate(config, defaults, "rule_gate"))

    @staticmethod
    def _gate(config: Dict[Text, Any], defaults: Dict[Text, Any], name: Text) -> Dict[Text, float]:
        """A gate's configured values over its defaults: only the default's keys, each in [0, 1)."""
        gate = {**defaults[name], **(config.get(name) or {})}
        if set(gate) != set(defaults[name]) or not all(0.0 <= value < 1.0 for value in gate.values()):
            raise ValueError(f"SafeguardingSignals: {name} takes {', '.join(defaults[name])} in [0, 1) (got {gate})")
        return gate

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        cls.thresholds(config)

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SafeguardingSignals":
        return cls(cls.thresholds(config))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            intent = message.get(INTENT) or {}
            signals = analyse(
                text, intent.get("name"), float(intent.get("confidence") or 0.0), message.get(SCORES_KEY),
                self._thresholds,
            )
            message.set(SIGNALS_KEY, signals.as_dict(), add_to_output=True)
        return messages

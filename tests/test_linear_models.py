"""The fast layouts of the intent classifier and the safeguarding model give the scores sklearn gives."""

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix

from contactpunt.labels import MODEL_LABELS
from bot.nlu.intent_classifier import LinearIntentClassifier
from bot.nlu.safeguarding_model import SCORES_KEY, SafeguardingModel, feature_matrix

RNG = np.random.default_rng(7)
INTENTS = ["pesten", "stalking", "ask_routes"]


def message(index: int, with_labels: bool = True) -> Message:
    intent = INTENTS[index % 3]
    data = {TEXT: f"bericht {index}", INTENT: intent}
    if with_labels:
        signals = ["danger_now"] if index % 2 else ["suicidal"]
        data["metadata"] = {"example": {"signals": signals, "actor": ["staff", "peer", "family"][index % 3]}}
    msg = Message(data=data)
    shift = np.eye(3)[index % 3]
    msg.add_features(Features(csr_matrix(np.hstack([shift, RNG.random(5)]).reshape(1, -1)), FEATURE_TYPE_SENTENCE, TEXT, "sparse"))
    msg.add_features(Features(np.hstack([shift, RNG.random(4)]).reshape(1, -1), FEATURE_TYPE_SENTENCE, TEXT, "dense"))
    return msg


@pytest.fixture
def storage(tmp_path):
    return LocalModelStorage(tmp_path)


def context():
    return ExecutionContext(GraphSchema({}), "test")


def test_the_safeguarding_model_scores_as_each_labels_regression_and_survives_loading(storage):
    training = [message(i) for i in range(60)]
    resource = Resource("safeguarding")
    model = SafeguardingModel.create({}, storage, resource, context())
    model.train(TrainingData(training_examples=training))
    unseen = [message(i, with_labels=False) for i in range(100, 110)]
    X = feature_matrix(unseen)
    loaded = SafeguardingModel.load({}, storage, resource, context())
    loaded.process(unseen)
    learned = [label for label in MODEL_LABELS if label in model._models]
    assert {"danger_now", "suicidal", "actor_staff", "actor_peer"} <= set(learned)
    for row, msg in enumerate(unseen):
        for label in learned:
            expected = model._models[label].predict_proba(X[row])[0, 1]
            assert msg.get(SCORES_KEY)[label] == pytest.approx(expected, abs=1e-4)


def test_the_intent_classifier_ranks_as_sklearn_does_after_loading(storage):
    resource = Resource("intents")
    classifier = LinearIntentClassifier.create(LinearIntentClassifier.get_default_config(), storage, resource, context())
    classifier.train(TrainingData(training_examples=[message(i) for i in range(60)]))
    loaded = LinearIntentClassifier.load(LinearIntentClassifier.get_default_config(), storage, resource, context())
    assert loaded.clf.coef_.flags["F_CONTIGUOUS"]
    unseen = [message(i, with_labels=False) for i in range(200, 206)]
    for msg in unseen:
        msg.data.pop(INTENT)
    loaded.process(unseen)
    expected = loaded.clf.predict_proba(np.ascontiguousarray(feature_matrix(unseen).toarray()))
    for row, msg in enumerate(unseen):
        ranking = {item["name"]: item["confidence"] for item in msg.get("intent_ranking")}
        assert ranking == pytest.approx(dict(zip(loaded.clf.classes_, expected[row])))
        assert msg.get(INTENT)["name"] == INTENTS[(200 + row) % 3]


def test_regularisation_and_class_weights_come_from_the_config(storage):
    config = {**LinearIntentClassifier.get_default_config(), "C": 8.0, "class_weight": None}
    classifier = LinearIntentClassifier.create(config, storage, Resource("intents"), context())
    assert classifier.clf.C == 8.0 and classifier.clf.class_weight is None
    default = LinearIntentClassifier.create(LinearIntentClassifier.get_default_config(), storage, Resource("i2"), context())
    assert default.clf.C == 1.0 and default.clf.class_weight == "balanced"


def test_the_non_report_weight_scales_questions_down_and_renormalises(storage):
    training = TrainingData(training_examples=[message(i) for i in range(60)])
    plain = LinearIntentClassifier.create(LinearIntentClassifier.get_default_config(), storage, Resource("a"), context())
    plain.train(training)
    config = {**LinearIntentClassifier.get_default_config(), "non_report_weight": 0.5}
    weighted = LinearIntentClassifier.create(config, storage, Resource("b"), context())
    weighted.train(training)
    unseen = [message(i, with_labels=False) for i in range(300, 306)]
    for msg in unseen:
        msg.data.pop(INTENT)
    X = feature_matrix(unseen)
    p, q = plain.clf.predict_proba(X), weighted.clf.predict_proba(X)
    expected = p * np.where(plain.clf.classes_ == "ask_routes", 0.5, 1.0)
    assert q == pytest.approx(expected / expected.sum(axis=1, keepdims=True))


def test_a_non_report_weight_outside_0_1_is_refused(storage):
    with pytest.raises(ValueError, match="non_report_weight"):
        LinearIntentClassifier.create({**LinearIntentClassifier.get_default_config(), "non_report_weight": 2},
                                      storage, Resource("c"), context())

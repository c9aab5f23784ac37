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

from bot.labels import MODEL_LABELS
from bot.nlu.intent_classifier import LinearIntentClassifier
from bot.nlu.safeguarding_model import SCORES_KEY, SafeguardingModel, feature_matrix

RNG = np.random.default_rng(7)
INTENTS = ["pesten", "stalking", "agressie_geweld"]


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

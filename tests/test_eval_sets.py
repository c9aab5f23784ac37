"""The development set is big enough, labelled with the nine labels, and never part of training."""

import re
from collections import Counter
from pathlib import Path

import pytest

from bot.evaluation import DEV_TYPES, load_jsonl, score_types
from bot.labels import TYPE_LABELS

ROOT = Path(__file__).resolve().parent.parent


def normalise(text: str) -> str:
    return re.sub(r"[^a-z0-9à-ÿ]+", " ", text.lower()).strip()


@pytest.fixture(scope="module")
def training_texts():
    from rasa.shared.nlu.training_data.loading import load_data

    return {normalise(m.get("text")) for m in load_data(str(ROOT / "data/nlu")).training_examples}


def test_dev_set_has_at_least_25_messages_per_label():
    counts = Counter(record["type"] for record in load_jsonl(ROOT / DEV_TYPES, ("text", "type")))
    assert set(counts) == set(TYPE_LABELS)
    assert min(counts.values()) >= 25, counts


def test_no_dev_message_is_in_the_training_data(training_texts):
    dev = [normalise(record["text"]) for record in load_jsonl(ROOT / DEV_TYPES, ("text",))]
    leaked = [text for text in dev if text in training_texts]
    assert leaked == []


def test_scores_are_computed_per_label():
    scores = score_types(["pesten", "pesten", "geen", "stalking"], ["pesten", "geen", "geen", "pesten"])
    assert scores.precision["pesten"] == 0.5 and scores.recall["pesten"] == 0.5
    assert scores.recall["stalking"] == 0.0 and scores.precision["geen"] == 0.5
    assert scores.accuracy == 0.5
    assert scores.confusion[TYPE_LABELS.index("stalking")][TYPE_LABELS.index("pesten")] == 1

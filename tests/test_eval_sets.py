"""The development set is big enough, labelled with the nine labels, and never part of training."""

import re
from collections import Counter
from pathlib import Path

import pytest

from bot.evaluation import DEV_SAFEGUARDING, DEV_TYPES, FLAGS, load_jsonl, score_flags, score_types
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


@pytest.mark.parametrize("dev_set", [DEV_TYPES, DEV_SAFEGUARDING])
def test_no_dev_message_is_in_the_training_data(training_texts, dev_set):
    dev = [normalise(record["text"]) for record in load_jsonl(ROOT / dev_set, ("text",))]
    leaked = [text for text in dev if text in training_texts]
    assert leaked == []


def test_safeguarding_set_is_big_enough_and_has_hard_negatives():
    records = load_jsonl(ROOT / DEV_SAFEGUARDING, ("text", "lang") + FLAGS)
    assert len(records) >= 150
    assert {record["lang"] for record in records} == {"nl", "en"}
    for flag in ("meldplicht", "meldcode", "acute"):
        assert sum(record[flag] is True for record in records) >= 20
    negatives = [r for r in records if not any(r[flag] is True for flag in ("meldplicht", "meldcode", "acute"))]
    assert len(negatives) >= 60


def test_flag_scores_count_null_as_not_true():
    truth = [{"minor": True}, {"minor": None}, {"minor": True}]
    predicted = [{"minor": True}, {"minor": True}, {"minor": None}]
    scores = score_flags(truth, predicted)
    assert scores.precision["minor"] == 0.5 and scores.recall["minor"] == 0.5


def test_scores_are_computed_per_label():
    scores = score_types(["pesten", "pesten", "geen", "stalking"], ["pesten", "geen", "geen", "pesten"])
    assert scores.precision["pesten"] == 0.5 and scores.recall["pesten"] == 0.5
    assert scores.recall["stalking"] == 0.0 and scores.precision["geen"] == 0.5
    assert scores.accuracy == 0.5
    assert scores.confusion[TYPE_LABELS.index("stalking")][TYPE_LABELS.index("pesten")] == 1

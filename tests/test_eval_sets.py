"""The data sets: training large enough per label and signal, blind test sets frozen, no overlap anywhere."""

import hashlib
import re
from collections import Counter
from pathlib import Path

import pytest

from bot.authoring import near_duplicate_pairs, normalised
from bot.evaluation import (DEV_SAFEGUARDING, DEV_TYPES, FLAGS, NEXT_TEST_SAFEGUARDING, TEST_SAFEGUARDING,
                            TEST_TYPES, load_jsonl, score_flags, score_types)
from contactpunt.labels import BEHAVIOUR_TYPES, MODEL_LABELS, TYPE_LABELS, type_label
from bot.nlu.safeguarding_model import labels_of

ROOT = Path(__file__).resolve().parent.parent
HELD_OUT = (DEV_TYPES, DEV_SAFEGUARDING, TEST_TYPES, TEST_SAFEGUARDING, NEXT_TEST_SAFEGUARDING)


@pytest.fixture(scope="module")
def training():
    from rasa.shared.nlu.training_data.loading import load_data

    return [m for m in load_data(str(ROOT / "data/nlu")).training_examples if m.get("text")]


def texts(path):
    return [record["text"] for record in load_jsonl(ROOT / path, ("text",))]


def test_training_data_has_at_least_400_messages_per_label(training):
    counts = Counter(type_label(m.get("intent")) for m in training)
    assert min(counts[label] for label in TYPE_LABELS) >= 400, counts
    assert sum(counts[label] for label in BEHAVIOUR_TYPES) + counts["geen"] >= 3600


def test_training_data_has_at_least_300_messages_per_safeguarding_signal(training):
    labelled = [labels_of(m) for m in training]
    labelled = [found for found in labelled if found is not None]
    counts = Counter(label for found in labelled for label in found)
    assert len(labelled) >= 1500
    assert all(counts[label] >= 300 for label in MODEL_LABELS), counts


@pytest.mark.parametrize("path, hashes_line", [(TEST_TYPES, "test_types.jsonl"), (TEST_SAFEGUARDING, "test_safeguarding.jsonl"),
                                               (NEXT_TEST_SAFEGUARDING, "next/test_safeguarding.jsonl")])
def test_the_blind_test_sets_are_the_frozen_ones(path, hashes_line):
    """eval/README.md records each blind set's SHA-256 from the moment it was frozen."""
    readme = (ROOT / "eval/README.md").read_text(encoding="utf-8")
    recorded = re.search(r"`([0-9a-f]{64})`\s+" + re.escape(hashes_line), readme)
    assert recorded, f"no frozen hash for {hashes_line} in eval/README.md"
    assert hashlib.sha256((ROOT / path).read_bytes()).hexdigest() == recorded.group(1)


def test_blind_test_sets_are_big_enough():
    counts = Counter(record["type"] for record in load_jsonl(ROOT / TEST_TYPES, ("text", "type")))
    assert set(counts) == set(TYPE_LABELS) and min(counts.values()) >= 40, counts
    flags = load_jsonl(ROOT / TEST_SAFEGUARDING, ("text",) + FLAGS)
    assert len(flags) >= 300


def test_development_sets_are_big_enough_and_have_hard_negatives():
    counts = Counter(record["type"] for record in load_jsonl(ROOT / DEV_TYPES, ("text", "type")))
    assert set(counts) == set(TYPE_LABELS) and min(counts.values()) >= 25, counts
    records = load_jsonl(ROOT / DEV_SAFEGUARDING, ("text", "lang") + FLAGS)
    assert len(records) >= 300 and {record["lang"] for record in records} == {"nl", "en"}
    for flag in ("meldplicht", "meldcode", "acute"):
        assert sum(record[flag] is True for record in records) >= 50
    negatives = [r for r in records if not any(r[flag] is True for flag in ("meldplicht", "meldcode", "acute"))]
    assert len(negatives) >= 100


@pytest.mark.parametrize("held_out", HELD_OUT)
def test_no_held_out_message_is_in_the_training_data_not_even_nearly(training, held_out):
    train_texts = [m.get("text") for m in training]
    held = texts(held_out)
    exact = {normalised(text) for text in train_texts} & {normalised(text) for text in held}
    assert exact == set()
    close = near_duplicate_pairs(held, train_texts)
    assert close == [], [(held[i], train_texts[j], round(v, 2)) for i, j, v in close[:5]]


def test_development_and_test_sets_do_not_share_messages():
    dev = texts(DEV_TYPES) + texts(DEV_SAFEGUARDING)
    test = texts(TEST_TYPES) + texts(TEST_SAFEGUARDING) + texts(NEXT_TEST_SAFEGUARDING)
    close = near_duplicate_pairs(dev, test)
    assert close == [], [(dev[i], test[j], round(v, 2)) for i, j, v in close[:5]]


def test_near_duplicates_are_found_and_different_messages_are_not():
    pairs = near_duplicate_pairs(["hij staat elke dag bij de bushalte als ik uit school kom"],
                                 ["hij staat elke dag bij de bushalte als ik uit school kom!!",
                                  "mijn docent geeft me een onvoldoende omdat ik een hoofddoek draag"])
    assert [(i, j) for i, j, _ in pairs] == [(0, 0)]


def test_flag_scores_count_null_as_not_true():
    truth = [{"minor": True}, {"minor": None}, {"minor": True}]
    predicted = [{"minor": True}, {"minor": True}, {"minor": None}]
    scores = score_flags(truth, predicted)
    assert scores.precision["minor"] == 0.5 and scores.recall["minor"] == 0.5


def test_a_check_question_is_counted_but_is_not_a_hit():
    truth = [{"acute": True}, {"acute": True}, {"acute": False}]
    predicted = [{"acute": True, "check": None}, {"acute": False, "check": "suicidal"}, {"acute": False, "check": "danger"}]
    scores = score_flags(truth, predicted)
    assert scores.recall["acute"] == 0.5 and scores.asked_when_missed["acute"] == 1
    assert scores.check_rate == pytest.approx(2 / 3)


def test_scores_are_computed_per_label():
    scores = score_types(["pesten", "pesten", "geen", "stalking"], ["pesten", "geen", "geen", "pesten"])
    assert scores.precision["pesten"] == 0.5 and scores.recall["pesten"] == 0.5
    assert scores.recall["stalking"] == 0.0 and scores.precision["geen"] == 0.5
    assert scores.accuracy == 0.5
    assert scores.confusion[TYPE_LABELS.index("stalking")][TYPE_LABELS.index("pesten")] == 1

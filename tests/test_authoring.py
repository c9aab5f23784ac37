"""Importing authored messages: validated, deduplicated, kept away from held-out sets, read back by Rasa."""

import json

import pytest

from bot.authoring import import_authored
from bot.evaluation import DatasetError
from bot.learning_curve import subsample
from bot.nlu.safeguarding_model import labels_of


def write_jsonl(path, records):
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    return path


def authored(text, intent="pesten", signals=(), actor="peer"):
    return {"text": text, "lang": "nl", "intent": intent, "signals": list(signals), "actor": actor, "minor": None}


@pytest.fixture
def nlu_dir(tmp_path):
    directory = tmp_path / "nlu"
    directory.mkdir()
    (directory / "pesten.yml").write_text(
        'version: "3.1"\nnlu:\n  - intent: pesten\n    examples: |\n      - ze lachen me elke dag uit\n', encoding="utf-8")
    return directory


def test_new_messages_arrive_with_their_labels_and_duplicates_do_not(tmp_path, nlu_dir):
    from rasa.shared.nlu.training_data.loading import load_data

    held_out = write_jsonl(tmp_path / "test.jsonl", [{"text": "mijn mentor zit steeds aan mijn been als niemand kijkt"}])
    files = write_jsonl(tmp_path / "a.jsonl", [
        authored("Ze lachen me elke dag uit!"),  # already there (case and punctuation differ)
        authored("ze maken memes over mijn stem in de groepsapp"),
        authored("ze maken memes over mijn stem in de groepsapp"),  # twice in the file
        authored("mijn mentor zit steeds aan mijn been als niemand kijkt!", "seksuele_intimidatie", ["sexual"], "staff"),
        authored("de invaller geeft me cadeautjes en wil dat ik het geheim houd", "seksuele_intimidatie", ["sexual"], "staff"),
        authored("hoe laat gaat de kantine open", "out_of_scope", [], "none"),
    ])
    report = import_authored([files], [held_out], nlu_dir)
    assert report.added == {"pesten": 1, "seksuele_intimidatie": 1, "out_of_scope": 1}
    assert report.exact_duplicates == 2 and report.near_held_out == 1
    messages = {m.get("text"): m for m in load_data(str(nlu_dir)).training_examples}
    assert labels_of(messages["de invaller geeft me cadeautjes en wil dat ik het geheim houd"]) == ["sexual", "actor_staff"]
    assert labels_of(messages["ze maken memes over mijn stem in de groepsapp"]) == ["actor_peer"]
    assert labels_of(messages["ze lachen me elke dag uit"]) is None  # a behaviour never judged for the model
    assert labels_of(messages["hoe laat gaat de kantine open"]) == []


def test_a_later_import_leaves_other_intents_of_the_file_intact(tmp_path, nlu_dir):
    from rasa.shared.nlu.training_data.loading import load_data

    first = write_jsonl(tmp_path / "a.jsonl", [authored("wat zijn mijn opties nu", "ask_routes", [], "none")])
    second = write_jsonl(tmp_path / "b.jsonl", [authored("ik wil een mens spreken", "ask_human", [], "none")])
    import_authored([first], [], nlu_dir)
    import_authored([second], [], nlu_dir)
    texts = {m.get("text"): m.get("intent") for m in load_data(str(nlu_dir)).training_examples}
    assert texts["wat zijn mijn opties nu"] == "ask_routes" and texts["ik wil een mens spreken"] == "ask_human"


def test_a_wrong_label_is_refused_with_the_line(tmp_path, nlu_dir):
    bad = write_jsonl(tmp_path / "bad.jsonl", [authored("x y z", signals=["suicide"])])
    with pytest.raises(DatasetError, match=r"bad.jsonl:1: unknown signals"):
        import_authored([bad], [], nlu_dir)


def test_the_learning_curve_keeps_the_same_share_of_every_intent(tmp_path, nlu_dir):
    files = write_jsonl(tmp_path / "a.jsonl", [authored(f"bericht nummer {i} over iets anders") for i in range(7)])
    import_authored([files], [], nlu_dir)
    assert subsample(nlu_dir, 0.25, tmp_path / "quarter") == 2  # 8 examples -> 2
    assert subsample(nlu_dir, 1.0, tmp_path / "all") == 8

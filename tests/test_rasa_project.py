"""`rasa data validate` is clean, and `contactpunt classify` keeps the DESIGN.md contract."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from contactpunt.labels import TYPE_LABELS

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


#: Responses Rasa's own built-in actions utter (action_restart, action_default_fallback).
BUILT_IN_RESPONSES = {"utter_restart", "utter_default"}


def responses_used_outside_stories() -> set:
    """Responses uttered by custom actions, by forms (utter_ask_<slot>) or by Rasa's built-ins."""
    import yaml

    source = "\n".join(path.read_text() for path in (ROOT / "actions").glob("*.py"))
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    asked = {f"utter_ask_{slot}" for form in domain["forms"].values() for slot in form["required_slots"]}
    in_actions = {name for name in domain["responses"] if f'"{name}"' in source}
    return in_actions | asked | BUILT_IN_RESPONSES


def test_rasa_data_validate_is_clean():
    """No errors and no warnings, except Rasa's false positives: responses only actions utter, and the
    EXTERNAL_ intents the adviser console triggers (they never come from text, so have no NLU examples)."""
    result = subprocess.run(
        [sys.executable, "-m", "rasa", "data", "validate"], cwd=ROOT, capture_output=True, text=True
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    warnings = re.findall(r"UserWarning: (.*)", output)
    unused = {m for w in warnings for m in re.findall(r"The utterance '(\w+)' is not used in any story or rule", w)}
    external = re.compile(r"The intent 'EXTERNAL_\w+' is listed in the domain file, but is not found in the NLU")
    others = [w for w in warnings if "is not used in any story or rule" not in w and not external.search(w)]
    assert others == []
    assert unused <= responses_used_outside_stories(), unused - responses_used_outside_stories()


def test_classify_reads_and_writes_json_lines(trained_model):
    lines = [
        {"text": "hij blijft me appen en staat elke dag bij de bushalte"},
        {"text": "mijn klasgenoten maken al maanden memes over mij in de groepsapp"},
        "this is not json",
        {"text": "hoe laat gaat de kantine open"},
        {"text": "ik ben 15 en mijn mentor zit steeds aan mijn billen"},
        {"text": "ik ga dood van het lachen haha"},
    ]
    stdin = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n"
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "classify", "--model", str(trained_model)],
        cwd=ROOT, input=stdin, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    outputs = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(outputs) == 6
    assert outputs[2] == {"error": "invalid input line", "line": 3}
    for output in outputs[:2] + outputs[3:]:
        assert set(output) == {"type", "confidence", "minor", "staff_perpetrator", "meldplicht", "meldcode", "acute",
                               "check"}
        assert output["type"] in TYPE_LABELS and 0.0 < output["confidence"] <= 1.0
    assert [outputs[0]["type"], outputs[1]["type"], outputs[3]["type"]] == ["stalking", "pesten", "geen"]
    assert outputs[4]["type"] == "seksuele_intimidatie"
    assert {k: outputs[4][k] for k in ("minor", "staff_perpetrator", "meldplicht", "meldcode", "acute")} == {
        "minor": True, "staff_perpetrator": True, "meldplicht": True, "meldcode": False, "acute": False}
    assert outputs[5]["acute"] is False and outputs[5]["minor"] is None


def test_classify_without_a_model_says_what_to_do(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "classify"], cwd=tmp_path, input="", capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 2
    assert "No trained model" in result.stderr and "Traceback" not in result.stderr


def test_classify_never_writes_message_text_to_a_log(trained_model):
    canary = "kanarie-3f9a1c zegt dat hij me elke dag volgt naar huis"
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "classify", "--model", str(trained_model)],
        cwd=ROOT, input=json.dumps({"text": canary}) + "\n", capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "kanarie-3f9a1c" not in result.stderr
    assert "kanarie-3f9a1c" not in result.stdout  # the output is the classification, not the text

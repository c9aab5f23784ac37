"""`rasa data validate` is clean, and `contactpunt classify` keeps the DESIGN.md contract."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.labels import TYPE_LABELS

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def test_rasa_data_validate_is_clean():
    result = subprocess.run(
        [sys.executable, "-m", "rasa", "data", "validate", "--fail-on-warnings"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def test_classify_reads_and_writes_json_lines(trained_model):
    lines = [
        {"text": "hij blijft me appen en staat elke dag bij de bushalte"},
        {"text": "mijn klasgenoten maken al maanden memes over mij in de groepsapp"},
        "this is not json",
        {"text": "hoe laat gaat de kantine open"},
    ]
    stdin = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n"
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "classify", "--model", str(trained_model)],
        cwd=ROOT, input=stdin, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    outputs = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(outputs) == 4
    assert outputs[2] == {"error": "invalid input line", "line": 3}
    for output in (outputs[0], outputs[1], outputs[3]):
        assert set(output) == {"type", "confidence", "minor", "staff_perpetrator", "meldplicht", "meldcode", "acute"}
        assert output["type"] in TYPE_LABELS and 0.0 < output["confidence"] <= 1.0
    assert [outputs[0]["type"], outputs[1]["type"], outputs[3]["type"]] == ["stalking", "pesten", "geen"]


def test_classify_without_a_model_says_what_to_do(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "classify"], cwd=tmp_path, input="", capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 2
    assert "No trained model" in result.stderr and "Traceback" not in result.stderr

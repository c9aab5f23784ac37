"""`rasa test` on the test stories (tests/test_*.yml); fails on any wrong intent or action prediction."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def test_all_test_stories_pass(trained_model, tmp_path):
    out = tmp_path / "results"
    result = subprocess.run(
        [sys.executable, "-m", "rasa", "test", "core", "--model", str(trained_model), "--stories", "tests",
         "--out", str(out), "--fail-on-prediction-errors", "--no-plot"],
        cwd=ROOT, capture_output=True, text=True,
    )
    failed = out / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, details[-6000:] + result.stdout[-3000:] + result.stderr[-3000:]
    evaluated = re.search(r"Evaluating (\d+) stories", result.stdout + result.stderr)
    assert evaluated and int(evaluated.group(1)) >= 25, "the test stories were not evaluated"
    assert "None of the test stories failed" in details

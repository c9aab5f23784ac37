"""Fuzzing `contactpunt classify` (and with it the whole NLU pipeline): any text gets a type, flags and a
confidence; any malformed line gets one error line, and the lines after it are still answered."""

import json
import subprocess
import sys

import pytest
from hypothesis import given, strategies as st

from contactpunt.labels import TYPE_LABELS
from tests.conftest import ROOT
from tests.fuzzing import fuzz_settings, tried, typed_messages

pytestmark = [pytest.mark.slow, pytest.mark.fuzz]
CONTRACT = {"type", "confidence", "minor", "staff_perpetrator", "meldplicht", "meldcode", "acute", "check"}
CHECKS = {None, "suicidal", "danger", "staff", "home", "exploitation"}


class RunningClassify:
    """One `contactpunt classify` process, fed a line at a time (the model loads once)."""

    def __init__(self, model, log):
        self.log = log
        self.process = subprocess.Popen([sys.executable, "-m", "bot.cli", "classify", "--model", str(model)],
                                        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log)

    def answer(self, line: bytes) -> dict:
        self.process.stdin.write(line + b"\n")
        self.process.stdin.flush()
        out = self.process.stdout.readline()
        assert out, f"classify stopped (exit {self.process.poll()})"
        return json.loads(out)

    def close(self) -> int:
        self.process.stdin.close()
        return self.process.wait(timeout=60)


@pytest.fixture(scope="module")
def classify(trained_model, tmp_path_factory):
    log_path = tmp_path_factory.mktemp("classify") / "stderr.log"
    with open(log_path, "wb") as log:
        running = RunningClassify(trained_model, log)
        yield running
        assert running.close() == 0
    stderr = log_path.read_text(errors="replace")
    assert "Traceback" not in stderr and "Exception" not in stderr, stderr[-3000:]


def assert_contract(result: dict) -> None:
    assert set(result) == CONTRACT, result
    assert result["type"] in TYPE_LABELS and 0.0 <= result["confidence"] <= 1.0
    assert all(result[flag] in (True, False) for flag in ("meldplicht", "meldcode", "acute"))
    assert result["minor"] in (True, False, None) and result["staff_perpetrator"] in (True, False, None)
    assert result["check"] in CHECKS


@fuzz_settings(examples=40, deep_examples=3000)
@given(text=typed_messages())
def test_any_text_gets_a_type_flags_and_a_confidence(classify, text):
    tried("nlu")
    # ensure_ascii: a lone surrogate travels as a JSON escape, as any client can send it
    assert_contract(classify.answer(json.dumps({"text": text}).encode()))


@fuzz_settings(examples=30, deep_examples=1500)
@given(line=st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(str.encode),
    st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                 lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                 max_leaves=10).map(lambda value: json.dumps(value).encode()),
    st.dictionaries(st.sampled_from(["text", "tekst", "type"]), st.none() | st.integers() | st.lists(st.text()),
                    min_size=1).map(lambda value: json.dumps(value).encode()),
).filter(lambda line: b"\n" not in line and b"\r" not in line and line.strip()))
def test_a_malformed_line_gets_one_error_line_and_the_next_line_is_answered(classify, line):
    tried("classify_lines")
    result = classify.answer(line)
    try:
        parsed = json.loads(line.decode("utf-8"))
        valid = isinstance(parsed, dict) and isinstance(parsed.get("text"), str)
    except (UnicodeDecodeError, ValueError):
        valid = False
    if valid:
        assert_contract(result)
    else:
        assert set(result) == {"error", "line"} and result["error"] in ("invalid input line", "line is not UTF-8")
    assert_contract(classify.answer(b'{"text": "hij volgt me elke dag naar huis"}'))

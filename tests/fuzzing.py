"""Hypothesis settings for the fuzz tests (short and seeded in `make test`, deep in `make fuzz`) and the count of inputs tried per entry point."""

import collections
import json
import os
from pathlib import Path

from hypothesis import HealthCheck, settings

#: `make fuzz` sets CONTACTPUNT_FUZZ=deep (and a seed of its own); `make test` runs the short, fixed-seed form.
DEEP = os.environ.get("CONTACTPUNT_FUZZ") == "deep"
#: where `make fuzz` wants the counts (JSON), read by tests/fuzz_report.py
COUNTS_FILE = os.environ.get("CONTACTPUNT_FUZZ_COUNTS")

TRIED: "collections.Counter[str]" = collections.Counter()


def fuzz_settings(examples: int, deep_examples: int) -> settings:
    """`examples` inputs in `make test` (derandomised: the same inputs every run), `deep_examples` in `make fuzz`."""
    return settings(max_examples=deep_examples if DEEP else examples, derandomize=not DEEP, deadline=None,
                    database=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                           HealthCheck.data_too_large, HealthCheck.filter_too_much])


def tried(entry_point: str) -> None:
    """Count one input given to `entry_point` (for the report of `make fuzz`)."""
    TRIED[entry_point] += 1


def write_counts() -> None:
    if COUNTS_FILE:
        path = Path(COUNTS_FILE)
        previous = json.loads(path.read_text()) if path.exists() else {}
        for entry_point, count in TRIED.items():
            previous[entry_point] = previous.get(entry_point, 0) + count
        path.write_text(json.dumps(previous, indent=2, sort_keys=True))


def typed_messages(max_size: int = 4000):
    """Texts anybody could send: any Unicode (control characters, right-to-left, combining marks, lone
    surrogates from a JSON escape), whitespace, emoji only, numbers, links, HTML and Markdown, one token
    repeated, mixed scripts, up to `max_size` characters, and real reports with such things mixed in."""
    from hypothesis import strategies as st

    anything = st.text(st.characters(codec=None, exclude_categories=()), max_size=200)
    shapes = st.sampled_from([
        "", " ", "   ", "\n\n", "\t \u00a0\u3000", "😀", "😢😢😢", "👍🏽", "🏳️‍🌈", "???", "...", "12345", "06-12345678",
        "https://example.com/a?b=c", "www.voorbeeld.nl", "iemand@example.com", "<script>alert(1)</script>",
        "<b>hoi</b>", "**vet** _schuin_ `code`", "[link](javascript:alert(1))", "\u202eolleh", "مرحبا، أحتاج مساعدة",
        "שלום", "你好，我需要帮助", "Привет", "e\u0301\u0301\u0301\u0301", "\ufeff\u200b\u200d", "\x00\x01\x7f",
        "/greet", "/restart", '/inform_role{"role": "student"}', "/nlu_fallback", "%s %d {0} {{x}}",
        "mijn docent raakt me aan", "he keeps following me home", "ik wil er niet meer zijn",
    ])
    mixed = st.tuples(shapes, anything, shapes).map(lambda parts: " ".join(parts))
    repeated = st.tuples(st.sampled_from(["ha", "pesten", "😀", "a", "112"]), st.integers(1, 1300)).map(
        lambda unit: " ".join([unit[0]] * unit[1]))
    long = st.tuples(st.sampled_from("xé😀 "), st.integers(3990, 4000)).map(lambda unit: unit[0] * unit[1])
    return st.one_of(shapes, anything, mixed, repeated, long).map(lambda text: text[:max_size])

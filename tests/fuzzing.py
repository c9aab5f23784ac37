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

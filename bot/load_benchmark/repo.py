"""Where this checkout is: the benchmark reads models/ and writes results/ and docs/ there."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

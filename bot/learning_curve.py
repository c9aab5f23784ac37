"""Trains the NLU on ¼, ½ and all of the training data and scores each on the development sets."""

import math
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable, Dict, List, Sequence

import yaml

from bot.authoring import NLU_DIR, block_examples
from bot.evaluation import FLAGS, score_flags, score_types

FRACTIONS = (0.25, 0.5, 1.0)
SEED = 13


def subsample(nlu_dir: Path, fraction: float, out: Path) -> int:
    """The same share of every intent's examples (seeded), written as Rasa NLU files; returns the count."""
    rng = random.Random(SEED)
    out.mkdir(parents=True, exist_ok=True)
    total = 0
    for path in sorted(nlu_dir.glob("*.yml")):
        blocks = []
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            examples = block_examples(block["examples"])
            kept = rng.sample(examples, max(1, math.ceil(len(examples) * fraction)))
            total += len(kept)
            blocks.append({"intent": block["intent"], "examples": kept})
        (out / path.name).write_text(yaml.safe_dump({"version": "3.1", "nlu": blocks}, allow_unicode=True,
                                                     sort_keys=False), encoding="utf-8")
    return total


def curve(types: Sequence[Dict], flags: Sequence[Dict], classify_with: Callable[[Path], Callable[[str], Dict]],
          progress: Callable[[int, str], Callable] = lambda total, description: iter,
          nlu_dir: Path = NLU_DIR, config: str = "config.yml") -> List[Dict]:
    """One row per fraction: training size, macro-F1 on the types set, recall per flag on the flags set.

    `progress(total, description)` wraps an iterable of records (a progress bar in the command).
    """
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for fraction in FRACTIONS:
            data = Path(scratch) / f"nlu-{fraction}"
            size = subsample(nlu_dir, fraction, data)
            name = f"curve-{int(fraction * 100)}"
            print(f"== {name}: training the NLU on {size} examples", file=sys.stderr)
            subprocess.run([sys.executable, "-m", "rasa", "train", "nlu", "--config", config, "--nlu", str(data),
                            "--out", scratch, "--fixed-model-name", name, "--quiet"], check=True)
            classify = classify_with(Path(scratch) / f"{name}.tar.gz")
            records = list(types) + list(flags)
            results = [classify(r["text"]) for r in progress(len(records), name)(records)]
            type_scores = score_types([r["type"] for r in types], [result["type"] for result in results[:len(types)]])
            flag_scores = score_flags(flags, results[len(types):])
            rows.append({"fraction": fraction, "examples": size, "macro_f1": type_scores.macro_f1,
                         "recall": {flag: flag_scores.recall[flag] for flag in FLAGS}})
    return rows


def format_curve(rows: Sequence[Dict], types_path: Path, flags_path: Path) -> str:
    lines = [
        "# Learning curve",
        "",
        "Written by `make learning-curve`: the NLU trained on a seeded ¼, ½ and all of every intent's examples "
        f"in data/nlu/, scored on the development sets ({types_path}, {flags_path}); the blind test sets are "
        "not used here. Rising figures from ½ to all mean more data still pays.",
        "",
        "| share | examples | macro-F1 (types) | " + " | ".join(f"recall {flag}" for flag in FLAGS) + " |",
        "|---|---:|---:|" + "---:|" * len(FLAGS),
    ]
    for row in rows:
        lines.append(f"| {row['fraction']:.2f} | {row['examples']} | {row['macro_f1']:.3f} | "
                     + " | ".join(f"{row['recall'][flag]:.3f}" for flag in FLAGS) + " |")
    return "\n".join(lines) + "\n"

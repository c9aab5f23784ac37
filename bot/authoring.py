"""Brings authored training messages into data/nlu/ and finds near-duplicates between data sets."""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import yaml

from bot.evaluation import DatasetError, load_jsonl
from contactpunt.labels import BEHAVIOUR_TYPES, SAFEGUARDING_ACTORS, SAFEGUARDING_SIGNALS

NLU_DIR = Path("data/nlu")
#: Cosine similarity of character 3-5-gram TF-IDF vectors above which two messages count as the same.
NEAR_DUPLICATE = 0.8
#: Intents an authored message may have, and the data/nlu file each goes to.
FILE_OF = {
    **{intent: f"{intent}.yml" for intent in BEHAVIOUR_TYPES},
    "express_feelings": "conversation.yml",
    "ask_about_chat": "conversation.yml",
    "ask_confidentiality": "questions.yml",
    "ask_routes": "questions.yml",
    "ask_complaint": "questions.yml",
    "ask_human": "questions.yml",
    "ask_who_to_contact": "questions.yml",
    "out_of_scope": "out_of_scope.yml",
}
AUTHORED_KEYS = ("text", "lang", "intent", "signals", "actor", "minor")


def normalised(text: str) -> str:
    """Lower case, letters and digits only, single spaces: what counts as "the same message"."""
    return " ".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def near_duplicate_pairs(
    left: Sequence[str], right: Sequence[str], threshold: float = NEAR_DUPLICATE
) -> List[Tuple[int, int, float]]:
    """(i, j, similarity) for every pair of a left and a right text more alike than the threshold."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    if not left or not right:
        return []
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True).fit(
        list(left) + list(right)
    )
    similarity = (vectorizer.transform(left) @ vectorizer.transform(right).T).tocoo()
    return [(int(i), int(j), float(v)) for i, j, v in zip(similarity.row, similarity.col, similarity.data) if v > threshold]


def block_examples(examples) -> List[Dict]:
    """An intent block's examples as {"text", optional "metadata"}, from the `|` text form or the list form."""
    if isinstance(examples, str):
        return [{"text": line[2:].strip()} for line in examples.splitlines() if line.startswith("- ")]
    return list(examples or [])


def nlu_texts(nlu_dir: Path = NLU_DIR) -> List[str]:
    """Every example text in the NLU files (entity annotations left in; they are short and rare)."""
    return [
        example["text"]
        for path in sorted(nlu_dir.glob("*.yml"))
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", [])
        for example in block_examples(block.get("examples"))
    ]


def validate_authored(record: Dict, where: str) -> None:
    problems = []
    if set(record) != set(AUTHORED_KEYS):
        problems.append(f"keys must be {', '.join(AUTHORED_KEYS)}")
    if record.get("intent") not in FILE_OF:
        problems.append(f"unknown intent {record.get('intent')!r}")
    if not set(record.get("signals") or []) <= set(SAFEGUARDING_SIGNALS):
        problems.append(f"unknown signals {record.get('signals')!r}")
    if record.get("actor") not in SAFEGUARDING_ACTORS + ("none",):
        problems.append(f"unknown actor {record.get('actor')!r}")
    if problems:
        raise DatasetError(f"{where}: " + "; ".join(problems))


@dataclass
class ImportReport:
    added: Dict[str, int] = field(default_factory=dict)
    exact_duplicates: int = 0
    near_held_out: int = 0  # dropped: too close to a development or test message

    def lines(self) -> List[str]:
        rows = [f"{intent}: +{count}" for intent, count in sorted(self.added.items())]
        return rows + [
            f"dropped as exact duplicates: {self.exact_duplicates}",
            f"dropped as near-duplicates of a development or test message: {self.near_held_out}",
        ]


def select_new(records: List[Dict], existing: Iterable[str], held_out: Sequence[str]) -> Tuple[List[Dict], ImportReport]:
    """Messages not already in the data and not near a held-out message (those stay out of training)."""
    report = ImportReport()
    seen = {normalised(text) for text in existing}
    unique = []
    for record in records:
        key = normalised(record["text"])
        if key in seen or not key:
            report.exact_duplicates += 1
            continue
        seen.add(key)
        unique.append(record)
    close = {i for i, _, _ in near_duplicate_pairs([r["text"] for r in unique], list(held_out))}
    report.near_held_out = len(close)
    return [record for i, record in enumerate(unique) if i not in close], report


def _example_lines(text: str, metadata: Optional[Dict]) -> List[str]:
    """One example in the list form that metadata needs."""
    lines = [f"      - text: {json.dumps(text, ensure_ascii=False)}"]
    if metadata:
        signals = ", ".join(metadata.get("signals") or [])
        lines.append(f"        metadata: {{signals: [{signals}], actor: {metadata.get('actor')}}}")
    return lines


def _as_list_examples(examples) -> List[str]:
    """An intent's existing examples in the list form."""
    return [line for example in block_examples(examples) for line in _example_lines(example["text"], example.get("metadata"))]


def write_into_nlu(records: List[Dict], nlu_dir: Path = NLU_DIR) -> Dict[str, int]:
    """Adds the records to their intent's block, rewriting the touched files in list form."""
    by_file: Dict[str, Dict[str, List[Dict]]] = {}
    for record in records:
        by_file.setdefault(FILE_OF[record["intent"]], {}).setdefault(record["intent"], []).append(record)
    added = {}
    for name, new_by_intent in by_file.items():
        path = nlu_dir / name
        blocks = yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []) if path.exists() else []
        known = {block.get("intent") for block in blocks}
        blocks += [{"intent": intent, "examples": []} for intent in new_by_intent if intent not in known]
        out = ['version: "3.1"', "nlu:"]
        for block in blocks:
            intent = block["intent"]
            new = new_by_intent.get(intent, [])
            if not new and isinstance(block["examples"], str):  # untouched text form stays as it is
                out += [f"  - intent: {intent}", "    examples: |"]
                out += ["      " + line for line in block["examples"].strip().splitlines()]
                continue
            out += [f"  - intent: {intent}", "    examples:"] + _as_list_examples(block["examples"])
            for record in new:
                out += _example_lines(record["text"], {"signals": record["signals"], "actor": record["actor"]})
            added[intent] = len(new)
        path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return added


def import_authored(files: Sequence[Path], held_out_files: Sequence[Path], nlu_dir: Path = NLU_DIR) -> ImportReport:
    records = []
    for path in files:
        for number, record in enumerate(load_jsonl(path, required=AUTHORED_KEYS), start=1):
            validate_authored(record, f"{path}:{number}")
            records.append(record)
    held_out = [record["text"] for path in held_out_files for record in load_jsonl(path, required=("text",))]
    selected, report = select_new(records, nlu_texts(nlu_dir), held_out)
    report.added = write_into_nlu(selected, nlu_dir)
    return report

"""Scores the classifier on labelled sets: per-label P/R/F1, confusion matrix, per-flag P/R, check rate."""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Sequence

from contactpunt.labels import TYPE_LABELS

DEV_TYPES = Path("eval/dev_types.jsonl")
DEV_SAFEGUARDING = Path("eval/dev_safeguarding.jsonl")
#: The frozen blind test sets (eval/README.md): reported, never tuned on.
TEST_TYPES = Path("eval/test_types.jsonl")
TEST_SAFEGUARDING = Path("eval/test_safeguarding.jsonl")
#: The next blind safeguarding set, frozen and not yet scored: the next safeguarding change is judged on it.
NEXT_TEST_SAFEGUARDING = Path("eval/next/test_safeguarding.jsonl")


class DatasetError(ValueError):
    """A line of an evaluation file is not a valid record; the message says which."""


def load_jsonl(path: Path, required: Sequence[str]) -> List[Dict]:
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise DatasetError(f"{path}:{number}: not JSON ({error.msg})") from None
        missing = [key for key in required if key not in record]
        if missing:
            raise DatasetError(f"{path}:{number}: missing {', '.join(missing)}")
        records.append(record)
    return records


@dataclass
class TypeScores:
    labels: List[str]
    precision: Dict[str, float]
    recall: Dict[str, float]
    f1: Dict[str, float]
    support: Dict[str, int]
    macro_f1: float
    accuracy: float
    confusion: List[List[int]]  # rows: true label, columns: predicted label

    def as_dict(self) -> Dict:
        return self.__dict__.copy()


def score_types(truth: Sequence[str], predicted: Sequence[str]) -> TypeScores:
    labels = list(TYPE_LABELS)
    index = {label: i for i, label in enumerate(labels)}
    confusion = [[0] * len(labels) for _ in labels]
    for t, p in zip(truth, predicted):
        confusion[index[t]][index[p]] += 1
    precision, recall, f1, support = {}, {}, {}, {}
    for i, label in enumerate(labels):
        true_positive = confusion[i][i]
        predicted_count = sum(row[i] for row in confusion)
        actual_count = sum(confusion[i])
        precision[label] = true_positive / predicted_count if predicted_count else 0.0
        recall[label] = true_positive / actual_count if actual_count else 0.0
        both = precision[label] + recall[label]
        f1[label] = 2 * precision[label] * recall[label] / both if both else 0.0
        support[label] = actual_count
    correct = sum(confusion[i][i] for i in range(len(labels)))
    return TypeScores(
        labels=labels,
        precision=precision,
        recall=recall,
        f1=f1,
        support=support,
        macro_f1=sum(f1.values()) / len(labels),
        accuracy=correct / max(1, len(truth)),
        confusion=confusion,
    )


def evaluate_types(records: List[Dict], classify: Callable[[Iterable[str]], Iterable[Dict]]) -> TypeScores:
    predictions = [result["type"] for result in classify(record["text"] for record in records)]
    return score_types([record["type"] for record in records], predictions)


def scores_by_language(records: List[Dict], predictions: Sequence[Dict]) -> Dict[str, TypeScores]:
    """Type scores per language ("lang" of each record)."""
    languages = sorted({record.get("lang", "?") for record in records})
    return {
        language: score_types(
            [r["type"] for r in records if r.get("lang", "?") == language],
            [p["type"] for r, p in zip(records, predictions) if r.get("lang", "?") == language],
        )
        for language in languages
    }


_SHORT = {
    "seksuele_intimidatie": "seks",
    "agressie_geweld": "agr",
    "pesten": "pest",
    "discriminatie": "disc",
    "stalking": "stalk",
    "mensenhandel": "mens",
    "radicalisering": "rad",
    "integriteit": "integ",
    "geen": "geen",
}


def format_report(scores: TypeScores, title: str) -> str:
    """Markdown: one table of per-label scores and one confusion matrix."""
    lines = [f"## {title}", "", "| label | precision | recall | F1 | n |", "|---|---:|---:|---:|---:|"]
    for label in scores.labels:
        lines.append(
            f"| {label} | {scores.precision[label]:.3f} | {scores.recall[label]:.3f} "
            f"| {scores.f1[label]:.3f} | {scores.support[label]} |"
        )
    lines += [
        "",
        f"**macro-F1 {scores.macro_f1:.3f}**, accuracy {scores.accuracy:.3f}, "
        f"n = {sum(scores.support.values())}",
        "",
        "Confusion matrix (rows: true label, columns: predicted):",
        "",
        "| true \\ predicted | " + " | ".join(_SHORT[label] for label in scores.labels) + " |",
        "|---|" + "---:|" * len(scores.labels),
    ]
    for label, row in zip(scores.labels, scores.confusion):
        lines.append(f"| {label} | " + " | ".join(str(count) for count in row) + " |")
    return "\n".join(lines) + "\n"


FLAGS = ("minor", "staff_perpetrator", "meldplicht", "meldcode", "acute")
#: Targets: (minimum recall, minimum precision) per flag, on the blind test set.
FLAG_TARGETS = {"acute": (0.97, 0.85), "meldplicht": (0.97, 0.85), "meldcode": (0.95, 0.85), "minor": (0.95, 0.85),
                "staff_perpetrator": (0.90, 0.85)}


@dataclass
class FlagScores:
    precision: Dict[str, float]
    recall: Dict[str, float]
    support: Dict[str, int]  # messages where the flag is true
    n: int
    check_rate: float = 0.0  # share of messages that get a check question first
    asked_when_missed: Dict[str, int] = field(default_factory=dict)  # true, not raised, but asked

    def meets_targets(self) -> Dict[str, bool]:
        return {
            flag: self.recall[flag] >= recall and self.precision[flag] >= precision
            for flag, (recall, precision) in FLAG_TARGETS.items()
        }

    def as_dict(self) -> Dict:
        return {**self.__dict__, "meets_targets": self.meets_targets()}


def score_flags(truth: Sequence[Dict], predicted: Sequence[Dict]) -> FlagScores:
    """A flag counts as positive when it is true; unknown (null) counts as not true."""
    precision, recall, support = {}, {}, {}
    for flag in FLAGS:
        pairs = [(t.get(flag) is True, p.get(flag) is True) for t, p in zip(truth, predicted)]
        true_positive = sum(1 for t, p in pairs if t and p)
        predicted_positive = sum(1 for _, p in pairs if p)
        actual_positive = sum(1 for t, _ in pairs if t)
        precision[flag] = true_positive / predicted_positive if predicted_positive else 0.0
        recall[flag] = true_positive / actual_positive if actual_positive else 0.0
        support[flag] = actual_positive
    asked = [p.get("check") is not None for p in predicted]
    missed_asked = {
        flag: sum(1 for t, p, a in zip(truth, predicted, asked) if t.get(flag) is True and p.get(flag) is not True and a)
        for flag in FLAGS
    }
    return FlagScores(precision, recall, support, len(truth), sum(asked) / max(1, len(truth)), missed_asked)


def format_flag_report(scores: FlagScores, title: str) -> str:
    lines = [f"## {title}", "", "| flag | precision | recall | true in set | missed but asked | target (recall / precision) | met |",
             "|---|---:|---:|---:|---:|---|---|"]
    met = scores.meets_targets()
    for flag in FLAGS:
        target = FLAG_TARGETS.get(flag)
        target_text = f"≥ {target[0]:.2f} / ≥ {target[1]:.2f}" if target else "—"
        lines.append(
            f"| {flag} | {scores.precision[flag]:.3f} | {scores.recall[flag]:.3f} | {scores.support[flag]} "
            f"| {scores.asked_when_missed.get(flag, 0)} | {target_text} | {('yes' if met[flag] else 'NO') if target else '—'} |"
        )
    lines += [
        "",
        f"Check question asked first (middle band): **{scores.check_rate:.1%}** of messages. A check question "
        "is not a hit: a flag counts only when it is raised.",
        "",
        f"n = {scores.n} messages, each judged on its own (one-message conversations).",
    ]
    return "\n".join(lines) + "\n"


#: Targets for the behaviour types on the blind test set.
TYPE_TARGETS = {"macro_f1": 0.90, "accuracy": 0.90, "label_f1": 0.80, "language_macro_f1": 0.85, "geen_precision": 0.90}


def format_language_line(languages: Dict[str, TypeScores]) -> str:
    parts = [f"{language}: macro-F1 {scores.macro_f1:.3f}, accuracy {scores.accuracy:.3f}, "
             f"n = {sum(scores.support.values())}" for language, scores in languages.items()]
    return "By language: " + "; ".join(parts) + "\n"


def format_type_targets(scores: TypeScores, languages: Dict[str, TypeScores]) -> str:
    """Each target for the types, with whether this set meets it."""
    checks = [
        (f"macro-F1 ≥ {TYPE_TARGETS['macro_f1']:.2f}", scores.macro_f1 >= TYPE_TARGETS["macro_f1"]),
        (f"accuracy ≥ {TYPE_TARGETS['accuracy']:.2f}", scores.accuracy >= TYPE_TARGETS["accuracy"]),
        (f"every label's F1 ≥ {TYPE_TARGETS['label_f1']:.2f}", min(scores.f1.values()) >= TYPE_TARGETS["label_f1"]),
        (f"each language's macro-F1 ≥ {TYPE_TARGETS['language_macro_f1']:.2f}",
         all(s.macro_f1 >= TYPE_TARGETS["language_macro_f1"] for s in languages.values())),
        (f"`geen` precision ≥ {TYPE_TARGETS['geen_precision']:.2f}",
         scores.precision["geen"] >= TYPE_TARGETS["geen_precision"]),
    ]
    return "Targets: " + "; ".join(f"{name}: {'yes' if met else 'NO'}" for name, met in checks) + "\n"

"""Chooses the safeguarding model's thresholds on the development sets: recall first, then precision."""

from dataclasses import dataclass
from itertools import product
from typing import Callable, Dict, List, Sequence, Tuple

import numpy as np

from bot.evaluation import FLAG_TARGETS
from contactpunt.labels import MODEL_LABELS
from bot.safeguarding.detector import GATED_BY_MODEL, ModelThresholds, analyse

GRID = np.round(np.arange(0.05, 0.951, 0.025), 3)
#: The "ask" threshold is this share of the "act" one: a check question below the line where the
#: model acts, so that unsure messages are asked about rather than passed over.
ASK_SHARE = 0.5
#: Which pair of model labels each flag is chosen on, in the order they are chosen, and which rules'
#: gates (ModelThresholds.rule_gate) are chosen with them.
PAIRS = (
    ("acute", ("suicidal", "danger_now"), ()),
    ("meldplicht", ("actor_staff", "sexual"), ("sexual",)),
    ("meldcode", ("home_violence", "exploitation"), ("home_violence", "exploitation")),
)
#: Candidates for a rule gate: the model score a rule's hit needs to stand (0 = the rule alone decides).
RULE_GATE_GRID = (0.0, 0.02, 0.05, 0.1, 0.2)
NO_RULE_GATE = {label: 0.0 for label in GATED_BY_MODEL}
#: Thresholds under which only a suicidal score acts: probes whether a message silences the model.
CERTAIN_OF_SUICIDAL = ModelThresholds(act={"suicidal": 0.5}, ask={})


@dataclass
class Columns:
    """Per message: what the rules alone say, the model's scores, and the true flags (no text)."""

    rules: Dict[str, np.ndarray]
    scores: Dict[str, np.ndarray]
    truth: Dict[str, np.ndarray]


def columns(records: Sequence[Dict], parsed: Sequence[Dict]) -> Columns:
    rules: Dict[str, List[bool]] = {name: [] for name in ("acute", "staff", "sexual", "abuse", "exploitation",
                                                           "minor", "minor_not_false", "silenced")}
    for record, parse in zip(records, parsed):
        intent = parse.get("intent") or {}
        alone = analyse(record["text"], intent.get("name"), float(intent.get("confidence") or 0.0))
        rules["acute"].append(alone.acute)
        rules["staff"].append(alone.staff_perpetrator is True)
        rules["sexual"].append(alone.sexual)
        rules["abuse"].append(alone.abuse)
        rules["exploitation"].append(alone.exploitation)
        rules["minor"].append(alone.minor is True)
        rules["minor_not_false"].append(alone.minor is not False)
        # Whether a joke, topic, denial, "long ago" or "what if" turns a sure model into a question:
        # asked of the detector itself, with a model that is certain of suicidal thoughts.
        probe = analyse(record["text"], intent.get("name"), float(intent.get("confidence") or 0.0),
                        scores={"suicidal": 1.0}, thresholds=CERTAIN_OF_SUICIDAL)
        rules["silenced"].append(not probe.acute)
    scores = {label: np.array([float((p.get("safeguarding_scores") or {}).get(label, 0.0)) for p in parsed])
              for label in MODEL_LABELS}
    truth = {flag: np.array([record.get(flag) is True for record in records])
             for flag in ("acute", "meldplicht", "meldcode", "staff_perpetrator")}
    return Columns({k: np.array(v) for k, v in rules.items()}, scores, truth)


#: Candidates for the staff gate (ModelThresholds.staff_gate): the model's actor_staff score a staff
#: member found by the rules (`rule`) or by the model alone (`model`) needs outside meldplicht cases.
GATE_GRID = (0.0, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
NO_GATE = {"rule": 0.0, "model": 0.0}


def predictions(c: Columns, act: Dict[str, float], gate: Dict[str, float] = NO_GATE,
                rule_gate: Dict[str, float] = NO_RULE_GATE) -> Dict[str, np.ndarray]:
    """The flags the detector raises for these thresholds (the model's part, as in detector.analyse)."""
    s = c.scores

    def rule(name: str, label: str) -> np.ndarray:
        return c.rules[name] & (s[label] >= rule_gate.get(label, 0.0))

    acute = c.rules["acute"] | (~c.rules["silenced"] & ((s["suicidal"] >= act["suicidal"]) | (s["danger_now"] >= act["danger_now"])))
    sexual = rule("sexual", "sexual") | (s["sexual"] >= act["sexual"])
    ungated = sexual & c.rules["minor_not_false"]
    by_model = s["actor_staff"] >= act["actor_staff"]
    staff = (c.rules["staff"] & (ungated | (s["actor_staff"] >= gate["rule"]))) | (
        ~c.rules["staff"] & by_model & (ungated | (s["actor_staff"] >= gate["model"])))
    abuse = rule("abuse", "home_violence") | (s["home_violence"] >= act["home_violence"])
    exploitation = rule("exploitation", "exploitation") | (s["exploitation"] >= act["exploitation"])
    return {"acute": acute, "staff_perpetrator": staff, "meldplicht": c.rules["minor"] & staff & sexual,
            "meldcode": (abuse | exploitation) & c.rules["minor_not_false"]}


def recall_precision(truth: np.ndarray, predicted: np.ndarray) -> Tuple[float, float]:
    hits = float(np.sum(truth & predicted))
    return hits / max(1, int(truth.sum())), hits / max(1, int(predicted.sum()))


def _best(candidates: List[Tuple[Tuple[float, float], float, float]], targets: Tuple[float, float]) -> Tuple[float, float]:
    """Recall first, then precision, above the flag's precision target as a floor (a flag raised by
    mistake sends 112/113 or a legal duty to someone it does not concern, and what the floor leaves
    out still gets a check question): among thresholds keeping the floor, the best precision of those
    meeting the recall target, else the best recall; where none keeps the floor, the best F2."""
    recall_target, floor = targets
    floored = [c for c in candidates if c[2] >= floor]
    if floored:
        meeting = [c for c in floored if c[1] >= recall_target]
        if meeting:
            return max(meeting, key=lambda c: (c[2], c[0]))[0]
        return max(floored, key=lambda c: (c[1], c[2], c[0]))[0]
    return max(candidates, key=lambda c: (5 * c[1] * c[2] / max(1e-9, 4 * c[2] + c[1]), c[0]))[0]


def choose(c: Columns, report: Callable[[str], None] = print) -> Dict[str, Dict[str, float]]:
    act = {label: 0.5 for label in MODEL_LABELS}
    rule_gate = dict(NO_RULE_GATE)
    for flag, (first, second), gated in PAIRS:
        candidates = []
        # Gates enter the candidate negated, so that among equal results the smallest wins (_best breaks
        # ties towards the larger): a rule stands on its own unless overruling it helps.
        for a, b, *gates in product(GRID, GRID, *[RULE_GATE_GRID] * len(gated)):
            trial = {**act, first: float(a), second: float(b)}
            trial_gate = {**rule_gate, **dict(zip(gated, gates))}
            predicted = predictions(c, trial, rule_gate=trial_gate)
            recall, precision = recall_precision(c.truth[flag], predicted[flag])
            if flag == "meldplicht":  # the staff threshold must also find staff members
                staff_recall, _ = recall_precision(c.truth["staff_perpetrator"], predicted["staff_perpetrator"])
                if staff_recall < FLAG_TARGETS["staff_perpetrator"][0]:
                    recall = min(recall, staff_recall)
            candidates.append(((float(a), float(b)) + tuple(-float(g) for g in gates), recall, precision))
        chosen = _best(candidates, FLAG_TARGETS[flag])
        act[first], act[second] = chosen[:2]
        rule_gate.update({label: -value for label, value in zip(gated, chosen[2:])})
    gate = _choose_gate(c, act, rule_gate)
    final = predictions(c, act, gate, rule_gate)
    for flag in ("acute", "meldplicht", "meldcode", "staff_perpetrator"):
        recall, precision = recall_precision(c.truth[flag], final[flag])
        report(f"{flag}: recall {recall:.3f}, precision {precision:.3f} on the development sets")
    return {"act": act, "ask": {label: round(value * ASK_SHARE, 3) for label, value in act.items()},
            "staff_gate": gate, "rule_gate": rule_gate}


def _choose_gate(c: Columns, act: Dict[str, float], rule_gate: Dict[str, float]) -> Dict[str, float]:
    """The staff gate, recall first as the thresholds (meldplicht does not depend on it)."""
    candidates = []
    for rule, model in product(GATE_GRID, GATE_GRID):
        gate = {"rule": rule, "model": model}
        predicted = predictions(c, act, gate, rule_gate)["staff_perpetrator"]
        recall, precision = recall_precision(c.truth["staff_perpetrator"], predicted)
        candidates.append(((rule, model), recall, precision))
    rule, model = _best(candidates, FLAG_TARGETS["staff_perpetrator"])
    return {"rule": rule, "model": model}

"""The threshold chooser: recall first above each flag's precision floor, and a staff gate that leaves meldplicht alone."""

import numpy as np

from contactpunt.labels import MODEL_LABELS
from bot.threshold_choice import Columns, _best, choose, predictions, recall_precision


def test_recall_first_but_never_below_the_precision_floor():
    candidates = [((0.1, 0.1), 0.99, 0.70), ((0.2, 0.2), 0.93, 0.86), ((0.3, 0.3), 0.90, 0.95)]
    assert _best(candidates, (0.97, 0.85)) == (0.2, 0.2)  # no one meets 0.97 above the floor: most recall
    assert _best(candidates, (0.92, 0.85)) == (0.2, 0.2)
    assert _best(candidates, (0.90, 0.85)) == (0.3, 0.3)  # both meet the target: the more precise


def columns(n=8, **overrides):
    rules = {name: np.zeros(n, bool) for name in ("acute", "staff", "sexual", "abuse", "exploitation", "minor",
                                                  "minor_not_false", "silenced")}
    scores = {label: np.zeros(n) for label in MODEL_LABELS}
    truth = {flag: np.zeros(n, bool) for flag in ("acute", "meldplicht", "meldcode", "staff_perpetrator")}
    for key, value in overrides.items():
        group, name = key.split("__")
        {"rules": rules, "scores": scores, "truth": truth}[group][name] = np.array(value)
    return Columns(rules, scores, truth)


def test_the_staff_gate_never_removes_a_meldplicht():
    # two messages: a teacher named in passing (low actor_staff), and a teacher touching a 15-year-old
    c = columns(2, rules__staff=[True, True], rules__sexual=[False, True], rules__minor=[False, True],
                rules__minor_not_false=[False, True], scores__actor_staff=[0.02, 0.02])
    act = {label: 0.5 for label in MODEL_LABELS}
    gated = predictions(c, act, {"rule": 0.1, "model": 0.1})
    assert gated["staff_perpetrator"].tolist() == [False, True]
    assert gated["meldplicht"].tolist() == [False, True]


def test_choose_finds_a_gate_that_lifts_staff_precision():
    # six rule hits on a staff member: four real (the model agrees), two only named (the model does not)
    c = columns(6, rules__staff=[True] * 6, scores__actor_staff=[0.9, 0.8, 0.7, 0.6, 0.04, 0.03],
                truth__staff_perpetrator=[True, True, True, True, False, False])
    chosen = choose(c, report=lambda line: None)
    staff = predictions(c, chosen["act"], chosen["staff_gate"])["staff_perpetrator"]
    assert recall_precision(c.truth["staff_perpetrator"], staff) == (1.0, 1.0)
    assert set(chosen["staff_gate"]) == {"rule", "model"}


def test_choose_gates_a_rule_only_where_overruling_it_helps():
    # eight exploitation rule hits on minors: six real (the model agrees), two a lesson about loverboys
    # (the model does not); the home-violence rule is always right and stays ungated
    n = 8
    c = columns(n, rules__exploitation=[True] * 6 + [True, True], rules__minor_not_false=[True] * n,
                scores__exploitation=[0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.01, 0.0],
                truth__meldcode=[True] * 6 + [False, False])
    chosen = choose(c, report=lambda line: None)
    meldcode = predictions(c, chosen["act"], chosen["staff_gate"], chosen["rule_gate"])["meldcode"]
    assert recall_precision(c.truth["meldcode"], meldcode) == (1.0, 1.0)
    assert 0.01 < chosen["rule_gate"]["exploitation"] <= 0.4
    assert chosen["rule_gate"]["home_violence"] == 0.0 and chosen["rule_gate"]["sexual"] == 0.0


def test_columns_mark_what_turns_a_sure_model_into_a_question():
    # without any danger words the detector still lets a joke, a lesson topic or "long ago" silence
    # the model: the chooser must see that too
    from bot.threshold_choice import columns as from_messages

    texts = ["ik voel me alleen", "ik ga echt dood van die docent haha", "we hadden een gastles over loverboys",
             "twee jaar geleden ging het slecht met me, inmiddels gaat het goed"]
    c = from_messages([{"text": text} for text in texts], [{} for _ in texts])
    assert c.rules["silenced"].tolist() == [False, True, True, True]

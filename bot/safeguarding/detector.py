"""Reads one message for safeguarding signals and says which rule found each one (never the text)."""

from dataclasses import dataclass, field
from typing import List, Mapping, Optional

from contactpunt.labels import MODEL_LABELS
from bot.nlu.dutch_pipeline import dutch_nlp
from bot.safeguarding.ages import find_ages, minor_from_ages
from bot.safeguarding.flags import MessageSignals
from bot.safeguarding.rules import Hit, find_hits

#: Tokens before a trigger in which "niet/geen/not" cancels it ("ik denk niet aan zelfmoord").
NEGATION_WINDOW = 3
#: Tokens after a trigger in which "niet" cancels it ("hij slaat me niet").
NEGATION_AFTER = 2
#: The classifier's top intent counts as a signal from these confidences on (its probabilities
#: over 24 intents are flat). A sexual signal only matters together with a minor and a staff
#: member, so it may be sensitive (0.25, the dialogue's fallback threshold); an exploitation
#: signal raises meldcode almost on its own, so it must be confident.
SEXUAL_INTENT_CONFIDENCE = 0.25
EXPLOITATION_INTENT_CONFIDENCE = 0.5

ACTORS = ("staff", "peer", "company", "family_or_partner")
#: The rules' actor categories as the model names them.
MODEL_ACTORS = {"staff": "actor_staff", "peer": "actor_peer", "company": "actor_company",
                "family_or_partner": "actor_family"}
#: The signals whose rule hits the model may overrule (ModelThresholds.rule_gate).
GATED_BY_MODEL = ("sexual", "home_violence", "exploitation")
#: Which check question a signal in the middle band asks, most urgent first (bot/safeguarding/checks).
CHECK_OF = {"suicidal": "suicidal", "danger_now": "danger", "actor_staff": "staff", "home_violence": "home",
            "exploitation": "exploitation"}


@dataclass(frozen=True)
class ModelThresholds:
    """Per model label: from `act` on the model raises the signal; from `ask` on it asks a check question.

    Chosen on the development sets for recall first, then precision (docs/evaluation.md); set in config.yml.
    """

    act: Mapping[str, float] = field(default_factory=lambda: {label: 0.5 for label in MODEL_LABELS})
    ask: Mapping[str, float] = field(default_factory=lambda: {label: 0.25 for label in MODEL_LABELS})
    #: Outside sexual behaviour towards someone who may be a minor (where a staff member must never be
    #: missed: meldplicht), who did it also needs the model's actor_staff score from here on: `rule`
    #: when a staff member is the first person the rules find ("de docent had het over loverboys"
    #: names one without accusing them), `model` when only the model hears one. 0 = no such gate.
    staff_gate: Mapping[str, float] = field(default_factory=lambda: {"rule": 0.0, "model": 0.0})
    #: Per signal a rule (or the intent classifier) can raise: the model's score for it that the rule's hit
    #: needs to raise the signal. Below it a hit with a check question asks instead ("loverboys" in a
    #: message about a bus stop). 0 = no gate; without model scores nothing is gated.
    rule_gate: Mapping[str, float] = field(default_factory=lambda: {label: 0.0 for label in GATED_BY_MODEL})

    def confirms(self, scores: Mapping[str, float], label: str) -> bool:
        """Whether the model lets a rule's hit for this label stand (rule_gate)."""
        return label not in scores or scores[label] >= self.rule_gate.get(label, 0.0)

    def band(self, scores: Mapping[str, float], label: str) -> Optional[str]:
        """"act", "ask" or None for this label's score."""
        score = scores.get(label, 0.0)
        if score >= self.act.get(label, 1.01):
            return "act"
        if score >= self.ask.get(label, 1.01):
            return "ask"
        return None


def _negated(hit: Hit, negations: List[Hit]) -> bool:
    """A negation just before or after the trigger, or in one of its `~` slots ("mezelf niks aandoen");
    "niemand" only before it. A trigger that is itself said with a negation ("niet meer leven") is only
    repeated by one after it ("ik wil niet meer leven, echt niet"), not denied."""
    said_negatively = any(hit.start <= n.start < hit.end and n.start not in hit.wildcards for n in negations)
    return any(
        hit.start - NEGATION_WINDOW <= n.start < hit.start
        or (hit.end <= n.start < hit.end + NEGATION_AFTER and n.rule != "niemand" and not said_negatively)
        or n.start in hit.wildcards
        for n in negations
    )


def _first(hits: List[Hit]) -> Optional[Hit]:
    return hits[0] if hits else None


def analyse(
    text: str,
    intent: Optional[str] = None,
    intent_confidence: float = 0.0,
    scores: Optional[Mapping[str, float]] = None,
    thresholds: ModelThresholds = ModelThresholds(),
) -> MessageSignals:
    """Rules and the learned model together: either raises a signal; the reasons say which (`:model`).

    A model score in the middle band asks a check question instead (`check`); so does a confident
    model score that a joke, a topic or a "what if" would otherwise silence: asking is safe, a
    silenced real message is not.
    """
    scores = scores or {}
    doc = dutch_nlp()(text)
    hits = find_hits(doc)
    signals = MessageSignals()
    reasons = signals.reasons
    asks: List[str] = []

    def of(category: str) -> List[Hit]:
        return [hit for hit in hits if hit.category == category]

    def model(label: str, reason: str) -> bool:
        """True when the model is confident; a middle-band score is remembered for a check question."""
        band = thresholds.band(scores, label)
        if band == "ask":
            asks.append(label)
        if band == "act":
            reasons.append(reason)
        return band == "act"

    # "dit is geen grapje" denies the joke, not what follows it; a joke word in such a phrase
    # ("ik dacht eerst dat het een grapje was") is no joke either.
    denials = [(h.start, h.end) for h in of("not_a_joke")]

    def in_denial(hit: Hit) -> bool:
        return any(start <= hit.start < end for start, end in denials)

    negations = [hit for hit in of("negation") if not in_denial(hit)]
    joking = any(not in_denial(hit) and not _negated(hit, negations) for hit in of("joke"))
    # The reporter describing themselves ("ik ben docent") and the person who told the reporter
    # ("een meisje (16) zegt dat ...") are not the one doing it.
    self_spans = [(h.start, h.end) for h in of("reporter_is_staff")]
    teller_starts = {position for h in of("teller") for position in (h.start, h.start + 1)}

    def live(category: str) -> List[Hit]:
        """Hits that are not negated; for people, only those who may be the one doing it."""
        hits = [hit for hit in of(category) if not _negated(hit, negations)]
        if category in ACTORS:
            hits = [
                hit
                for hit in hits
                if hit.start not in teller_starts and not any(start <= hit.start < end for start, end in self_spans)
            ]
        return hits

    signals.hypothetical = bool(of("hypothetical"))
    if signals.hypothetical:
        reasons.append("hypothetical:" + of("hypothetical")[0].rule)
    about_a_topic = bool(of("topic"))
    signals.reporter_is_staff = bool(of("reporter_is_staff"))
    if signals.reporter_is_staff:
        reasons.append("reporter_is_staff:" + of("reporter_is_staff")[0].rule)

    # minor: ages first, then a parent about their child, school context, adult context
    ages = find_ages(text)
    from_ages = minor_from_ages(ages)
    if from_ages is not None:
        signals.minor = from_ages
        reasons.append(f"minor:{'age_under_18' if from_ages else 'age_18_plus'}")
    elif live("child_of_reporter"):
        signals.minor = True
        reasons.append("minor:" + live("child_of_reporter")[0].rule)
    elif live("minor_context"):
        signals.minor = True
        reasons.append("minor:" + live("minor_context")[0].rule)
    elif of("adult_context"):
        signals.minor = False
        reasons.append("minor_false:" + of("adult_context")[0].rule)

    def by_rule(label: str, reason: Optional[str]) -> bool:
        """A rule's hit raises the signal when the model does not overrule it (rule_gate); a hit it
        overrules is recorded, and asks where the label has a check question."""
        if reason is None:
            return False
        if thresholds.confirms(scores, label):
            reasons.append(reason)
            return True
        reasons.append(reason.replace(":", "_unconfirmed:", 1))
        asks.append(label)
        return False

    sexual = live("sexual")
    sexual_reason = None
    if sexual:
        sexual_reason = "sexual:" + sexual[0].rule
    elif intent == "seksuele_intimidatie" and intent_confidence >= SEXUAL_INTENT_CONFIDENCE:
        sexual_reason = "sexual:classifier"
    if by_rule("sexual", sexual_reason) or model("sexual", "sexual:model"):
        signals.sexual = True

    # staff perpetrator: the first actor the rules find who is not the reporter, or the model's;
    # outside sexual behaviour towards a possible minor the model must agree (staff_gate)
    actors = sorted((hit for category in ACTORS for hit in live(category)), key=lambda hit: hit.start)
    first_actor = _first(actors)
    ungated = (signals.sexual and signals.minor is not False) or "actor_staff" not in scores

    def confirmed(way: str) -> bool:
        return ungated or scores["actor_staff"] >= thresholds.staff_gate.get(way, 0.0)

    if first_actor is not None and first_actor.category == "staff":
        if confirmed("rule"):
            signals.staff_perpetrator = True
            reasons.append("staff:" + first_actor.rule)
        else:
            reasons.append("staff_unconfirmed:" + first_actor.rule)
    elif model("actor_staff", "staff:model"):
        if confirmed("model"):
            signals.staff_perpetrator = True
        else:
            reasons[-1] = "staff_unconfirmed:model"
    elif first_actor is not None and not (first_actor.category == "family_or_partner" and live("staff")):
        signals.staff_perpetrator = False
        reasons.append("not_staff:" + first_actor.category)
    else:
        others = [label for label in MODEL_LABELS if label.startswith("actor_") and label != "actor_staff"]
        other = max(others, key=lambda label: scores.get(label, 0.0))
        if thresholds.band(scores, other) == "act":
            signals.staff_perpetrator = False
            reasons.append("not_staff:model:" + other)

    at_home = bool(live("family_or_partner"))
    family = any(hit.rule != "partner" for hit in live("family_or_partner"))
    abuse = live("abuse")
    violent_at_home = [hit for hit in abuse if hit.rule not in ("geweld_thuis", "opgesloten") or at_home]
    abuse_reason = None
    if violent_at_home:
        abuse_reason = "abuse:" + violent_at_home[0].rule
    elif signals.sexual and family and not live("staff"):
        abuse_reason = "abuse:sexual_by_family"
    if by_rule("home_violence", abuse_reason) or model("home_violence", "abuse:model"):
        signals.abuse = True

    exploitation = live("exploitation")
    exploitation_reason = None
    if exploitation:
        exploitation_reason = "exploitation:" + exploitation[0].rule
    elif intent == "mensenhandel" and intent_confidence >= EXPLOITATION_INTENT_CONFIDENCE:
        exploitation_reason = "exploitation:classifier"
    if exploitation and about_a_topic:
        reasons.append("exploitation_ignored:topic")
    elif by_rule("exploitation", exploitation_reason) or model("exploitation", "exploitation:model"):
        signals.exploitation = True

    danger = live("danger_now") + live("suicidal")
    # "ik denk niet aan zelfmoord": the reporter said no in so many words; a model that still
    # hears danger asks rather than overrules them.
    denied = not danger and any(_negated(hit, negations) for hit in of("danger_now") + of("suicidal"))
    over = bool(of("past")) and not of("still_now")
    silenced = (
        "joke" if joking else "topic" if about_a_topic else "negation" if denied else "past" if over else None
    )
    if (danger or denied) and silenced:
        reasons.append(f"acute_ignored:{silenced}")
        if silenced == "past":  # "two years ago I wanted to die, now it's fine": ask about now
            asks.append("suicidal" if any(hit.category == "suicidal" for hit in danger) else "danger_now")
    elif danger:
        signals.acute = True
        reasons.append(f"acute:{danger[0].category}:{danger[0].rule}")
    for label in ("suicidal", "danger_now"):
        if signals.acute:
            break
        if model(label, f"acute:{label}:model"):
            if silenced:  # the model is sure, a joke, topic or denial says otherwise: ask
                reasons.pop()
                asks.append(label)
            else:
                signals.acute = True

    if signals.hypothetical:
        # A question about what would happen is not a report: nothing in it is a fact about someone.
        # Only the model's sense of danger survives, as a question.
        asks += [label for label in ("suicidal", "danger_now") if reasons.count(f"acute:{label}:model")]
        signals.sexual = signals.abuse = signals.exploitation = signals.acute = False
        signals.staff_perpetrator = None
        if not any(age.whose == "self" for age in ages):
            signals.minor = None
        signals.reasons = [r for r in reasons if r.startswith(("hypothetical:", "reporter_is_staff:"))]
    signals.check = _check(signals, asks)
    return signals


def _check(signals: MessageSignals, asks: List[str]) -> Optional[str]:
    """The one check question worth asking, most urgent first, only where no flag answers it already."""
    for label, check in CHECK_OF.items():
        if label not in asks:
            continue
        if check in ("suicidal", "danger") and not signals.acute:
            return check
        if check == "staff" and signals.sexual and signals.minor is not False and signals.staff_perpetrator is None:
            return check
        if check == "home" and not signals.abuse:
            return check
        if check == "exploitation" and not signals.exploitation and signals.minor is not False:
            return check
    return None

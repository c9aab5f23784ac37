"""Writes docs/performance.md (tables, targets met or not) and the plot docs/performance.png from the benchmark's results dict."""

import textwrap
from pathlib import Path
from typing import Dict, List, Optional

#: Rasa CPU per turn measured before the performance work (the issue's starting point), ms.
BEFORE_MS = 193.0
TARGET_P95_MS = 300.0
CONCURRENCY = ("1 reporter", "10 reporters", "50 reporters", "100 reporters")


def _n(value: Optional[float], digits: int = 0, unit: str = "") -> str:
    return "–" if value is None else f"{value:,.{digits}f}{unit}"


def _scenario_label(figures: Dict) -> str:
    scenario = figures["scenario"]
    if scenario["seconds"]:
        return f"saturation: {scenario['reporters']} reporters, no think time, {scenario['seconds']:.0f} s"
    think = (f"{scenario['think_min']:.0f}–{scenario['think_max']:.0f} s think time"
             if scenario["think_max"] else "no think time")
    conversations = scenario["reporters"] * scenario["conversations"]
    return f"{scenario['name']}, {think}, {conversations} conversation{'s' if conversations != 1 else ''}"


def system_table(system: Dict) -> List[str]:
    lines = ["| scenario | turns | errors | messages lost / duplicated | p50 ms | p95 ms | p99 ms | turns/s "
             "| Rasa CPU ms/turn | actions CPU ms/turn | launcher CPU ms/turn | Rasa peak RSS MiB "
             "| actions peak RSS MiB |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for figures in system["scenarios"].values():
        cpu, rss = figures["cpu_ms_per_turn"], figures["peak_rss_mib"]
        lines.append(
            f"| {_scenario_label(figures)} | {figures['answered']}/{figures['turns']} | {figures['errors']} "
            f"| {_lost_duplicated(figures.get('messages'))} | {_n(figures['p50_ms'])} | {_n(figures['p95_ms'])} | {_n(figures['p99_ms'])} "
            f"| {_n(figures['turns_per_s'], 2)} | {_n(cpu.get('rasa'), 1)} | {_n(cpu.get('actions'), 1)} "
            f"| {_n(cpu.get('launcher'), 1)} | {_n(rss.get('rasa'))} | {_n(rss.get('actions'))} |")
    overall = system["overall"]["cpu_ms_per_turn"]
    lines.append(f"| **all scenarios** | {system['overall']['answered']} | | | | | | | **{_n(overall.get('rasa'), 1)}** "
                 f"| **{_n(overall.get('actions'), 1)}** | {_n(overall.get('launcher'), 1)} | | |")
    errors = {kind: count for figures in system["scenarios"].values()
              for kind, count in figures["errors_by_kind"].items()}
    idle = system.get("idle")
    if idle and idle.get("seconds"):
        lines += ["", f"CPU without load ({idle['seconds']:.0f} s after the warm-up; counted in every scenario's CPU "
                  "per turn as well): " + ", ".join(f"{name} {seconds / idle['seconds'] * 1000:.0f} ms per second"
                                                     for name, seconds in sorted(idle["cpu_s"].items())) + "."]
    generator = [(figures["scenario"]["name"], figures["generator_cpu_s"] / figures["seconds"])
                 for figures in system["scenarios"].values() if figures.get("generator_cpu_s") and figures["seconds"]]
    if generator:
        lines += ["", "The load generator's own CPU use (share of one CPU over the scenario): " + ", ".join(
            f"{name} {share:.0%}" for name, share in generator) + "."]
    if errors:
        lines += ["", "Errors by kind: " + ", ".join(f"{kind}: {count}" for kind, count in sorted(errors.items()))]
    return lines


def _lost_duplicated(messages: Optional[Dict]) -> str:
    """'lost / duplicated' of the numbered messages, '–' for a system that does not number them."""
    if not messages or not messages.get("numbered"):
        return "–"
    return f"{messages['lost']} / {messages['duplicated']} of {messages['numbered']:,}"


def _messages(results: Dict, system: str) -> Optional[Dict]:
    """Numbered messages over all of a system's scenarios."""
    scenarios = ((results["systems"].get(system) or {}).get("scenarios") or {}).values()
    counted = [figures["messages"] for figures in scenarios if (figures.get("messages") or {}).get("numbered")]
    if not counted:
        return None
    return {key: sum(messages[key] for messages in counted) for key in ("numbered", "lost", "duplicated")}


def _cpu(results: Dict, system: str, component: str = "rasa") -> Optional[float]:
    found = results["systems"].get(system)
    if not found or "overall" not in found:
        return None
    return found["overall"]["cpu_ms_per_turn"].get(component)


def _saturation(results: Dict, system: str) -> Optional[float]:
    found = results["systems"].get(system) or {}
    figures = (found.get("scenarios") or {}).get("saturation")
    return figures["turns_per_s"] if figures else None


def _verdict(ok: Optional[bool]) -> str:
    return "not measured" if ok is None else ("**yes**" if ok else "**no**")


def targets(results: Dict) -> List[str]:
    ours, plain = _cpu(results, "ours"), _cpu(results, "plain")
    ratio = ours / plain if ours is not None and plain else None
    hundred = ((results["systems"].get("ours") or {}).get("scenarios") or {}).get("100 reporters")
    one, two = _saturation(results, "ours"), _saturation(results, "ours-2")
    skipped = (results["systems"].get("ours-2") or {}).get("skipped")
    two_messages = _messages(results, "ours-2")
    rows = [
        ("Rasa CPU per turn ≤ half of the 193 ms measured before the work (≤ 96.5 ms)", _n(ours, 1, " ms"),
         None if ours is None else ours <= BEFORE_MS / 2),
        ("Rasa CPU per turn ≤ 1.5 × plain Rasa", "–" if ratio is None else f"{ratio:.2f} × ({_n(ours, 1)} vs "
         f"{_n(plain, 1)} ms)", None if ratio is None else ratio <= 1.5),
        ("100 reporters, 5–15 s think time: p95 first reply ≤ 300 ms",
         _n(hundred["p95_ms"], 0, " ms") if hundred else "–",
         None if not hundred or hundred["p95_ms"] is None else hundred["p95_ms"] <= TARGET_P95_MS),
        ("100 reporters, 5–15 s think time: 0 errors", str(hundred["errors"]) if hundred else "–",
         None if not hundred else hundred["errors"] == 0),
        ("saturation, 1 Rasa process: turns/s (reported)", _n(one, 2), None),
        ("saturation, 2 Rasa processes: turns/s (reported; more than with 1)",
         f"skipped: {skipped}" if skipped else _n(two, 2),
         None if one is None or two is None else two > one),
        ("2 Rasa processes: 0 messages lost or duplicated (numbers each page saw)",
         _lost_duplicated(two_messages), None if not two_messages else
         two_messages["lost"] == 0 and two_messages["duplicated"] == 0),
    ]
    return ["| target | measured | met |", "|---|---|---|",
            *(f"| {what} | {measured} | {_verdict(ok) if ok is not None or 'reported)' not in what else '–'} |"
              for what, measured, ok in rows)]


def render(results: Dict, plot_name: str = "performance.png") -> str:
    machine = results["machine"]
    lines = [
        "# Performance under load (`make bench`)",
        "",
        f"Measured {results['date']} on {machine['cpus']} CPUs ({machine['cpu_model']}), {machine['ram_gib']} GiB RAM, "
        f"Python {machine['python']}, commit `{results['commit']}`"
        + (" — **short run (`--quick`)**, not the full benchmark" if results.get("quick") else "")
        + (f"; the whole run took {results['minutes']} minutes." if results.get("minutes") else "."),
        "",
        "What the profile showed and what was changed for these figures: docs/decisions.md, \"Fast under load\".",
        "",
        "## How it was measured",
        "",
        "- Each system runs on loopback on this machine; the load generator is a separate process (python-socketio "
        "clients, long-polling transport as in the tests) that holds scripted conversations over the real socket.io "
        "channel: connect, `session_request`, then four turns. Every bot message is acknowledged.",
        "- Contactpunt (`contactpunt run`, SQLite, encrypted tracker store): a fictional report (one of 12, about "
        "fellow students; no danger, so the ordinary route), `ja`, `student`, `wat gebeurt er met wat ik vertel?`. "
        "Plain Rasa 3.6 (`rasa init` template, in-memory tracker store, plus one custom action `action_hello_world` "
        "on its action server after the greeting, Rasa's own `socketio` channel without session persistence): "
        "`hello`, `I am feeling sad`, `yes`, `bye`.",
        "- Latency: from sending `user_uttered` to the first `bot_uttered` of that turn. A turn is over once no "
        "further message came for 0.5 s; think time (5–15 s, uniform) starts after that. Errors: no reply within "
        "10 s, a `refused` event, a disconnect, a failed connection.",
        "- One warm-up conversation before the scenarios (not counted). Scenarios: 1 reporter without think time "
        "(8 conversations in a row); 10, 50 and 100 concurrent reporters with 5–15 s think time, one conversation "
        "each, starts spread over 5 s; saturation: 40 reporters without think time repeating conversations (each "
        "still waits the 0.5 s after a turn, so 40 are needed to keep even one process busy), "
        "turns/s = answered turns / time from the first message to the last first reply.",
        "- CPU: utime + stime (and reaped children) of every process in the service's tree, from /proc/<pid>/stat, "
        "difference over the scenario divided by answered turns; the Rasa processes (`bot.rasa_main`, or `rasa run`) "
        "and the action server (`rasa_sdk`, `rasa run actions`) apart. Peak RSS: highest sum of VmRSS over the "
        "service's processes, sampled every 0.5 s. 'launcher' is the `contactpunt run` process itself (web-chat "
        "page, adviser console and, with several Rasa processes, the sticky front that routes socket.io). Redis "
        "and PostgreSQL (two-process mode only) are not counted. The load generator shares the machine's CPUs.",
        "- Raw figures: `results/bench/results.json`.",
        "",
        "## Targets",
        "",
        *targets(results),
        "",
    ]
    for key in ("ours", "ours-2", "plain"):
        system = results["systems"].get(key)
        if not system:
            continue
        lines += [f"## {system['label']}", ""]
        if system.get("skipped"):
            lines += [f"Skipped: {system['skipped']}.", ""]
            continue
        lines += [*system_table(system), ""]
    ours, plain = _cpu(results, "ours"), _cpu(results, "plain")
    actions_ours, actions_plain = _cpu(results, "ours", "actions"), _cpu(results, "plain", "actions")
    if ours is not None and plain:
        lines += ["## Contactpunt / plain Rasa, CPU per turn (all scenarios)", "",
                  "| component | Contactpunt ms | plain Rasa ms | ratio |", "|---|---:|---:|---:|",
                  f"| Rasa | {ours:.1f} | {plain:.1f} | {ours / plain:.2f} × |"]
        if actions_ours is not None and actions_plain:
            lines.append(f"| action server | {actions_ours:.1f} | {actions_plain:.1f} | "
                         f"{actions_ours / actions_plain:.2f} × |")
        lines.append("")
    lines += [f"![First-reply latency against concurrency; CPU per turn per component]({plot_name})", ""]
    return "\n".join(lines)


def plot(results: Dict, path: Path) -> None:
    import logging
    import warnings

    logging.getLogger("matplotlib").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its style files use pyparsing names pyparsing now calls deprecated
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

    figure, (latency, cpu) = plt.subplots(1, 2, figsize=(11, 4.2))
    styles = {"ours": ("Contactpunt", "tab:blue"), "plain": ("plain Rasa", "tab:gray")}
    for key, (label, colour) in styles.items():
        scenarios = (results["systems"].get(key) or {}).get("scenarios") or {}
        points = [(figures["scenario"]["reporters"], figures) for name, figures in scenarios.items()
                  if name in CONCURRENCY and figures["p50_ms"] is not None]
        if not points:
            continue
        xs = [x for x, _ in points]
        latency.plot(xs, [f["p50_ms"] for _, f in points], "o-", color=colour, label=f"{label} p50")
        latency.plot(xs, [f["p95_ms"] for _, f in points], "s--", color=colour, label=f"{label} p95")
    latency.axhline(TARGET_P95_MS, color="tab:red", linewidth=0.8, linestyle=":", label="p95 target 300 ms")
    latency.set_xscale("log")
    latency.set_xlabel("concurrent reporters (1: no think time; others 5–15 s)")
    latency.set_ylabel("first reply, ms")
    latency.set_title("First-reply latency")
    latency.legend(fontsize=8)
    systems = [(key, system) for key, system in results["systems"].items() if system.get("overall")]
    components = ("rasa", "actions")
    width = 0.8 / max(1, len(components))
    for index, component in enumerate(components):
        values = [system["overall"]["cpu_ms_per_turn"].get(component) or 0 for _, system in systems]
        positions = [number + (index - (len(components) - 1) / 2) * width for number in range(len(systems))]
        cpu.bar(positions, values, width, label={"rasa": "Rasa", "actions": "action server"}[component])
    cpu.axhline(BEFORE_MS / 2, color="tab:red", linewidth=0.8, linestyle=":", label="target: Rasa ≤ 96.5 ms")
    cpu.set_xticks(range(len(systems)))
    cpu.set_xticklabels([textwrap.fill(system["label"], 18) for _, system in systems], fontsize=8)
    cpu.set_ylabel("CPU ms per turn (all scenarios)")
    cpu.set_title("CPU per turn")
    cpu.legend(fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)

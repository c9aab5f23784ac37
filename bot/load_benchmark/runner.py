"""Orchestrates `contactpunt bench`: starts each system, runs every scenario's load with CPU and memory measured, writes the results."""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional

from bot.load_benchmark.process_stats import Meter
from bot.load_benchmark.repo import ROOT
from bot.load_benchmark.stats import per_turn, summarise_turns
from bot.local_servers.ports import free_port
from bot.local_servers.postgres_server import running_postgres
from bot.local_servers.redis_server import running_redis

RESULTS = Path("results/bench")
#: Seconds without load after the warm-up, to tell CPU the services spend anyway from CPU per turn.
IDLE_SECONDS = 10.0
#: Reporters without think time: each waits 0.5 s after a turn's last message (load_client.SETTLE), so 20 could
#: offer at most ~35 turns/s, less than one Rasa process handles on 2 cores; 40 keep the processes busy.
SATURATION_REPORTERS = 40
DOC = Path("docs/performance.md")
PLOT = Path("docs/performance.png")


@dataclass
class Scenario:
    name: str
    reporters: int
    conversations: int = 1
    seconds: float = 0.0  # > 0: repeat conversations for this long (saturation)
    think_min: float = 0.0
    think_max: float = 0.0
    ramp: float = 0.0

    @property
    def saturation(self) -> bool:
        return self.seconds > 0


def scenarios(quick: bool, saturation_seconds: float) -> List[Scenario]:
    """The full set (about 15-20 minutes with both systems on 2 cores), or a short one for trying it out."""
    if quick:
        return [Scenario("1 reporter", 1, conversations=2),
                Scenario("10 reporters", 10, think_min=1, think_max=3, ramp=2),
                Scenario("saturation", 10, seconds=min(saturation_seconds, 15))]
    think = dict(think_min=5, think_max=15, ramp=5)
    return [Scenario("1 reporter", 1, conversations=8),
            Scenario("10 reporters", 10, **think),
            Scenario("50 reporters", 50, **think),
            Scenario("100 reporters", 100, **think),
            Scenario("saturation", SATURATION_REPORTERS, seconds=saturation_seconds)]


def run_load(stack: Dict, system: str, scenario: Scenario, seed: int, label: str) -> Dict:
    """The load generator in its own process; its turn records."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = Path(handle.name)
    try:
        command = [sys.executable, "-m", "bot.load_benchmark.load_client", "--url", stack["url"],
                   "--origin", stack["origin"], "--system", system, "--reporters", str(scenario.reporters),
                   "--conversations", str(scenario.conversations), "--seconds", str(scenario.seconds),
                   "--think-min", str(scenario.think_min), "--think-max", str(scenario.think_max),
                   "--ramp", str(scenario.ramp), "--seed", str(seed), "--label", label, "--out", str(out)]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(command, cwd=ROOT, env={**os.environ, "PYTHONWARNINGS": "ignore"})
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            raise RuntimeError(f"the load generator stopped with exit {done.returncode}")
        load = json.loads(out.read_text(encoding="utf-8"))
        # its own CPU: on a small machine it competes with the systems it measures
        load["generator_cpu_s"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        return load
    finally:
        out.unlink(missing_ok=True)


def measure(stack: Dict, system: str, scenario: Scenario, seed: int, label: str) -> Dict:
    """One scenario: load, CPU of each service's process tree over it, peak resident memory."""
    with Meter(stack["services"]) as meter:
        load = run_load(stack, system, scenario, seed, label)
    figures = summarise_turns(load["turns"], load["seconds"])
    figures.update({
        "scenario": asdict(scenario),
        "conversations": load["conversations"],
        "messages": load.get("messages"),
        "generator_cpu_s": load.get("generator_cpu_s"),
        "cpu_s": meter.cpu,
        "cpu_ms_per_turn": {name: per_turn(seconds, figures["answered"]) for name, seconds in meter.cpu.items()},
        "peak_rss_mib": meter.peak,
        "processes": meter.processes,
    })
    return figures


def run_system(stack: Dict, system: str, label: str, plan: List[Scenario], say: Callable) -> Dict:
    """A warm-up conversation (not counted: models loaded, connections made), then every scenario."""
    run_load(stack, system, Scenario("warm-up", 1), 0, f"{label}: warm-up")
    with Meter(stack["services"]) as idle:
        time.sleep(IDLE_SECONDS)
    results = {"idle": {"seconds": IDLE_SECONDS, "cpu_s": idle.cpu}}
    scenario_results = results.setdefault("scenarios", {})
    for number, scenario in enumerate(plan, start=1):
        figures = measure(stack, system, scenario, number, f"{label}: {scenario.name}")
        scenario_results[scenario.name] = figures
        say(f"  {label} / {scenario.name}: {figures['answered']}/{figures['turns']} turns answered, "
            f"{figures['errors']} errors, p50 {_ms(figures['p50_ms'])}, p95 {_ms(figures['p95_ms'])}, "
            f"{figures['turns_per_s'] or 0:.2f} turns/s, Rasa {_ms(figures['cpu_ms_per_turn'].get('rasa'))} CPU/turn")
    return results


def _ms(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.0f} ms"


def overall(scenario_results: Dict[str, Dict]) -> Dict:
    """CPU per answered turn over all scenarios of a system together."""
    answered = sum(figures["answered"] for figures in scenario_results.values())
    names = {name for figures in scenario_results.values() for name in figures["cpu_s"]}
    return {"answered": answered,
            "cpu_ms_per_turn": {name: per_turn(sum(f["cpu_s"].get(name, 0.0) for f in scenario_results.values()),
                                               answered) for name in sorted(names)}}


def machine() -> Dict:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")),
                 platform.processor() or "unknown")
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    kib = next((int(line.split()[1]) for line in meminfo.splitlines() if line.startswith("MemTotal:")), 0)
    return {"cpus": os.cpu_count(), "cpu_model": model, "ram_gib": round(kib / 1024 / 1024, 1),
            "python": platform.python_version(), "kernel": platform.release()}


def commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], capture_output=True, text=True).stdout.strip()

    head = git("rev-parse", "--short=12", "HEAD") or "unknown"
    return head + (" (with uncommitted changes)" if git("status", "--porcelain", "--untracked-files=no") else "")


@contextmanager
def _scale_out(say: Callable) -> Iterator[Dict[str, Optional[str]]]:
    """What several Rasa processes share: Redis and, when PostgreSQL is installed, a PostgreSQL tracker
    database (bot/local_servers/); otherwise they share the SQLite file."""
    with ExitStack() as stack:
        try:
            redis_url = stack.enter_context(running_redis(free_port()))
        except RuntimeError as error:
            raise ModeMissing(f"Redis: {error}")
        tracker_url = None
        try:
            tracker_url = stack.enter_context(running_postgres(free_port()))
        except Exception as error:  # no PostgreSQL here: the processes share the SQLite file instead
            say(f"  (no PostgreSQL for the tracker store ({type(error).__name__}); the Rasa processes share SQLite)")
        yield {"redis": redis_url, "tracker": tracker_url}


class ModeMissing(RuntimeError):
    """Something the two-process scenario needs is not installed here (Redis)."""


def main(args: argparse.Namespace) -> int:
    from bot.classifier import ModelNotFound, latest_model
    from bot.load_benchmark.performance_doc import plot, render
    from bot.load_benchmark.plain_rasa import ensure_plain_rasa
    from bot.load_benchmark.services import StartFailed, Unsupported, running_ours, running_plain

    say = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
    os.chdir(ROOT)  # results/, docs/ and models/ of this checkout, wherever it was started
    if args.render_only:
        return _render_only(say)
    try:
        latest_model()
    except ModelNotFound:
        say("contactpunt bench: no trained model in models/: run `make train` first.")
        return 2
    systems = args.systems or ["ours", "ours-2", "plain"]
    plan = scenarios(args.quick, args.saturation_seconds)
    RESULTS.mkdir(parents=True, exist_ok=True)
    results: Dict = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": machine(),
                     "commit": commit(), "quick": args.quick, "systems": {}}
    started = time.monotonic()
    try:
        if "plain" in systems:
            model = ensure_plain_rasa(say=say)  # first: it trains when needed, before anything is measured
        if "ours" in systems:
            say("Contactpunt, one Rasa process: all scenarios")
            with running_ours(RESULTS / "contactpunt.log") as stack:
                results["systems"]["ours"] = _system("Contactpunt", run_system(stack, "ours", "Contactpunt", plan, say))
        if "ours-2" in systems:
            saturation = [scenario for scenario in plan if scenario.saturation]
            say("Contactpunt, two Rasa processes (Redis): saturation")
            try:
                with _scale_out(say) as shared, running_ours(RESULTS / "contactpunt-2.log", 2, shared["redis"],
                                                             shared["tracker"]) as stack:
                    label = "Contactpunt, 2 Rasa processes" + (", PostgreSQL" if shared["tracker"] else ", SQLite")
                    results["systems"]["ours-2"] = _system(
                        label, run_system(stack, "ours", "Contactpunt x2", saturation, say))
            except (ModeMissing, Unsupported, StartFailed) as error:
                say(f"  skipped: two Rasa processes: {error}")
                results["systems"]["ours-2"] = {"label": "Contactpunt, 2 Rasa processes", "skipped": str(error)}
        if "plain" in systems:
            say("plain Rasa 3.6 (template assistant + one custom action): all scenarios")
            with running_plain(model.parent.parent, model, RESULTS / "plain-rasa.log") as stack:
                results["systems"]["plain"] = _system("plain Rasa", run_system(stack, "plain", "plain Rasa", plan, say))
    except RuntimeError as error:  # StartFailed, PlainRasaError, a load generator that stopped: one line each
        say(f"contactpunt bench: {error}")
        return 1
    except KeyboardInterrupt:
        say("contactpunt bench: interrupted; nothing written.")
        return 130
    results["minutes"] = round((time.monotonic() - started) / 60, 1)
    (RESULTS / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    say(f"wrote {RESULTS / 'results.json'}")
    if not args.no_docs:
        DOC.write_text(render(results, PLOT.name), encoding="utf-8")
        plot(results, PLOT)
        say(f"wrote {DOC} and {PLOT}")
    return 0


def _render_only(say: Callable) -> int:
    """docs/ again from the last run's results.json (after a change to the document's layout)."""
    from bot.load_benchmark.performance_doc import plot, render

    path = RESULTS / "results.json"
    if not path.exists():
        say(f"contactpunt bench: no {path} yet: run `make bench` first.")
        return 2
    results = json.loads(path.read_text(encoding="utf-8"))
    DOC.write_text(render(results, PLOT.name), encoding="utf-8")
    plot(results, PLOT)
    say(f"wrote {DOC} and {PLOT} from {path}")
    return 0


def _system(label: str, measured: Dict) -> Dict:
    return {"label": label, "scenarios": measured["scenarios"], "overall": overall(measured["scenarios"]),
            "idle": measured["idle"]}

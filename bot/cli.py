"""The `contactpunt` command: run the assistant, classify messages, evaluate, check profiles."""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional

from bot import quiet_warnings

# Before Rasa and its libraries are imported: their deprecation notices are not for the person at the prompt.
quiet_warnings.install()

from bot.classifier import ModelNotFound  # noqa: E402 (after the warning filters)
from bot.evaluation import FLAGS, DatasetError  # noqa: E402
from bot.institution_profile import PROFILE_DIR, ProfileError, load_profile  # noqa: E402
from bot.tracker_store.keyring import KeyringError  # noqa: E402
from handoff.adviser_cli import add_adviser_commands  # noqa: E402
from handoff.report import default_period  # noqa: E402

DOCS = Path("docs")
PIPELINES = Path("eval/pipelines")


def cmd_run(args: argparse.Namespace) -> int:
    from bot.launcher import run_all

    return run_all(web_port=args.port, console_port=args.console_port, open_browser=not args.no_browser)


def _classify_line(classifier, raw: bytes) -> Dict:
    """One input line's result, or an error object naming what was wrong with the line (never its text)."""
    try:
        text = json.loads(raw.decode("utf-8"))["text"]
        if not isinstance(text, str):
            raise TypeError
    except UnicodeDecodeError:
        return {"error": "line is not UTF-8"}
    except (json.JSONDecodeError, KeyError, TypeError):
        return {"error": "invalid input line"}
    return classifier.classify(text)


def cmd_classify(args: argparse.Namespace) -> int:
    from bot.classifier import Classifier

    classifier = Classifier(Path(args.model) if args.model else None)
    for number, raw in enumerate(sys.stdin.buffer, start=1):
        if not raw.strip():
            continue
        result = _classify_line(classifier, raw)
        if "error" in result:
            print(f'line {number}: {result["error"]}; expected a JSON object like {{"text": "..."}}', file=sys.stderr)
            result["line"] = number
        print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


def _progress(total: int, description: str) -> Callable:
    from tqdm import tqdm

    def wrap(results):
        return tqdm(results, total=total, desc=description, unit="msg", file=sys.stderr)

    return wrap


def _evaluate_model(model: Optional[Path], dev: Path, description: str):
    from bot.classifier import Classifier
    from bot.evaluation import evaluate_types, load_jsonl

    records = load_jsonl(dev, required=("text", "type"))
    classifier = Classifier(model)
    progress = _progress(len(records), description)
    return evaluate_types(records, lambda texts: progress(classifier.classify_all(texts))), classifier


FLAG_FIELDS = ("text",) + FLAGS


def _classify_timed(classifier, texts: List[str], description: str, timings: List[float]) -> List[Dict]:
    results = []
    for text in _progress(len(texts), description)(texts):
        started = time.perf_counter()
        results.append(classifier.classify(text))
        timings.append((time.perf_counter() - started) * 1000)
    return results


def _evaluate_set(classifier, name: str, types_path: Path, flags_path: Path, timings: List[float]):
    """Type and flag scores on one pair of labelled files, and their Markdown."""
    from bot.evaluation import (format_flag_report, format_language_line, format_report, format_type_targets,
                                load_jsonl, score_flags, score_types, scores_by_language)

    types = load_jsonl(types_path, required=("text", "type"))
    predicted = _classify_timed(classifier, [r["text"] for r in types], f"{name}: types", timings)
    type_scores = score_types([r["type"] for r in types], [p["type"] for p in predicted])
    languages = scores_by_language(types, predicted)
    flags = load_jsonl(flags_path, required=FLAG_FIELDS)
    flag_predicted = _classify_timed(classifier, [r["text"] for r in flags], f"{name}: safeguarding", timings)
    flag_scores = score_flags(flags, flag_predicted)
    report = (
        format_report(type_scores, f"Behaviour types, {name} ({types_path})") + "\n" + format_language_line(languages)
        + "\n" + format_type_targets(type_scores, languages)
        + "\n" + format_flag_report(flag_scores, f"Safeguarding flags, {name} ({flags_path})")
    )
    figures = {"types": type_scores.as_dict(), "types_by_language": {k: v.as_dict() for k, v in languages.items()},
               "safeguarding": flag_scores.as_dict()}
    return report, figures


def cmd_eval(args: argparse.Namespace) -> int:
    import statistics

    from bot.classifier import Classifier

    classifier = Classifier(Path(args.model) if args.model else None)
    test_timings: List[float] = []
    test_report, test_figures = _evaluate_set(
        classifier, "blind test set", Path(args.test), Path(args.test_safeguarding), test_timings)
    dev_report, dev_figures = _evaluate_set(classifier, "development set", Path(args.dev), Path(args.dev_safeguarding), [])
    median_ms = statistics.median(test_timings)
    speed = (f"## Speed\n\nParsing one message (NLU, rules and model), median over the blind test sets: "
             f"**{median_ms:.1f} ms** (95th percentile {sorted(test_timings)[int(0.95 * len(test_timings))]:.1f} ms), "
             f"one process on this machine's 2 cores.\n")
    report = test_report + "\n" + dev_report + "\n" + speed
    print(report)
    DOCS.mkdir(exist_ok=True)
    header = (
        "# Evaluation\n\nWritten by `make eval` (`contactpunt eval`). How each set was made is in eval/README.md: "
        "the blind test sets were written by authors who saw only DESIGN.md and the policy texts, and frozen "
        "before any tuning; the development sets are where errors are analysed and thresholds chosen. Neither "
        "is ever trained on (tests/test_eval_sets.py checks, near-duplicates included).\n"
        f"Model: `{classifier.model_path.name}`.\n\n"
    )
    (DOCS / "evaluation.md").write_text(header + report, encoding="utf-8")
    figures = {"test": test_figures, "development": dev_figures, "parse_ms_median": median_ms}
    (DOCS / "evaluation.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(f"Written to {DOCS / 'evaluation.md'} and {DOCS / 'evaluation.json'}")
    return 0


def cmd_choose_thresholds(args: argparse.Namespace) -> int:
    import yaml

    from bot.classifier import Classifier
    from bot.evaluation import load_jsonl
    from bot.threshold_choice import choose, columns

    classifier = Classifier(Path(args.model) if args.model else None)
    records = [record for path in args.sets for record in load_jsonl(Path(path), required=("text",))
               if all(field in record for field in FLAG_FIELDS)]
    parsed = [classifier.parse(record["text"]) for record in _progress(len(records), "development")(records)]
    chosen = choose(columns(records, parsed), report=lambda line: print(line, file=sys.stderr))
    print("# SafeguardingSignals thresholds for config.yml (chosen on: " + ", ".join(args.sets) + ")")
    print(yaml.safe_dump(chosen, sort_keys=False), end="")
    return 0


def cmd_learning_curve(args: argparse.Namespace) -> int:
    from bot.classifier import Classifier
    from bot.evaluation import load_jsonl
    from bot.learning_curve import curve, format_curve

    types_path, flags_path = Path(args.dev), Path(args.dev_safeguarding)
    types = load_jsonl(types_path, required=("text", "type"))
    flags = load_jsonl(flags_path, required=FLAG_FIELDS)

    def classify_with(model: Path):
        return Classifier(model).classify

    text = format_curve(curve(types, flags, classify_with, _progress), types_path, flags_path)
    DOCS.mkdir(exist_ok=True)
    (DOCS / "learning-curve.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


def cmd_import_authored(args: argparse.Namespace) -> int:
    from bot.authoring import import_authored

    report = import_authored([Path(f) for f in args.files], [Path(f) for f in args.held_out])
    print("\n".join(report.lines()))
    return 0


def _training_size() -> str:
    from bot.authoring import nlu_texts

    return f"{len(nlu_texts()):,}"


def cmd_compare_pipelines(args: argparse.Namespace) -> int:
    rows: List[Dict] = []
    configs = sorted(PIPELINES.glob("*.yml"))
    for config in configs:
        out = Path(args.out) / config.stem
        print(f"== {config.stem}: training NLU (at most {args.budget} s)", file=sys.stderr)
        started = time.monotonic()
        try:
            subprocess.run(
                quiet_warnings.command("rasa", "train", "nlu", "--config", str(config), "--nlu", "data/nlu",
                                       "--out", str(out), "--fixed-model-name", config.stem),
                check=True, timeout=args.budget,
            )
        except subprocess.TimeoutExpired:
            print(f"== {config.stem}: over the training budget, stopped", file=sys.stderr)
            rows.append({"pipeline": config.stem, "outcome": f"> {args.budget} (stopped)"})
            continue
        except subprocess.CalledProcessError:
            print(f"== {config.stem}: training failed (Rasa's message above)", file=sys.stderr)
            rows.append({"pipeline": config.stem, "outcome": "training failed"})
            continue
        train_seconds = time.monotonic() - started
        scores, classifier = _evaluate_model(out / f"{config.stem}.tar.gz", Path(args.dev), config.stem)
        started = time.monotonic()
        for text in ("hij blijft me appen en staat elke dag bij de bushalte",) * 50:
            classifier.classify(text)
        latency_ms = (time.monotonic() - started) / 50 * 1000
        rows.append({"pipeline": config.stem, "macro_f1": scores.macro_f1, "accuracy": scores.accuracy,
                     "train_seconds": train_seconds, "parse_ms": latency_ms})
    lines = [
        "# NLU pipeline comparison",
        "",
        "Written by `make compare-pipelines`: each candidate in eval/pipelines/ is trained on data/nlu/",
        f"({_training_size()} examples) and scored on the development set eval/dev_types.jsonl (never trained",
        "on). Machine: 2 CPU cores. DIET runs 40 epochs: at this data size that is more gradient steps than",
        "its default 100 epochs were on the first, seven times smaller data. A candidate whose training",
        f"takes longer than {args.budget} s (`make train` must stay within 10 minutes) is stopped.",
        "Not part of `make test` (about 40 minutes of both cores): run it by hand after changing a candidate;",
        "tests/test_quiet_install.py checks that every candidate is YAML without duplicate keys.",
        "",
        "| pipeline | macro-F1 | accuracy | train (s) | parse (ms/msg) |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        if row.get("outcome"):
            lines.append(f"| {row['pipeline']} | – | – | {row['outcome']} | – |")
        else:
            lines.append(f"| {row['pipeline']} | {row['macro_f1']:.3f} | {row['accuracy']:.3f} "
                         f"| {row['train_seconds']:.0f} | {row['parse_ms']:.1f} |")
    DOCS.mkdir(exist_ok=True)
    (DOCS / "nlu-pipelines.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


def cmd_check_profile(args: argparse.Namespace) -> int:
    names = args.names or sorted(path.stem for path in PROFILE_DIR.glob("*.yml"))
    for name in names:
        profile = load_profile(name)
        print(f"{profile.id}: OK ({profile.name}; roles: {', '.join(profile.roles)}; texts for: {', '.join(profile.routes)})")
    return 0


def cmd_seal_model(args: argparse.Namespace) -> int:
    from bot.classifier import latest_model
    from bot.model_seal import seal

    model = Path(args.model) if args.model else latest_model()
    print(f"{model.name}: sha256 {seal(model)}")
    return 0


def cmd_clean_up(args: argparse.Namespace) -> int:
    from bot.tracker_store.retention import clean_up

    removed = clean_up(args.endpoints, args.days)
    print(f"Removed {removed} conversation(s) older than the retention period.")
    return 0


def cmd_rotate_tracker_key(args: argparse.Namespace) -> int:
    from bot.tracker_store import keyring
    from bot.tracker_store.encrypted import from_endpoints

    key_file = Path(args.key_file) if args.key_file else keyring.default_key_file()
    key_id = keyring.add_key(key_file)
    store = from_endpoints(args.endpoints)
    store.keyring = keyring.parse(key_file.read_text(encoding="ascii"))
    count = store.reencrypt()
    print(f"New tracker key {key_id} is current; {count} event(s) re-encrypted. Older keys in {key_file} "
          f"can now be removed.")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """The periodic overview from the queue's registrations (or, with --sample, from fictional data)."""
    import tempfile

    from handoff.db import make_engine, migrate, session_factory
    from handoff.report import add_sample_registrations, months_between, overview
    from handoff.report_render import write_files

    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'sample.sqlite'}" if args.sample else None
        engine = make_engine(url)
        migrate(engine)
        sessions = session_factory(engine)
        if args.sample:
            add_sample_registrations(sessions, months_between(args.first, args.last))
        written = write_files(overview(sessions, args.first, args.last, args.threshold), Path(args.out))
        engine.dispose()
    for path in written:
        print(f"wrote {path}")
    return 0


def cmd_benchmark_crypto(args: argparse.Namespace) -> int:
    from handoff.crypto_benchmark import write_report

    print(write_report(DOCS / "crypto.md", args.rounds))
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from bot.load_benchmark.runner import main as run_benchmark

    return run_benchmark(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="contactpunt", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="start Rasa, the action server, the web chat and the adviser console on loopback")
    run.add_argument("--port", type=int, default=8080, help="port of the local web chat (default 8080)")
    run.add_argument("--console-port", type=int, default=8081, help="port of the adviser console (default 8081)")
    run.add_argument("--no-browser", action="store_true", help="do not try to open a browser")
    run.set_defaults(func=cmd_run)

    classify = sub.add_parser(
        "classify", help='read {"text": ...} JSON lines on stdin, write one classification per line'
    )
    classify.add_argument("--model", help="model archive (default: newest in models/)")
    classify.set_defaults(func=cmd_classify)

    evaluate = sub.add_parser(
        "eval", help="score types and safeguarding flags on the blind test and development sets, apart; "
                     "writes docs/evaluation.md"
    )
    evaluate.add_argument("--model", help="model archive (default: newest in models/)")
    evaluate.add_argument("--test", default="eval/test_types.jsonl", help="blind test set, types (JSON lines)")
    evaluate.add_argument("--test-safeguarding", default="eval/test_safeguarding.jsonl",
                          help="blind test set, flags (JSON lines)")
    evaluate.add_argument("--dev", default="eval/dev_types.jsonl", help="development set, types (JSON lines)")
    evaluate.add_argument(
        "--dev-safeguarding", default="eval/dev_safeguarding.jsonl", help="development set, flags (JSON lines)"
    )
    evaluate.set_defaults(func=cmd_eval)

    thresholds = sub.add_parser(
        "choose-thresholds", help="choose the safeguarding model's act/ask thresholds on the development sets "
                                  "(recall first, then precision); prints them for config.yml"
    )
    thresholds.add_argument("--model", help="model archive (default: newest in models/)")
    thresholds.add_argument("sets", nargs="*", default=["eval/dev_safeguarding.jsonl", "eval/dev_types.jsonl"],
                            help="flag-labelled JSON lines (default: both development sets; never the test sets)")
    thresholds.set_defaults(func=cmd_choose_thresholds)

    learning = sub.add_parser(
        "learning-curve", help="train on 1/4, 1/2 and all of the training data, score each on the development "
                               "sets; writes docs/learning-curve.md"
    )
    learning.add_argument("--dev", default="eval/dev_types.jsonl", help="development set, types (JSON lines)")
    learning.add_argument("--dev-safeguarding", default="eval/dev_safeguarding.jsonl",
                          help="development set, flags (JSON lines)")
    learning.set_defaults(func=cmd_learning_curve)

    importer = sub.add_parser(
        "import-authored", help="add authored training messages (JSON lines, eval/briefs/training-common.md) to "
                                "data/nlu/, skipping duplicates and near-duplicates of the held-out sets"
    )
    importer.add_argument("files", nargs="+", help="authored JSON lines files")
    importer.add_argument("--held-out", nargs="*",
                          help="development and test sets to keep away from (default: all five, the next blind set too)",
                          default=["eval/dev_types.jsonl", "eval/dev_safeguarding.jsonl", "eval/test_types.jsonl",
                                   "eval/test_safeguarding.jsonl", "eval/next/test_safeguarding.jsonl"])
    importer.set_defaults(func=cmd_import_authored)

    compare = sub.add_parser(
        "compare-pipelines", help="train each eval/pipelines/*.yml and score it; writes docs/nlu-pipelines.md"
    )
    compare.add_argument("--dev", default="eval/dev_types.jsonl", help="labelled JSON lines")
    compare.add_argument("--out", default="results/pipelines", help="where the candidate models go")
    compare.add_argument("--budget", type=int, default=600,
                         help="seconds of training a candidate may take before it is stopped (default: 600)")
    compare.set_defaults(func=cmd_compare_pipelines)

    check = sub.add_parser("check-profile", help="validate institution profiles (default: all)")
    check.add_argument("names", nargs="*", help="profile ids or YAML paths")
    check.set_defaults(func=cmd_check_profile)

    crypto = sub.add_parser("benchmark-crypto", help="time and size the HPKE suites for cases; writes docs/crypto.md")
    crypto.add_argument("--rounds", type=int, default=200, help="runs per measurement (median reported)")
    crypto.set_defaults(func=cmd_benchmark_crypto)

    first, last = default_period()
    report = sub.add_parser("report", help="the periodic anonymised overview (HTML with charts, and CSV)")
    report.add_argument("--from", dest="first", default=first, help=f"first month, YYYY-MM (default {first})")
    report.add_argument("--to", dest="last", default=last, help=f"last month, YYYY-MM (default {last})")
    report.add_argument("--threshold", type=int, default=5, help="counts below this are suppressed (default 5)")
    report.add_argument("--out", default="results/report", help="directory for report.html and report.csv")
    report.add_argument("--sample", action="store_true", help="use generated fictional data (for docs/)")
    report.set_defaults(func=cmd_report)

    sealer = sub.add_parser("seal-model", help="record the SHA-256 of the newest model (run by `make train`)")
    sealer.add_argument("--model", help="model archive (default: newest in models/)")
    sealer.set_defaults(func=cmd_seal_model)

    cleaner = sub.add_parser("clean-up", help="delete conversations older than the retention period now")
    cleaner.add_argument("--days", type=float, help="retention in days (default CONTACTPUNT_RETENTION_DAYS or 7)")
    cleaner.add_argument("--endpoints", default="endpoints.yml", help="endpoints.yml with the tracker store")
    cleaner.set_defaults(func=cmd_clean_up)

    rotate = sub.add_parser("rotate-tracker-key", help="add a new tracker key and re-encrypt every stored event "
                                                      "(stop `contactpunt run` first; it reads the keys at start)")
    rotate.add_argument("--key-file", help="key file, current key first (default: tracker.keys in the data directory)")
    rotate.add_argument("--endpoints", default="endpoints.yml", help="endpoints.yml with the tracker store")
    rotate.set_defaults(func=cmd_rotate_tracker_key)

    bench = sub.add_parser(
        "bench", help="load benchmark over socket.io: 1/10/50/100 concurrent reporters and saturation, Contactpunt "
                      "(1 and 2 Rasa processes) next to a plain Rasa 3.6 assistant; writes docs/performance.md, "
                      "docs/performance.png and results/bench/results.json (about 10 minutes on 2 cores)")
    bench.add_argument("--quick", action="store_true",
                       help="a short run to try it out (1 and 10 reporters with 1-3 s think time, 15 s saturation); "
                            "the document says it was short")
    bench.add_argument("--systems", nargs="+", choices=["ours", "ours-2", "plain"], metavar="SYSTEM",
                       help="only these of: ours (Contactpunt, 1 Rasa process), ours-2 (2 Rasa processes with "
                            "Redis, saturation only), plain (plain Rasa); default all three")
    bench.add_argument("--saturation-seconds", type=float, default=60.0,
                       help="how long the saturation scenario repeats conversations (default 60)")
    bench.add_argument("--no-docs", action="store_true",
                       help="write results/bench/results.json only; leave docs/ alone")
    bench.add_argument("--render-only", action="store_true",
                       help="measure nothing: write docs/performance.md and .png again from results/bench/results.json")
    bench.set_defaults(func=cmd_bench)

    add_adviser_commands(sub)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ModelNotFound, ProfileError, DatasetError, FileNotFoundError, ValueError, KeyringError) as error:
        print(f"contactpunt: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

"""`make fuzz`'s report: inputs tried per entry point, the seed and the outcome -> the fuzz section of docs/reliability.md."""

import argparse
import json
import sys
import time
from pathlib import Path

from tests.reliability_doc import publish

#: What each counter of tests/fuzzing.py stands for, in the order of the table.
ENTRY_POINTS = {
    "nlu": "NLU pipeline through `contactpunt classify`: any text",
    "classify_lines": "`contactpunt classify`: malformed input lines",
    "socketio_messages": "web chat (socket.io, running system): any message in one conversation",
    "socketio_events": "web chat (socket.io, running system): events of the wrong shape",
    "socketio_packets": "web chat (socket.io, running system): raw Engine.IO packets",
    "telegram": "Telegram updates (in-process, fake Bot API)",
    "teams": "Teams activities (in-process, fake Bot Framework)",
    "console": "adviser console (HTTP)",
    "case_page": "reporter's case-code API and widget configuration (HTTP)",
}


def markdown(counts: dict, seed: str, seconds: float, exit_code: int) -> str:
    rows = [f"| {ENTRY_POINTS.get(name, name)} | {counts.get(name, 0):,} |" for name in
            list(ENTRY_POINTS) + sorted(set(counts) - set(ENTRY_POINTS))]
    outcome = "all properties held" if exit_code == 0 else f"**pytest exited with {exit_code}: see its output**"
    return "\n".join([
        "## Fuzzing (`make fuzz`)",
        "",
        f"One deep run on this machine ({time.strftime('%Y-%m-%d')}), Hypothesis seed {seed}, {seconds / 60:.0f} minutes: "
        f"{outcome}. `make test` runs the same properties with fewer inputs and a fixed seed. The socket.io "
        "properties end by reading the running system's log: no traceback, no task exception nobody read, no "
        "aiohttp or Engine.IO catch-all.",
        "",
        "| entry point | inputs tried |",
        "|---|---:|",
        *rows,
    ])


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz_report", description=__doc__)
    parser.add_argument("counts", type=Path, help="the JSON file the fuzz run wrote (CONTACTPUNT_FUZZ_COUNTS)")
    parser.add_argument("--seed", required=True, help="the Hypothesis seed of the run")
    parser.add_argument("--seconds", type=float, required=True, help="how long the run took")
    parser.add_argument("--exit-code", type=int, required=True, help="pytest's exit code")
    args = parser.parse_args()
    counts = json.loads(args.counts.read_text()) if args.counts.exists() else {}
    publish("fuzz", markdown(counts, args.seed, args.seconds, args.exit_code))
    return args.exit_code


if __name__ == "__main__":
    sys.exit(main())

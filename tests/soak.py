"""`make soak`: the whole system under a steady stream of scripted web-chat conversations with handoffs and adviser
replies; reports errors, memory and open files of every process, and checks that nothing was lost -> docs/reliability.md."""

import argparse
import asyncio
import json
import re
import secrets
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List

from bot.load_benchmark.process_stats import children, parse_status_kib
from tests.console_client import Console
from tests.reliability_doc import publish
from tests.socket_chat import SocketReporter, text_has
from tests.stack import running_stack

REPORT = "hij blijft me appen en staat elke dag bij de bushalte als ik uit school kom"


@dataclass
class Tally:
    conversations: int = 0
    turns: int = 0
    errors: List[str] = field(default_factory=list)
    #: per handed-off case: its tag, case code, case id, and the messages both sides must still find
    cases: List[Dict] = field(default_factory=list)


def process_figures(pids: List[int]) -> Dict[int, Dict]:
    """Resident memory (MiB) and open file descriptors of each process, from /proc."""
    figures = {}
    for pid in pids:
        rss_kib = parse_status_kib(Path(f"/proc/{pid}/status").read_text(), "VmRSS")
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        name = " ".join(part.decode() for part in command[1:4] if part)
        figures[pid] = {"name": name, "rss_mib": rss_kib / 1024, "fds": len(list(Path(f"/proc/{pid}/fd").iterdir()))}
    return figures


class Soak:
    def __init__(self, stack: Dict, tally: Tally):
        self.stack, self.tally = stack, tally
        self.console = Console(stack["console"], stack["seed"])
        self.known_cases: set = set()
        self.case_of_tag: Dict[str, str] = {}
        self._finding = asyncio.Lock()

    async def _console(self, function, *args):
        return await asyncio.get_running_loop().run_in_executor(None, function, *args)

    async def say(self, reporter: SocketReporter, text: str, until) -> Dict:
        self.tally.turns += 1
        return await reporter.say(text, until)

    async def report_only(self) -> None:
        """A report, the reflection, the routes: the assistant alone."""
        async with SocketReporter(self.stack["socket"], self.stack["origin"]) as reporter:
            await self.say(reporter, REPORT, text_has("klinkt als"))
            await self.say(reporter, "ja", lambda message: bool(message.get("text")))

    async def handoff(self) -> None:
        """Ask for a person, hand the story over, get the code; the adviser claims, both write live, the adviser
        leaves the live chat."""
        tag = f"soak-{secrets.token_hex(4)}"
        async with SocketReporter(self.stack["socket"], self.stack["origin"]) as reporter:
            await self.say(reporter, "ik wil met iemand praten", text_has("verhaal doorgeven"))
            await self.say(reporter, "ja", text_has("paar zinnen"))
            coded = await self.say(reporter, f"Het gebeurde in lokaal {tag} na de les.", lambda m: "case_code" in m)
            case_id = await self.find_case(tag)
            await self._console(self.console.act, case_id, "claim")
            await reporter.wait_for(text_has("Er is nu een contactpersoon"), seconds=60)
            self.tally.turns += 1  # live: the adviser reads it; the assistant does not answer
            await reporter.client.emit("user_uttered", {"message": f"Fijn dat er iemand is ({tag}).",
                                                        "session_id": reporter.session_id})
            await self.until(lambda: any(tag in m["text"] and m["author"] == "reporter"
                                         for m in self.console.thread(case_id)))
            start = len(reporter.received)
            await self._console(lambda: self.console.act(case_id, "reply", text=f"Ik ben er ({tag})."))
            await reporter.wait_for(text_has(f"Ik ben er ({tag})."), start, seconds=60)
            await self._console(self.console.act, case_id, "end-live")
            await reporter.wait_for(text_has("Je praat weer met de assistent"), start, seconds=60)
        self.tally.cases.append({"tag": tag, "code": coded["case_code"], "case_id": case_id,
                                 "messages": [f"Fijn dat er iemand is ({tag}).", f"Ik ben er ({tag})."]})

    async def find_case(self, tag: str) -> str:
        """The new case whose report holds the tag (new cases are read once, whoever's they are)."""
        for _ in range(60):
            async with self._finding:
                if tag in self.case_of_tag:
                    return self.case_of_tag[tag]
                for case_id in set(await self._console(self.console.case_ids)) - self.known_cases:
                    page = await self._console(self.console.get, f"cases/{case_id}")
                    self.known_cases.add(case_id)
                    for found_tag in re.findall(r"soak-[0-9a-f]{8}", page):
                        self.case_of_tag[found_tag] = case_id
            await asyncio.sleep(1)
        raise TimeoutError("the handed-off case did not reach the console")

    async def until(self, check, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while not await self._console(check):
            if time.monotonic() > deadline:
                raise TimeoutError("the console did not show the reporter's message")
            await asyncio.sleep(0.5)

    async def one(self, number: int) -> None:
        self.tally.conversations += 1
        try:
            await (self.handoff() if number % 2 == 0 else self.report_only())
        except Exception as error:  # counted and named; the soak goes on
            self.tally.errors.append(f"conversation {number}: {type(error).__name__}: {str(error)[:200]}")

    def lost(self) -> List[str]:
        """Every case and every acknowledged message still there: in the console and behind the reporter's code."""
        missing = []
        listed = set(self.console.case_ids())
        for case in self.tally.cases:
            if case["case_id"] not in listed:
                missing.append(f"{case['tag']}: case not in the queue")
                continue
            adviser_side = " ".join(m["text"] for m in self.console.thread(case["case_id"]))
            request = urllib.request.Request(self.stack["origin"] + "/widget/case", method="POST",
                                             data=json.dumps({"code": case["code"]}).encode(),
                                             headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=30) as answer:
                reporter_side = " ".join(m["text"] for m in json.loads(answer.read())["messages"])
            missing += [f"{case['tag']}: {side} lost a message" for side, text in
                        (("console", adviser_side), ("case code", reporter_side))
                        for message in case["messages"] if message not in text]
        return missing


async def soak(stack: Dict, minutes: float, every: float, progress=print) -> Dict:
    """Start a conversation every `every` seconds for `minutes`; figures of every process after a warm-up and at the end."""
    tally = Tally()
    runner = Soak(stack, tally)
    await asyncio.gather(runner.one(0), runner.one(1))  # warm-up: models loaded, first connections made
    pids = [stack["pid"]] + children(stack["pid"])
    before, started = process_figures(pids), time.monotonic()
    tasks, number = [], 2
    while time.monotonic() - started < minutes * 60:
        tasks.append(asyncio.create_task(runner.one(number)))
        number += 1
        await asyncio.sleep(every)
        progress(f"\rsoak: {(time.monotonic() - started) / 60:5.1f} of {minutes} min, {tally.conversations} "
                 f"conversations, {len(tally.errors)} errors", end="", flush=True)
    await asyncio.gather(*tasks)
    progress("")
    after = process_figures(pids)
    lost = await asyncio.get_running_loop().run_in_executor(None, runner.lost)
    return {"minutes": minutes, "every": every, "seconds": time.monotonic() - started, "tally": tally,
            "before": before, "after": after, "lost": lost}


def markdown(result: Dict) -> str:
    tally: Tally = result["tally"]
    rows = []
    for pid, before in result["before"].items():
        after = result["after"][pid]
        growth = (after["rss_mib"] - before["rss_mib"]) / before["rss_mib"] * 100
        rows.append(f"| {before['name']} | {before['rss_mib']:.0f} | {after['rss_mib']:.0f} | {growth:+.1f} % "
                    f"| {before['fds']} | {after['fds']} |")
    return "\n".join([
        "## Soak (`make soak`)",
        "",
        f"One run on this machine ({time.strftime('%Y-%m-%d')}): `contactpunt run` (SQLite, loopback) and, over the "
        f"real socket.io channel, a new scripted conversation every {result['every']:.0f} s for "
        f"{result['minutes']:.0f} minutes (measured: {result['seconds'] / 60:.1f}). Every second conversation is a "
        "handoff: asks for a person, hands the story over, gets the case code; the adviser (console over HTTP) "
        "claims it, both write live, the adviser ends the live chat. The others report and hear the routes.",
        "",
        f"- conversations: **{tally.conversations}** ({len(tally.cases)} handoffs with live adviser replies), "
        f"reporter turns: {tally.turns}",
        f"- errors: **{len(tally.errors)}**" + "".join(f"\n  - {error}" for error in tally.errors[:20]),
        f"- cases and acknowledged messages lost: **{len(result['lost'])}** (every case still in the queue; "
        "each live message found in the console's thread and behind the reporter's case code)"
        + "".join(f"\n  - {item}" for item in result["lost"][:20]),
        "",
        "Memory (resident, MiB) and open file descriptors of every process, after a two-conversation warm-up and at "
        "the end:",
        "",
        "| process | RSS start | RSS end | growth | fds start | fds end |",
        "|---|---:|---:|---:|---:|---:|",
        *rows,
    ])


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.soak", description=__doc__)
    parser.add_argument("--minutes", type=float, default=30.0, help="how long to keep starting conversations (30)")
    parser.add_argument("--every", type=float, default=15.0, help="seconds between two new conversations (15)")
    parser.add_argument("--no-docs", action="store_true", help="print the figures only; leave docs/ alone")
    args = parser.parse_args()
    log = Path("results/soak-stack.log")
    with tempfile.TemporaryDirectory(prefix="contactpunt-soak-") as data, running_stack(Path(data), log) as stack:
        result = asyncio.run(soak(stack, args.minutes, args.every))
    if args.no_docs:
        print(markdown(result))
    else:
        publish("soak", markdown(result))
    return 0 if not result["tally"].errors and not result["lost"] else 1


if __name__ == "__main__":
    sys.exit(main())

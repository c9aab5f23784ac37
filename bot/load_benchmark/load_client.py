"""The load generator: N simulated reporters holding scripted conversations over the real socket.io channel, in a process of its own."""

import argparse
import asyncio
import json
import random
import secrets
import sys
from pathlib import Path
from typing import Dict, List, Optional

import socketio

from bot.load_benchmark.scripts import SCRIPTS

#: A turn without a first reply within this many seconds is an error.
REPLY_TIMEOUT = 10.0
#: After the first reply, a turn is finished once no further message came for this long (a turn often has
#: several messages; the next turn must not take them for its own reply).
SETTLE = 0.5


async def hang_up(client: socketio.AsyncClient) -> None:
    """Close at once: a polling client's own `disconnect` waits for its open long poll (up to 25 s)."""
    await client.eio.disconnect(abort=True)


class Reporter:
    """One simulated widget session. Every bot message is acknowledged (the handler's return value is the
    socket.io acknowledgement), also messages arriving after their turn was counted."""

    def __init__(self, url: str, origin: str):
        self.url, self.origin = url, origin
        self.session_id = secrets.token_hex(16)
        self.arrivals: List[float] = []
        self.seqs: List[int] = []  # the numbers Contactpunt's channel gives its messages (plain Rasa has none)
        self.failure: Optional[str] = None
        self.closing = False
        self.confirmed = asyncio.Event()
        self.changed = asyncio.Event()
        self.client = socketio.AsyncClient(reconnection=False)
        self.client.on("bot_uttered", self._on_message)
        self.client.on("session_confirm", lambda *_: self.confirmed.set())
        self.client.on("refused", self._on_refused)
        self.client.on("disconnect", self._on_disconnect)

    async def _on_message(self, *message) -> bool:
        self.arrivals.append(asyncio.get_running_loop().time())
        if message and isinstance(message[0], dict) and isinstance(message[0].get("seq"), int):
            self.seqs.append(message[0]["seq"])
        self.changed.set()
        return True

    async def _on_refused(self, *_data) -> None:
        self.failure = "refused"
        self.changed.set()

    async def _on_disconnect(self, *_args) -> None:
        if not self.closing:
            self.failure = "disconnect"
            self.changed.set()

    async def open(self) -> Optional[str]:
        """Connect and join the session; the error kind when that fails."""
        try:
            await asyncio.wait_for(self.client.connect(self.url, headers={"Origin": self.origin},
                                                       transports=["polling"]), REPLY_TIMEOUT)
            await self.client.emit("session_request", {"session_id": self.session_id})
            await asyncio.wait_for(self.confirmed.wait(), REPLY_TIMEOUT)
        except (socketio.exceptions.ConnectionError, asyncio.TimeoutError, OSError):
            return "connection failed"
        return None

    async def close(self) -> None:
        self.closing = True
        if self.client.connected:
            await hang_up(self.client)

    async def _wait(self, until: float) -> None:
        self.changed.clear()
        remaining = until - asyncio.get_running_loop().time()
        if remaining > 0:
            try:
                await asyncio.wait_for(self.changed.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    async def turn(self, text: str) -> Dict:
        """Send one message; latency to the first reply (s), the error kind, and how many messages it got."""
        loop = asyncio.get_running_loop()
        before = len(self.arrivals)
        sent = loop.time()
        try:
            await self.client.emit("user_uttered", {"message": text, "session_id": self.session_id})
        except socketio.exceptions.SocketIOError:
            return {"latency": None, "error": "disconnect", "replies": 0, "sent": sent}
        deadline = sent + REPLY_TIMEOUT
        while len(self.arrivals) == before and not self.failure and loop.time() < deadline:
            await self._wait(deadline)
        if self.failure:
            return {"latency": None, "error": self.failure, "replies": len(self.arrivals) - before, "sent": sent}
        if len(self.arrivals) == before:
            return {"latency": None, "error": "no reply in 10 s", "replies": 0, "sent": sent}
        latency = self.arrivals[before] - sent
        while loop.time() - self.arrivals[-1] < SETTLE and loop.time() < deadline and not self.failure:
            await self._wait(min(self.arrivals[-1] + SETTLE, deadline))
        return {"latency": latency, "error": None, "replies": len(self.arrivals) - before, "sent": sent}


def numbering(seqs: List[int]) -> Dict[str, int]:
    """What a page would see of one session's numbered messages: how many, how many numbers between 1 and the
    highest never came (lost), how many came more than once (duplicated; these clients never reconnect)."""
    distinct = set(seqs)
    return {"numbered": len(seqs), "lost": (max(distinct) - len(distinct)) if distinct else 0,
            "duplicated": len(seqs) - len(distinct)}


class Load:
    def __init__(self, args: argparse.Namespace, progress):
        self.args, self.progress = args, progress
        self.turns: List[Dict] = []
        self.conversations = 0
        self.start = 0.0
        self.messages = {"numbered": 0, "lost": 0, "duplicated": 0}

    def record(self, reporter: int, number: int, result: Dict) -> None:
        self.turns.append({"reporter": reporter, "turn": number, "latency": result["latency"],
                           "error": result["error"], "replies": result["replies"],
                           "sent": result["sent"] - self.start})
        self.progress.update(1)
        if result["error"]:
            self.progress.set_postfix(errors=sum(1 for turn in self.turns if turn["error"]), refresh=False)

    def over(self) -> bool:
        return bool(self.args.seconds) and asyncio.get_running_loop().time() - self.start >= self.args.seconds

    async def conversation(self, reporter: int, number: int, rng: random.Random) -> bool:
        """One scripted conversation; False when the reporter should stop (the time is up)."""
        script = SCRIPTS[self.args.system](number)
        session = Reporter(self.args.url, self.args.origin)
        self.conversations += 1
        try:
            failed = await session.open()
            if failed:
                self.record(reporter, 0, {"latency": None, "error": failed, "replies": 0,
                                          "sent": asyncio.get_running_loop().time()})
                return not self.over()
            for index, text in enumerate(script):
                if index and self.args.think_max > 0:
                    await asyncio.sleep(rng.uniform(self.args.think_min, self.args.think_max))
                if self.over():
                    return False
                result = await session.turn(text)
                self.record(reporter, index, result)
                if result["error"] in ("disconnect", "refused"):
                    break
        finally:
            await session.close()
            for key, count in numbering(session.seqs).items():
                self.messages[key] += count
        return not self.over()

    async def reporter(self, reporter: int) -> None:
        rng = random.Random(self.args.seed * 100_003 + reporter)
        await asyncio.sleep(self.args.ramp * reporter / max(1, self.args.reporters))
        number = reporter
        for _ in range(self.args.conversations if not self.args.seconds else 10 ** 9):
            if not await self.conversation(reporter, number, rng):
                break
            number += self.args.reporters

    async def run(self) -> Dict:
        loop = asyncio.get_running_loop()
        self.start = loop.time()
        await asyncio.gather(*(self.reporter(number) for number in range(self.args.reporters)))
        answered = [turn["sent"] + turn["latency"] for turn in self.turns if turn["latency"] is not None]
        first_sent = min((turn["sent"] for turn in self.turns), default=0.0)
        span = (max(answered) - first_sent) if answered else loop.time() - self.start
        return {"turns": self.turns, "seconds": span, "conversations": self.conversations,
                "messages": self.messages}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot.load_benchmark.load_client", description=__doc__)
    parser.add_argument("--url", required=True, help="socket.io server, e.g. http://127.0.0.1:5005")
    parser.add_argument("--origin", required=True, help="Origin header (a page the channel accepts)")
    parser.add_argument("--system", choices=sorted(SCRIPTS), required=True, help="whose script to send")
    parser.add_argument("--reporters", type=int, default=1, help="concurrent reporters")
    parser.add_argument("--conversations", type=int, default=1, help="conversations per reporter")
    parser.add_argument("--seconds", type=float, default=0.0,
                        help="instead: repeat conversations until this many seconds have passed (saturation)")
    parser.add_argument("--think-min", type=float, default=0.0, help="least think time between turns, s")
    parser.add_argument("--think-max", type=float, default=0.0, help="most think time between turns, s (0: none)")
    parser.add_argument("--ramp", type=float, default=0.0, help="reporters start spread over this many seconds")
    parser.add_argument("--seed", type=int, default=1, help="seed of the think times")
    parser.add_argument("--label", default="load", help="progress bar label")
    parser.add_argument("--out", required=True, help="JSON file for the turn records")
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    from tqdm import tqdm

    total = None if args.seconds else args.reporters * args.conversations * 4
    try:
        with tqdm(total=total, desc=args.label, unit="turn", file=sys.stderr, dynamic_ncols=True) as progress:
            result = asyncio.run(Load(args, progress).run())
    except KeyboardInterrupt:  # Ctrl+C reaches the whole process group: the benchmark says it stopped
        return 130
    Path(args.out).write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

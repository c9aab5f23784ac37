"""CPU seconds and memory of a process and its descendants, read from /proc (Linux)."""

import os
import threading
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional

PROC = Path("/proc")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def parse_stat(text: str) -> Dict[str, int]:
    """The fields we need from /proc/<pid>/stat. The command name (2nd field) is in parentheses and may
    itself hold spaces and parentheses: split after its last ')'."""
    after = text[text.rindex(")") + 2:].split()
    # after[0] is field 3 (state); utime is field 14, stime 15, cutime 16, cstime 17, ppid field 4
    return {"ppid": int(after[1]), "utime": int(after[11]), "stime": int(after[12]),
            "cutime": int(after[13]), "cstime": int(after[14])}


def parse_status_kib(text: str, key: str) -> Optional[int]:
    """A kB figure such as VmRSS or VmHWM from /proc/<pid>/status (None when absent, e.g. a zombie)."""
    for line in text.splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return None


def _read(path: Path) -> Optional[str]:
    try:
        return path.read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None


def children(pid: int, proc: Path = PROC) -> List[int]:
    """Direct children of `pid`, from /proc/<pid>/task/*/children (all of its threads)."""
    found: List[int] = []
    for task in (proc / str(pid) / "task").glob("*"):
        text = _read(task / "children")
        if text:
            found += [int(child) for child in text.split()]
    return found


def descendants(pid: int, proc: Path = PROC) -> List[int]:
    """`pid` and every process below it."""
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        if current in tree:
            continue
        tree.append(current)
        pending += children(current, proc)
    return tree


def cmdline(pid: int, proc: Path = PROC) -> str:
    raw = _read_bytes(proc / str(pid) / "cmdline")
    return raw.replace(b"\0", b" ").decode(errors="replace").strip() if raw else ""


def _read_bytes(path: Path) -> Optional[bytes]:
    try:
        return path.read_bytes()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None


def cpu_seconds(pids: Iterable[int], proc: Path = PROC) -> float:
    """utime+stime of each process (all its threads) plus cutime+cstime (children it has already reaped),
    summed over `pids`: pass a whole tree, so every live process counts once and every ended one once, in
    its reaper."""
    ticks = 0
    for pid in pids:
        text = _read(proc / str(pid) / "stat")
        if text:
            fields = parse_stat(text)
            ticks += fields["utime"] + fields["stime"] + fields["cutime"] + fields["cstime"]
    return ticks / CLOCK_TICKS


def rss_mib(pids: Iterable[int], key: str = "VmRSS", proc: Path = PROC) -> float:
    """Resident memory summed over `pids`, MiB (VmHWM: each one's own peak)."""
    total = 0
    for pid in pids:
        text = _read(proc / str(pid) / "status")
        kib = parse_status_kib(text, key) if text else None
        total += kib or 0
    return total / 1024


def find_services(root: int, markers: Dict[str, str], proc: Path = PROC) -> Dict[str, List[int]]:
    """Each service's top-most process below `root` whose command line contains its marker (e.g.
    'bot.rasa_main', 'rasa_sdk'), each with its own descendants (worker processes)."""
    groups: Dict[str, List[int]] = {name: [] for name in markers}
    for pid in descendants(root, proc)[1:]:
        line = cmdline(pid, proc)
        for name, marker in markers.items():
            if marker in line and pid not in groups[name]:
                groups[name] += [p for p in descendants(pid, proc) if p not in groups[name]]
    return groups


class Meter:
    """CPU seconds over a scenario and the peak of summed resident memory (sampled twice a second) of each
    service's process tree; the trees are looked up again at every sample, so workers started later count."""

    def __init__(self, groups: Callable[[], Dict[str, List[int]]], every: float = 0.5):
        self.groups, self.every = groups, every
        self.peak: Dict[str, float] = {}
        self._start: Dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(self.every):
            self._peak()

    def _peak(self) -> None:
        for name, pids in self.groups().items():
            self.peak[name] = max(self.peak.get(name, 0.0), rss_mib(pids))

    def __enter__(self) -> "Meter":
        self._start = {name: cpu_seconds(pids) for name, pids in self.groups().items()}
        self._peak()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._peak()
        end = {name: cpu_seconds(pids) for name, pids in self.groups().items()}
        self.cpu = {name: end[name] - self._start.get(name, 0.0) for name in end}
        self.processes = {name: len(pids) for name, pids in self.groups().items()}

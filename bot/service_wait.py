"""Waits, with a progress bar, until local services answer on their URLs; says which process stopped if one does first."""

import subprocess
import sys
import time
import urllib.request
from typing import List


class ServiceStopped(RuntimeError):
    """A process ended before every service answered."""

    def __init__(self, process: subprocess.Popen) -> None:
        super().__init__(f"exit {process.returncode}")
        self.process = process


class ServiceNotUp(RuntimeError):
    """The deadline passed; `pending` are the URLs that never answered."""

    def __init__(self, pending: List[str]) -> None:
        super().__init__(", ".join(pending))
        self.pending = pending


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def wait_for_services(urls: List[str], processes: List[subprocess.Popen], description: str, seconds: float,
                      leave: bool = True) -> None:
    """Until every URL answers 200 (checked each second), or raise ServiceStopped / ServiceNotUp."""
    from tqdm import tqdm

    deadline = time.monotonic() + seconds
    with tqdm(total=len(urls), desc=description, unit="service", file=sys.stderr, leave=leave) as bar:
        pending = list(urls)
        while pending:
            for process in processes:
                if process.poll() is not None:
                    raise ServiceStopped(process)
            if time.monotonic() > deadline:
                raise ServiceNotUp(pending)
            for url in list(pending):
                if answers(url):
                    pending.remove(url)
                    bar.update(1)
            time.sleep(1)

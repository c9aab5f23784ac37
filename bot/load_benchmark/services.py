"""Starts and stops the systems under test on free loopback ports: `contactpunt run` (ours) and plain `rasa run` + `rasa run actions`."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, Optional

from bot.load_benchmark.plain_rasa import rasa_command
from bot.load_benchmark.process_stats import descendants, find_services
from bot.load_benchmark.repo import ROOT
from bot.local_servers.ports import free_port, service_env
from bot.service_wait import ServiceNotUp, ServiceStopped, wait_for_services

#: How each service is found among the descendants of `contactpunt run`.
OUR_SERVICES = {"rasa": "bot.rasa_main", "actions": "rasa_sdk"}
STARTUP_SECONDS = 300


class StartFailed(RuntimeError):
    """A system did not come up; the message says why (the end of its log), without a stack trace."""


class Unsupported(StartFailed):
    """The requested mode (e.g. two Rasa processes) is not what this `contactpunt run` offers."""


def free_ports_in_a_row(count: int) -> int:
    """A port such that it and the `count - 1` after it are free (several Rasa processes take the ports
    after CONTACTPUNT_RASA_PORT)."""
    for _ in range(200):
        first = free_port()
        if all(_bindable(first + offset) for offset in range(1, count)):
            return first
    raise StartFailed(f"no {count} free loopback ports in a row")


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def _tail(log: Path, lines: int = 6) -> str:
    text = log.read_text(errors="replace").splitlines() if log.exists() else []
    useful = [line for line in text if line.strip() and "Warning" not in line and "warn(" not in line]
    return "\n".join("    " + line[:200] for line in useful[-lines:])


def wait_up(urls: List[str], processes: List[subprocess.Popen], log: Path, what: str) -> None:
    """Until every url answers 200, with a progress line; a clear error if a process stops first."""
    try:
        wait_for_services(urls, processes, f"starting {what}", STARTUP_SECONDS, leave=False)
    except ServiceStopped as stopped:
        raise StartFailed(f"{what} stopped while starting (exit {stopped.process.returncode}); "
                          f"the end of {log}:\n{_tail(log)}") from None
    except ServiceNotUp:
        raise StartFailed(f"{what} not up after {STARTUP_SECONDS} s; see {log}") from None


def stop_process(process: subprocess.Popen, seconds: float = 60) -> None:
    """SIGTERM (as a service manager does) and wait; SIGKILL for the whole tree if it hangs."""
    if process.poll() is not None:
        return
    tree = descendants(process.pid)
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        for pid in tree:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        process.wait()
    deadline = time.monotonic() + 30
    while any(Path(f"/proc/{pid}").exists() for pid in tree[1:]) and time.monotonic() < deadline:
        time.sleep(0.5)


@contextmanager
def running_ours(log: Path, workers: int = 1, redis_url: Optional[str] = None,
                 tracker_url: Optional[str] = None) -> Iterator[Dict]:
    """`contactpunt run` with its own data directory; with `workers` > 1, CONTACTPUNT_RASA_WORKERS,
    CONTACTPUNT_REDIS_URL and (when given) CONTACTPUNT_TRACKER_URL for the multi-process mode. Yields the
    socket.io url, origin and a function listing each service's processes: Rasa, the action server, and
    `contactpunt run` itself (the widget page, the console and, with several Rasa processes, the sticky front)."""
    web_port, console_port, rasa_port = free_port(), free_port(), free_ports_in_a_row(workers + 1)
    extra = {}
    if workers > 1:
        extra = {"CONTACTPUNT_RASA_WORKERS": str(workers), "CONTACTPUNT_REDIS_URL": redis_url or ""}
        if tracker_url:
            extra["CONTACTPUNT_TRACKER_URL"] = tracker_url
    with tempfile.TemporaryDirectory(prefix="contactpunt-bench-") as data:
        env = service_env(CONTACTPUNT_RASA_PORT=str(rasa_port), CONTACTPUNT_ACTIONS_PORT=str(free_port()),
                          CONTACTPUNT_PROFILE="rocmn", CONTACTPUNT_DATA_DIR=data, **extra)
        for name in ("CONTACTPUNT_SOCKET_URL", "CONTACTPUNT_WEB_ORIGINS", "CONTACTPUNT_TELEGRAM_TOKEN",
                     "CONTACTPUNT_TEAMS_APP_ID"):
            env.pop(name, None)
        if workers <= 1:
            for name in ("CONTACTPUNT_RASA_WORKERS", "CONTACTPUNT_REDIS_URL", "CONTACTPUNT_TRACKER_URL"):
                env.pop(name, None)
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "wb") as out:
            process = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--no-browser", "--port",
                                        str(web_port), "--console-port", str(console_port)],
                                       cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            what = "Contactpunt" + (f" ({workers} Rasa processes)" if workers > 1 else "")
            wait_up([f"http://127.0.0.1:{web_port}/widget/config", f"http://127.0.0.1:{rasa_port}/"],
                    [process], log, what)
            services = lambda: {**find_services(process.pid, OUR_SERVICES), "launcher": [process.pid]}  # noqa: E731
            if workers > 1:
                rasa_processes = len(services()["rasa"])
                if rasa_processes < workers:
                    raise Unsupported(f"CONTACTPUNT_RASA_WORKERS={workers} is not supported by this "
                                      f"`contactpunt run` ({rasa_processes} Rasa process found)")
            yield {"url": f"http://127.0.0.1:{rasa_port}", "origin": f"http://127.0.0.1:{web_port}",
                   "services": services, "log": log}
        finally:
            stop_process(process)


@contextmanager
def running_plain(project: Path, model: Path, log: Path) -> Iterator[Dict]:
    """Rasa's template assistant: `rasa run actions` and `rasa run` with socket.io, each on a free port."""
    rasa_port, actions_port = free_port(), free_port()
    endpoints = project / "endpoints.bench.yml"
    endpoints.write_text(f"action_endpoint:\n  url: http://127.0.0.1:{actions_port}/webhook\n", encoding="utf-8")
    env = service_env()
    log.parent.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack, open(log, "wb") as out:
        processes = []

        def start(command: List[str]) -> subprocess.Popen:
            process = subprocess.Popen(command, cwd=project, env=env, stdout=out, stderr=subprocess.STDOUT)
            processes.append(process)
            stack.callback(stop_process, process)
            return process

        actions = start([rasa_command(), "run", "actions", "--port", str(actions_port)])
        rasa = start([rasa_command(), "run", "--interface", "127.0.0.1", "--port", str(rasa_port), "--model",
                      str(model.resolve()), "--endpoints", endpoints.name, "--credentials", "credentials.yml"])
        wait_up([f"http://127.0.0.1:{actions_port}/health", f"http://127.0.0.1:{rasa_port}/"], processes, log,
                "plain Rasa")
        services = lambda: {"rasa": descendants(rasa.pid), "actions": descendants(actions.pid)}  # noqa: E731
        yield {"url": f"http://127.0.0.1:{rasa_port}", "origin": f"http://127.0.0.1:{rasa_port}",
               "services": services, "log": log}

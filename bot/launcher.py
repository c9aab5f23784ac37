"""Starts the action server, Rasa and the local web chat on loopback, and stops them together."""

import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import webbrowser
from pathlib import Path
from typing import Dict, List

import yaml
from aiohttp import web

from bot.classifier import latest_model
from bot.institution_profile import active_profile
from bot.webchat.server import create_app

HOST = "127.0.0.1"
RASA_PORT = int(os.environ.get("CONTACTPUNT_RASA_PORT", "5005"))
ACTIONS_PORT = int(os.environ.get("CONTACTPUNT_ACTIONS_PORT", "5055"))
STARTUP_SECONDS = 180


def service_environment() -> Dict[str, str]:
    """Loopback only, and no access logs: they would hold addresses and conversation paths."""
    env = dict(os.environ)
    env.update({"SANIC_HOST": HOST, "SANIC_ACCESS_LOG": "False", "TF_CPP_MIN_LOG_LEVEL": "2",
                "RASA_TELEMETRY_ENABLED": "false"})
    return env


def endpoints_file(directory: Path) -> Path:
    """endpoints.yml with the action server's actual port."""
    endpoints = yaml.safe_load(Path("endpoints.yml").read_text(encoding="utf-8"))
    endpoints["action_endpoint"]["url"] = f"http://{HOST}:{ACTIONS_PORT}/webhook"
    path = directory / "endpoints.yml"
    path.write_text(yaml.safe_dump(endpoints), encoding="utf-8")
    return path


def service_commands(endpoints: Path) -> List[List[str]]:
    python = sys.executable
    return [
        [python, "-m", "rasa_sdk", "--actions", "actions", "--port", str(ACTIONS_PORT)],
        [python, "-m", "rasa", "run", "--interface", HOST, "--port", str(RASA_PORT),
         "--model", str(latest_model()), "--endpoints", str(endpoints), "--credentials", "credentials.yml"],
    ]


def _is_up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def wait_until_up(processes: List[subprocess.Popen]) -> None:
    """Show progress while the model loads; fail with a clear message if a service dies."""
    urls = [f"http://{HOST}:{ACTIONS_PORT}/health", f"http://{HOST}:{RASA_PORT}/"]
    from tqdm import tqdm

    with tqdm(total=len(urls), desc="Starting assistant", unit="service", file=sys.stderr) as bar:
        deadline = time.monotonic() + STARTUP_SECONDS
        pending = list(urls)
        while pending:
            for process in processes:
                if process.poll() is not None:
                    raise RuntimeError(f"'{' '.join(process.args[1:4])}' stopped (exit {process.returncode}).")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Not up after {STARTUP_SECONDS} s: {', '.join(pending)}")
            for url in list(pending):
                if _is_up(url):
                    pending.remove(url)
                    bar.update(1)
            time.sleep(1)


def stop(processes: List[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def run_all(web_port: int, open_browser: bool) -> int:
    profile = active_profile()  # fails early, with a clear message, on an invalid profile
    runtime = tempfile.TemporaryDirectory(prefix="contactpunt-")
    commands = service_commands(endpoints_file(Path(runtime.name)))
    processes = [subprocess.Popen(command, env=service_environment()) for command in commands]
    try:
        wait_until_up(processes)
        url = f"http://{HOST}:{web_port}/"
        print(f"\nContactpunt ({profile.name}) is running. Open the chat: {url}\nStop with Ctrl+C.\n", flush=True)
        if open_browser:
            webbrowser.open(url)
        app = create_app(profile, f"http://{HOST}:{RASA_PORT}")
        web.run_app(app, host=HOST, port=web_port, access_log=None, print=None)
        return 0
    except RuntimeError as error:
        print(f"contactpunt: {error}", file=sys.stderr)
        return 1
    finally:
        stop(processes)
        runtime.cleanup()

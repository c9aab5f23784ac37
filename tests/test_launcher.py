"""`contactpunt run`: refuses to start, in one plain line, when a port it needs is taken; keeps secrets off command lines."""

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.launcher import ports_in_use
from bot.local_servers.ports import free_port, service_env
from tests.conftest import ROOT


def test_ports_in_use_names_taken_and_doubled_ports_only():
    with socket.create_server(("127.0.0.1", free_port())) as taken:
        port = taken.getsockname()[1]
        free, other = free_port(), free_port()
        assert ports_in_use({"chat": free, "console": port}) == [f"{port} (console)"]
    assert ports_in_use({"chat": free, "console": other}) == []
    assert ports_in_use({"chat": free, "console": free}) == [f"{free} (console, named twice)"]


def test_run_stops_with_a_plain_message_when_the_rasa_port_is_taken(trained_model, tmp_path):
    with socket.create_server(("127.0.0.1", free_port())) as taken:
        rasa_port = taken.getsockname()[1]
        env = service_env(CONTACTPUNT_RASA_PORT=str(rasa_port), CONTACTPUNT_ACTIONS_PORT=str(free_port()),
                          CONTACTPUNT_DATA_DIR=str(tmp_path))
        done = subprocess.run([sys.executable, "-m", "bot.cli", "run", "--no-browser", "--port", str(free_port()),
                               "--console-port", str(free_port())], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=120)
    assert done.returncode == 1
    assert f"port {rasa_port} (Rasa, CONTACTPUNT_RASA_PORT) is already in use" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert list(tmp_path.iterdir()) == []  # stopped before making keys or a database


@pytest.mark.slow
def test_no_service_has_the_api_secret_on_its_command_line(stack):
    """Any local user can read command lines (`ps`); Rasa's API secret would open every conversation."""
    from bot.load_benchmark.process_stats import children

    command_lines = [Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") for pid in children(stack["pid"])]
    rasa = [line for line in command_lines if b"bot.rasa_main" in line]
    assert len(rasa) == 1 and b"--enable-api" in rasa[0]  # the API is on ...
    assert not any(b"--jwt-secret" in line for line in command_lines)  # ... and its secret is not in sight


@pytest.mark.parametrize("secret", ["-starts-with-a-dash_x9", "plain_secret-9"])
def test_rasa_gets_the_api_secret_whatever_its_first_character(monkeypatch, secret):
    """token_urlsafe starts with "-" once in 64 starts; Rasa must still read it as the secret."""
    import sys

    import rasa.__main__
    from rasa.__main__ import create_argument_parser

    from bot import rasa_main

    seen = {}
    monkeypatch.setattr(sys, "argv", ["rasa", "run", "--enable-api"])
    monkeypatch.setenv(rasa_main.JWT_SECRET_ENV, secret)
    monkeypatch.setattr(rasa.__main__, "main", lambda: seen.update(vars(create_argument_parser().parse_args(sys.argv[1:]))))
    rasa_main.main()
    assert seen["jwt_secret"] == secret

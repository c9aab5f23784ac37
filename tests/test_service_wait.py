"""Waiting for local services: a process that stops first is named, a deadline that passes lists what never answered."""

import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from bot.service_wait import ServiceNotUp, ServiceStopped, wait_for_services
from bot.local_servers.ports import free_port


class Healthy(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_returns_once_every_service_answers():
    server = HTTPServer(("127.0.0.1", free_port()), Healthy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        wait_for_services([f"http://127.0.0.1:{server.server_port}/"], [], "test", seconds=10)
    finally:
        server.shutdown()


def test_a_process_that_stops_first_is_named():
    stopped = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    stopped.wait()
    with pytest.raises(ServiceStopped) as raised:
        wait_for_services([f"http://127.0.0.1:{free_port()}/"], [stopped], "test", seconds=10)
    assert raised.value.process is stopped and raised.value.process.returncode == 3


def test_a_passed_deadline_lists_what_never_answered():
    url = f"http://127.0.0.1:{free_port()}/"
    with pytest.raises(ServiceNotUp) as raised:
        wait_for_services([url], [], "test", seconds=0)
    assert raised.value.pending == [url]

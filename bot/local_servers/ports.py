"""Free loopback ports, and the environment a local service is started with."""

import os
import socket
from typing import Dict

_handed_out: set = set()


def free_port() -> int:
    """A loopback port nobody listens on, and never one this process handed out before (the kernel
    may offer a port again as soon as it is released, before its new owner has bound it)."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port not in _handed_out:
            _handed_out.add(port)
            return port


def service_env(**extra: str) -> Dict[str, str]:
    """This environment for a service on loopback: no access log, no telemetry, quiet TensorFlow; plus `extra`."""
    env = dict(os.environ, SANIC_HOST="127.0.0.1", SANIC_ACCESS_LOG="False", TF_CPP_MIN_LOG_LEVEL="2",
               RASA_TELEMETRY_ENABLED="false")
    env.update(extra)
    return env

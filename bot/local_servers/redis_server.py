"""Starts a throwaway Redis server on loopback for the scale-out tests and the load benchmark (installed by `make system-deps`)."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from typing import Iterator


def _binary() -> str:
    found = shutil.which("redis-server") or ("/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else "")
    if not found:
        raise RuntimeError("Redis's redis-server is not installed: run `make system-deps`.")
    return found


@contextmanager
def running_redis(port: int) -> Iterator[str]:
    """A fresh Redis on 127.0.0.1:`port`, nothing written to disk (no RDB snapshots, no AOF); yields
    "redis://127.0.0.1:PORT/0"; stops it and removes its directory after."""
    directory = tempfile.mkdtemp(prefix="contactpunt-redis-")
    server = subprocess.Popen([_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--dir", directory, "--protected-mode", "yes",
                               "--loglevel", "warning"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                    probe.sendall(b"PING\r\n")
                    if probe.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("Redis did not start")
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(directory, ignore_errors=True)

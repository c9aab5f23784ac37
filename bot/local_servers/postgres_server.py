"""Starts a throwaway PostgreSQL server on loopback for the tests and the load benchmark (installed by `make system-deps`)."""

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from typing import Iterator, List


def _binary(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or ""]
    if not found[-1]:
        raise RuntimeError(f"PostgreSQL's {name} is not installed: run `make system-deps`.")
    return found[-1]


def _as_server_user(command: List[str]) -> List[str]:
    """PostgreSQL refuses to run as root; in a root container run it as the 'postgres' user."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@contextmanager
def running_postgres(port: int) -> Iterator[str]:
    """A fresh cluster in a temporary directory; yields an SQLAlchemy URL; removes everything after."""
    directory = tempfile.mkdtemp(prefix="contactpunt-pg-")
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(directory, user.pw_uid, user.pw_gid)
    data = os.path.join(directory, "data")
    subprocess.run(_as_server_user([_binary("initdb"), "-D", data, "-U", "contactpunt", "--auth=trust",
                                    "--no-sync"]), check=True, stdout=subprocess.DEVNULL)
    server = subprocess.Popen(_as_server_user([
        _binary("postgres"), "-D", data, "-p", str(port), "-h", "127.0.0.1", "-k", directory,
        "-c", "fsync=on", "-c", "log_min_messages=warning",
    ]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while subprocess.run(_as_server_user([_binary("pg_isready"), "-h", "127.0.0.1", "-p", str(port)]),
                             stdout=subprocess.DEVNULL).returncode != 0:
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("PostgreSQL did not start")
            time.sleep(0.3)
        subprocess.run(_as_server_user([_binary("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U",
                                        "contactpunt", "queue"]), check=True)
        yield f"postgresql+psycopg2://contactpunt@127.0.0.1:{port}/queue"
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(directory, ignore_errors=True)

"""The whole system as `contactpunt run` starts it, for end-to-end tests: one per test session."""

import base64
import time
import re
import subprocess
import sys
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Dict, Iterator

from tests.conftest import ROOT, free_port, service_env, wait_for
from tests.tcp_relay import TcpRelay

ARTIFACTS = ROOT / "tests" / "artifacts"
LOG = ARTIFACTS / "stack.log"
PASSPHRASE = "een lange wachtzin voor de test"


@contextmanager
def running_stack(data: Path) -> Iterator[Dict]:
    """Adviser 'anna' for rocmn, the widget's socket.io behind a relay the test can cut, the console."""
    web_port, console_port, rasa_port = free_port(), free_port(), free_port()
    with ExitStack() as stack:
        relay = stack.enter_context(TcpRelay(rasa_port))
        env = service_env(CONTACTPUNT_RASA_PORT=str(rasa_port), CONTACTPUNT_ACTIONS_PORT=str(free_port()),
                          CONTACTPUNT_PROFILE="rocmn", CONTACTPUNT_DATA_DIR=str(data),
                          CONTACTPUNT_SOCKET_URL=f"http://127.0.0.1:{relay.port}")
        added = subprocess.run([sys.executable, "-m", "bot.cli", "adviser", "add", "anna", "--name", "Anna (COG)",
                                "--location", "rocmn", "--passphrase-stdin"], input=PASSPHRASE + "\n", cwd=ROOT,
                               env=env, capture_output=True, text=True, check=True)
        seed = base64.b32decode(re.search(r"secret: ([A-Z2-7=]+)", added.stdout).group(1))
        ARTIFACTS.mkdir(exist_ok=True)
        with open(LOG, "wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "run", "--no-browser", "--port", str(web_port),
                 "--console-port", str(console_port)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for(f"http://127.0.0.1:{web_port}/widget/config", process, seconds=300)
            yield {"chat": f"http://127.0.0.1:{web_port}/", "origin": f"http://127.0.0.1:{web_port}",
                   "console": f"http://127.0.0.1:{console_port}/", "socket": f"http://127.0.0.1:{relay.port}",
                   "relay": relay, "seed": seed, "data": data, "log": LOG}
        finally:
            process.terminate()
            process.wait(timeout=30)


_last_totp_step = [0]


def fresh_totp(seed: bytes) -> str:
    """A TOTP code no earlier login of this test session used (the console accepts each step once, and
    the step before and after the current one for clock drift)."""
    from handoff.adviser_keys import totp_code

    step = max(int(time.time()) // 30, _last_totp_step[0] + 1)
    while step > int(time.time()) // 30 + 1:
        time.sleep(1)
    _last_totp_step[0] = step
    return totp_code(seed, step * 30)

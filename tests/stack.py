"""The whole system as `contactpunt run` starts it, for end-to-end tests: one per test session."""

import base64
import re
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Dict, Iterator

from bot.load_benchmark.process_stats import children
from bot.local_servers.ports import free_port, service_env
from tests.conftest import ROOT, wait_for
from tests.fake_bot_api import FakeBotAPI
from tests.fake_bot_framework import FakeBotFramework
from tests.tcp_relay import TcpRelay

ARTIFACTS = ROOT / "tests" / "artifacts"
LOG = ARTIFACTS / "stack.log"
PASSPHRASE = "een lange wachtzin voor de test"


@contextmanager
def running_stack(data: Path, log_path: Path = LOG) -> Iterator[Dict]:
    """Adviser 'anna' for rocmn, the console, and all three channels: the widget's socket.io behind a relay
    the test can cut, Telegram polling a fake Bot API, Teams trusting a fake Microsoft. Everything the system
    writes goes to `log_path`."""
    web_port, console_port, rasa_port = free_port(), free_port(), free_port()
    with ExitStack() as stack:
        relay = stack.enter_context(TcpRelay(rasa_port))
        telegram = stack.enter_context(FakeBotAPI())
        microsoft = stack.enter_context(FakeBotFramework())
        env = service_env(CONTACTPUNT_RASA_PORT=str(rasa_port), CONTACTPUNT_ACTIONS_PORT=str(free_port()),
                          CONTACTPUNT_PROFILE="rocmn", CONTACTPUNT_DATA_DIR=str(data),
                          CONTACTPUNT_SOCKET_URL=f"http://127.0.0.1:{relay.port}",
                          CONTACTPUNT_TELEGRAM_TOKEN=telegram.token, CONTACTPUNT_TELEGRAM_BASE_URL=telegram.base_url,
                          CONTACTPUNT_TEAMS_APP_ID=microsoft.app_id, CONTACTPUNT_TEAMS_APP_PASSWORD=microsoft.app_password,
                          CONTACTPUNT_TEAMS_OPENID_URL=microsoft.openid_metadata_url,
                          CONTACTPUNT_TEAMS_TOKEN_URL=microsoft.token_url)
        added = subprocess.run([sys.executable, "-m", "bot.cli", "adviser", "add", "anna", "--name", "Anna (COG)",
                                "--location", "rocmn", "--passphrase-stdin"], input=PASSPHRASE + "\n", cwd=ROOT,
                               env=env, capture_output=True, text=True, check=True)
        seed = base64.b32decode(re.search(r"secret: ([A-Z2-7=]+)", added.stdout).group(1))
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "run", "--no-browser", "--port", str(web_port),
                 "--console-port", str(console_port)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for(f"http://127.0.0.1:{web_port}/widget/config", process, seconds=300, log=log_path)
            yield {"chat": f"http://127.0.0.1:{web_port}/", "origin": f"http://127.0.0.1:{web_port}",
                   "console": f"http://127.0.0.1:{console_port}/", "socket": f"http://127.0.0.1:{relay.port}",
                   "relay": relay, "seed": seed, "data": data, "log": log_path, "telegram": telegram,
                   "microsoft": microsoft, "teams_webhook": f"http://127.0.0.1:{rasa_port}/webhooks/teams/webhook",
                   "pid": process.pid}
        finally:
            services = children(process.pid)
            process.terminate()  # as a service manager stops it: Rasa and the action server must stop too
            process.wait(timeout=60)
            deadline = time.monotonic() + 30
            while (left := [pid for pid in services if Path(f"/proc/{pid}").exists()]) and time.monotonic() < deadline:
                time.sleep(0.5)
            assert not left, f"contactpunt run left {len(left)} service(s) running after SIGTERM"


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

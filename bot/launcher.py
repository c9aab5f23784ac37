"""Starts the action server, Rasa (one process, or several behind a sticky front), the widget server and the adviser console on loopback, and stops them together."""

import asyncio
from functools import partial
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import urllib.parse
import webbrowser
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml
from aiohttp import web

from bot import quiet_warnings
from bot.classifier import latest_model
from contactpunt.data_dir import data_dir
from bot.model_seal import ModelNotSealed, verify as verify_model
from bot.rasa_main import JWT_SECRET_ENV
from bot.service_wait import ServiceNotUp, ServiceStopped, wait_for_services
from bot.institution_profile import active_profile, load_profile, profile_names
from bot.tracker_store import keyring as tracker_keys
from bot.tracker_store.encrypted import store_config
from bot.tracker_store.retention import clean_up_every_hour, retention_days
from bot.channels import pseudonym
from bot.channels.sticky_front import StickyFront
from bot.channels.web import REDIS_URL_ENV, WORKER_ENV
from bot.channels.settings import WEB, SOCKET_URL_ENV, channel_credentials, enabled as enabled_channels, web_origins
from bot.webchat.server import create_app
from handoff.advisers import Advisers
from handoff.case_queue import CaseQueue
from handoff.console.app import create_console
from handoff.db import URL_ENV, make_engine, migrate, queue_url, session_factory
from handoff.rasa_client import RasaClient
from handoff.report import overview
from handoff.request import SINK_ENV

HOST = "127.0.0.1"
RASA_PORT = int(os.environ.get("CONTACTPUNT_RASA_PORT", "5005"))
ACTIONS_PORT = int(os.environ.get("CONTACTPUNT_ACTIONS_PORT", "5055"))
STARTUP_SECONDS = 180
#: How many Rasa processes (default 1). More than one need Redis (CONTACTPUNT_REDIS_URL): Rasa's lock store,
#: so one conversation's messages are handled one at a time, and the web chat's outbox and socket.io.
WORKERS_ENV = "CONTACTPUNT_RASA_WORKERS"
REDIS_TIMEOUT_SECONDS = 3


def scale_settings(environ: Dict[str, str]) -> Tuple[int, str]:
    """(number of Rasa processes, Redis URL or ""), or ValueError with a one-line reason."""
    raw = environ.get(WORKERS_ENV, "").strip() or "1"
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{WORKERS_ENV} must be a positive whole number, such as 2.")
    workers, redis_url = int(raw), environ.get(REDIS_URL_ENV, "").strip()
    if workers > 1 and not redis_url:
        raise ValueError(f"{WORKERS_ENV}={workers} needs Redis: set {REDIS_URL_ENV}=redis://host:port/db "
                         "(the processes share conversation locks and the web chat's messages through it).")
    if redis_url and urllib.parse.urlsplit(redis_url).scheme not in ("redis", "rediss", "unix"):
        raise ValueError(f"{REDIS_URL_ENV} must look like redis://host:port/db (or rediss://, unix://).")
    return workers, redis_url


def check_redis(redis_url: str) -> None:
    """Fails with a one-line reason (never the password in the URL) when Redis does not answer."""
    import redis

    try:
        client = redis.Redis.from_url(redis_url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                                      socket_timeout=REDIS_TIMEOUT_SECONDS)
        client.ping()
        client.close()
    except (redis.RedisError, OSError, ValueError) as error:
        where = urllib.parse.urlsplit(redis_url)
        place = f"{where.hostname}:{where.port or 6379}" if where.hostname else "the configured socket"
        raise RuntimeError(f"Redis at {place} does not answer ({type(error).__name__}): start it, or correct "
                           f"{REDIS_URL_ENV}.") from None


def prepare_tracker_store(endpoints: Path) -> None:
    """A tracker database on a server must answer (one line if not: Rasa itself would retry for ever), and the
    table is made here once, before several Rasa processes race to make it (SQLite too)."""
    import sqlalchemy as sa
    from rasa.core.tracker_store import SQLTrackerStore

    from bot.tracker_store.encrypted import from_endpoints

    config = yaml.safe_load(endpoints.read_text(encoding="utf-8"))["tracker_store"]
    if not config.get("dialect", "sqlite").startswith("sqlite"):
        url = SQLTrackerStore.get_db_url(config["dialect"], config.get("url"), config.get("port"), config.get("db"),
                                         config.get("username"), config.get("password"))
        engine = sa.create_engine(url, connect_args={"connect_timeout": 5})
        try:
            engine.connect().close()
        except sa.exc.SQLAlchemyError as error:
            raise RuntimeError(f"the tracker database at {config.get('url')}:{config.get('port') or 5432} does not "
                               f"answer ({type(getattr(error, 'orig', None) or error).__name__}): start it, or "
                               "correct CONTACTPUNT_TRACKER_URL.") from None
        finally:
            engine.dispose()
    from_endpoints(str(endpoints)).engine.dispose()


def rasa_ports(workers: int) -> List[int]:
    """One process answers on CONTACTPUNT_RASA_PORT itself; several get the ports after it, and the sticky
    front takes CONTACTPUNT_RASA_PORT."""
    return [RASA_PORT] if workers == 1 else [RASA_PORT + i for i in range(1, workers + 1)]


def lock_store(redis_url: str) -> Dict[str, Any]:
    """endpoints.yml's lock_store: Rasa's RedisLockStore, from CONTACTPUNT_REDIS_URL."""
    url = urllib.parse.urlsplit(redis_url)
    config: Dict[str, Any] = {"type": "redis", "url": url.hostname or "127.0.0.1", "port": url.port or 6379,
                              "db": int(url.path.strip("/") or 0), "key_prefix": "contactpunt",
                              "use_ssl": url.scheme == "rediss"}
    if url.username:
        config["username"] = urllib.parse.unquote(url.username)
    if url.password:
        config["password"] = urllib.parse.unquote(url.password)
    return config


def service_environment() -> Dict[str, str]:
    """Loopback only, and no access logs: they would hold addresses and conversation paths."""
    env = dict(os.environ)
    env.update({"SANIC_HOST": HOST, "SANIC_ACCESS_LOG": "False", "TF_CPP_MIN_LOG_LEVEL": "2",
                "RASA_TELEMETRY_ENABLED": "false", SINK_ENV: "handoff.sink:queue_sink", URL_ENV: queue_url()})
    return env


def ports_in_use(ports: Dict[str, int]) -> List[str]:
    """Which of the ports this start needs are taken already (or named twice), as 'port (what)'."""
    busy, seen = [], set()
    for what, port in ports.items():
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do: TIME_WAIT is no owner
            try:
                probe.bind((HOST, port))
            except OSError:
                busy.append(f"{port} ({what})")
                continue
        if port in seen:
            busy.append(f"{port} ({what}, named twice)")
        seen.add(port)
    return busy


def credentials_file(directory: Path, channels: Dict[str, Any]) -> Path:
    """credentials.yml for this start: the widget's socket.io channel, and Telegram and Teams when configured."""
    directory.mkdir(exist_ok=True)
    path = directory / "credentials.yml"
    path.write_text(yaml.safe_dump(channels), encoding="utf-8")
    return path


def endpoints_file(directory: Path, redis_url: str = "") -> Path:
    """endpoints.yml with the action server's actual port, the tracker store in the data directory (or
    CONTACTPUNT_TRACKER_URL), and Rasa's Redis lock store when Redis is configured. The file is in a
    directory only this user can read: it may hold the databases' passwords."""
    endpoints = yaml.safe_load(Path("endpoints.yml").read_text(encoding="utf-8"))
    endpoints["action_endpoint"]["url"] = f"http://{HOST}:{ACTIONS_PORT}/webhook"
    endpoints["tracker_store"] = store_config(endpoints)
    if redis_url:
        endpoints["lock_store"] = lock_store(redis_url)
    path = directory / "endpoints.yml"
    path.write_text(yaml.safe_dump(endpoints), encoding="utf-8")
    return path


def service_commands(endpoints: Path, credentials: Path, jwt_secret: str, model: Path, workers: int = 1,
                     web_only: Optional[Path] = None) -> List[Tuple[List[str], Dict[str, str]]]:
    """Each service's command and what it needs in its environment besides `service_environment()`.
    Rasa's HTTP API is on only so the console can join a conversation, and only with a JWT signed
    with a secret made fresh for each start. Rasa takes that secret only as an argument, which every
    local user could read in `ps`: `bot.rasa_main` adds it from the environment inside the process.
    Several Rasa processes are separate `rasa run`s (one Sanic worker each, numbered for the sticky front);
    only the first runs Telegram and Teams (`credentials`; the others get `web_only`): Telegram allows one
    poller per bot, and both keep their conversation references in memory. One action server serves them
    all (rasa_sdk keeps no state)."""
    python = sys.executable
    return [
        (quiet_warnings.command("rasa_sdk", "--actions", "actions", "--port", str(ACTIONS_PORT)), {}),
        *[([python, "-m", "bot.rasa_main", "run", "--interface", HOST, "--port", str(port),
            "--model", str(model), "--endpoints", str(endpoints),
            "--credentials", str(credentials if number == 1 or web_only is None else web_only),
            "--enable-api", "--jwt-method", "HS256"],
           {JWT_SECRET_ENV: jwt_secret, "SANIC_WORKERS": "1", **({WORKER_ENV: str(number)} if workers > 1 else {})})
          for number, port in enumerate(rasa_ports(workers), start=1)],
    ]


def wait_until_up(processes: List[subprocess.Popen], workers: int = 1) -> None:
    """Show progress while the model loads; fail with a clear message if a service dies."""
    urls = [f"http://{HOST}:{ACTIONS_PORT}/health", *[f"http://{HOST}:{port}/" for port in rasa_ports(workers)]]
    try:
        wait_for_services(urls, processes, "Starting assistant", STARTUP_SECONDS)
    except ServiceStopped as stopped:
        raise RuntimeError(f"'{' '.join(stopped.process.args[1:4])}' stopped (exit {stopped.process.returncode}).") \
            from None
    except ServiceNotUp as late:
        raise RuntimeError(f"Not up after {STARTUP_SECONDS} s: {', '.join(late.pending)}") from None


def stop(processes: List[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def meldplicht_procedures() -> Dict[str, str]:
    return {name: load_profile(name).safeguarding.adviser_procedure.nl for name in profile_names()}


async def serve(apps: List[tuple], endpoints: Path, workers: int = 1) -> None:
    """Serve each (app, port) on loopback until interrupted, no access logs; expire conversations hourly.
    Several Rasa processes get the sticky front on CONTACTPUNT_RASA_PORT."""
    cleaner = asyncio.ensure_future(clean_up_every_hour(str(endpoints)))
    front = StickyFront(HOST, RASA_PORT, [(HOST, port) for port in rasa_ports(workers)]) if workers > 1 else None
    if front:
        await front.start()
    runners = []
    for app, port in apps:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, HOST, port).start()
        runners.append(runner)
    try:
        await asyncio.Event().wait()
    finally:
        cleaner.cancel()
        if front:
            await front.close()
        for runner in runners:
            await runner.cleanup()


def _stop_on_sigterm(signum, frame) -> None:
    """A service manager stops us with SIGTERM: treat it as Ctrl+C, so Rasa and the actions stop too."""
    raise KeyboardInterrupt


def run_all(web_port: int, console_port: int, open_browser: bool) -> int:
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    profile = active_profile()  # fails early, with a clear message, on an invalid profile
    retention_days()  # and so does an invalid retention setting
    origins = web_origins(os.environ, web_port)
    channels = channel_credentials(os.environ, origins)  # and an incomplete channel configuration
    try:
        workers, redis_url = scale_settings(os.environ)  # and a bad number of processes, or one without Redis
        store_config(yaml.safe_load(Path("endpoints.yml").read_text(encoding="utf-8")))  # and a bad tracker URL
        if redis_url:
            check_redis(redis_url)
    except (ValueError, RuntimeError) as error:
        print(f"contactpunt: {error}", file=sys.stderr)
        return 1
    model = latest_model()
    try:
        verify_model(model)
    except ModelNotSealed as error:
        print(f"contactpunt: {error}", file=sys.stderr)
        return 1
    busy = ports_in_use({"chat": web_port, "console": console_port, "Rasa, CONTACTPUNT_RASA_PORT": RASA_PORT,
                         "actions, CONTACTPUNT_ACTIONS_PORT": ACTIONS_PORT,
                         **{f"Rasa process {n}, CONTACTPUNT_RASA_PORT+{n}": port
                            for n, port in enumerate(rasa_ports(workers), start=1) if workers > 1}})
    if busy:
        print(f"contactpunt: port {', '.join(busy)} is already in use: stop the other program or choose "
              "another port.", file=sys.stderr)
        return 1
    data_dir().mkdir(parents=True, exist_ok=True)
    if not os.environ.get(tracker_keys.KEYS_ENV) and not os.environ.get(tracker_keys.KEY_FILE_ENV):
        tracker_keys.ensure_key_file(tracker_keys.default_key_file())  # embedded default, made on first start
    if not os.environ.get(pseudonym.KEY_ENV):
        pseudonym.ensure_key_file()
    engine = make_engine()
    migrate(engine)
    sessions = session_factory(engine)
    jwt_secret = secrets.token_urlsafe(32)
    socket_url = os.environ.get(SOCKET_URL_ENV) or f"http://{HOST}:{RASA_PORT}"
    runtime = tempfile.TemporaryDirectory(prefix="contactpunt-")
    directory = Path(runtime.name)
    endpoints = endpoints_file(directory, redis_url)
    credentials = credentials_file(directory, channels)
    web_only = credentials_file(directory / "web-only", {WEB: channels[WEB]}) if workers > 1 else None
    try:
        prepare_tracker_store(endpoints)
    except RuntimeError as error:
        print(f"contactpunt: {error}", file=sys.stderr)
        runtime.cleanup()
        return 1
    processes = [subprocess.Popen(command, env={**service_environment(), **secrets_env})
                 for command, secrets_env in service_commands(endpoints, credentials, jwt_secret, model, workers, web_only)]
    try:
        wait_until_up(processes, workers)
        url, console_url = f"http://{HOST}:{web_port}/", f"http://{HOST}:{console_port}/"
        print(f"\nContactpunt ({profile.name}) is running.\n  Chat:    {url} (sample school page)"
              f"\n  Console: {console_url}\n  Channels: {', '.join(enabled_channels(channels))}"
              f"\n  Rasa: {workers} process{'es' if workers > 1 else ''}{', Redis' if redis_url else ''}"
              f"\nStop with Ctrl+C.\n", flush=True)
        if open_browser:
            webbrowser.open(url)
        queue = CaseQueue(sessions)
        chat = create_app(profile, socket_url, origins, queue)
        console = create_console(queue, Advisers(sessions),
                                 RasaClient(f"http://{HOST}:{RASA_PORT}", jwt_secret),
                                 meldplicht_procedures(), partial(overview, sessions),
                                 # behind an HTTPS reverse proxy, cookies must be Secure as well
                                 secure_cookies=os.environ.get("CONTACTPUNT_CONSOLE_HTTPS") == "1")
        asyncio.run(serve([(chat, web_port), (console, console_port)], endpoints, workers))
        return 0
    except KeyboardInterrupt:
        return 0
    except RuntimeError as error:
        print(f"contactpunt: {error}", file=sys.stderr)
        return 1
    finally:
        stop(processes)
        runtime.cleanup()

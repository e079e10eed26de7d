"""Real servers for tests: daphne and redis-server processes, started and stopped by pid."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

from bench.procs import free_port, wait_for_port

ROOT = Path(__file__).resolve().parent.parent


def server_env(**extra: str) -> dict[str, str]:
    """Environment for a child server that shares this test run's database."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SQLITE_PATH", "REDIS_URL"}}
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        env["SQLITE_PATH"] = str(db["NAME"])
    else:
        url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
        env["DATABASE_URL"] = urllib.parse.urlunsplit(url._replace(path="/" + db["NAME"]))
    # The same deployment as this test process, whatever database name the children see.
    env.setdefault("LIVEBOARD_DEPLOYMENT", settings.DEPLOYMENT)
    env["DEBUG"] = "1"
    env["FAST_PASSWORD_HASHING"] = "1"
    env.update(extra)
    return env


def stop(process: subprocess.Popen) -> None:
    """Stop a child by its pid: TERM, then KILL if it lingers."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@contextmanager
def daphne(
    *, redis_url: str = "", port: int | None = None, extra: dict[str, str] | None = None, args: tuple[str, ...] = ()
) -> Iterator[str]:
    """A daphne process serving the project; yields its base URL."""
    with daphne_process(redis_url=redis_url, port=port, extra=extra, args=args) as (base_url, _):
        yield base_url


@contextmanager
def daphne_process(
    *, redis_url: str = "", port: int | None = None, extra: dict[str, str] | None = None, args: tuple[str, ...] = ()
) -> Iterator[tuple[str, subprocess.Popen]]:
    """A daphne process serving the project; yields its base URL and the process (to kill it)."""
    port = port or free_port()
    env = server_env(**({"REDIS_URL": redis_url} if redis_url else {}), **(extra or {}))
    log = open(ROOT / f".daphne-{port}.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), *args, "project.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}", process
    finally:
        stop(process)
        log.close()
        Path(log.name).unlink(missing_ok=True)


class RedisServer:
    """A throwaway redis-server keeping nothing on disk, that a test can stop and restart."""

    def __init__(self) -> None:
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            raise RuntimeError("redis-server is not installed")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, self.process)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None


@contextmanager
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def session_cookie(user) -> str:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def post(base_url: str, path: str, data: dict[str, str | list[str]], *, cookie: str, page: str = "") -> tuple[int, str]:
    """An htmx-style POST over real HTTP, with a CSRF cookie and header that match."""
    token = secrets.token_hex(16)
    headers = {
        "Cookie": f"{cookie}; {settings.CSRF_COOKIE_NAME}={token}",
        "X-CSRFToken": token,
        "HX-Request": "true",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    if page:
        headers["X-LiveBoard-Page"] = page
    body = urllib.parse.urlencode(data, doseq=True).encode()
    request = urllib.request.Request(base_url + path, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def ws_url(base_url: str, board_id: int, page: str = "") -> str:
    return base_url.replace("http://", "ws://") + f"/ws/b/{board_id}/" + (f"?page={page}" if page else "")

"""Child processes of a bench run (daphne, the floor server, client swarms), stopped by pid."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, *, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process {process.pid} for port {port} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on port {port} after {timeout}s")


def rss_kb(pid: int) -> tuple[int, int]:
    """VmRSS and VmHWM (peak) of a process, in KiB, from /proc/<pid>/status."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields["VmRSS"], fields["VmHWM"]


class Processes:
    """Every process the bench starts; `stop_all` ends each one by its pid (TERM, then KILL)."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.running: list[subprocess.Popen] = []

    def start(self, name: str, args: list[str], *, env: dict[str, str], **kwargs) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - the child keeps it; closed with the process
        kwargs.setdefault("stdout", log)
        process = subprocess.Popen(args, cwd=ROOT, env=env, stderr=log, **kwargs)
        process.log_path = self.log_dir / f"{name}.log"  # type: ignore[attr-defined]
        log.close()
        self.running.append(process)
        return process

    def stop(self, process: subprocess.Popen) -> None:
        if process.poll() is None:
            try:
                os.kill(process.pid, signal.SIGTERM)
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait(timeout=15)
            except ProcessLookupError:
                pass
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                try:
                    pipe.close()
                except OSError:
                    pass
        if process in self.running:
            self.running.remove(process)

    def stop_all(self) -> None:
        for process in reversed(list(self.running)):
            self.stop(process)

    def tail(self, process: subprocess.Popen, lines: int = 30) -> str:
        path: Path = process.log_path  # type: ignore[attr-defined]
        try:
            return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def daphne(procs: Processes, name: str, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    """A daphne process with its default limits; returns it and its base URL.

    (Not `make run`'s --websocket_max_message_size 4096: autobahn applies that limit to
    outgoing messages too, and a board's resync is larger.)
    """
    port = free_port()
    args = [str(Path(PYTHON).with_name("daphne")), "-b", "127.0.0.1", "-p", str(port), "project.asgi:application"]
    process = procs.start(name, args, env=env)
    try:
        wait_for_port(port, process)
    except Exception:
        print(procs.tail(process), file=sys.stderr)
        raise
    return process, f"http://127.0.0.1:{port}"


def floor_server(procs: Processes, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    """The plain `websockets` broadcast server; returns it and its base URL."""
    port = free_port()
    process = procs.start("floor", [PYTHON, "-m", "bench.floor", "--port", str(port)], env=env)
    wait_for_port(port, process)
    return process, f"http://127.0.0.1:{port}"


class Swarm:
    """A separate process holding many websocket clients (bench.clients); reads its JSON lines."""

    def __init__(self, procs: Processes, name: str, env: dict[str, str], spec_path: Path) -> None:
        self.procs = procs
        self.lines: queue.Queue[dict] = queue.Queue()
        self.process = procs.start(
            name,
            [PYTHON, "-m", "bench.clients", str(spec_path)],
            env=env,
            stdout=subprocess.PIPE,
            stdin=subprocess.PIPE,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            try:
                self.lines.put(json.loads(raw))
            except ValueError:
                continue
        self.lines.put({"eof": True})

    def next(self, timeout: float) -> dict | None:
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            return None

    def wait_ready(self, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            line = self.next(remaining)
            if line is None:
                break
            if "eof" in line:
                raise RuntimeError(f"client process exited early:\n{self.procs.tail(self.process)}")
            if "ready" in line:
                return line
        raise TimeoutError(f"clients not connected after {timeout}s")

    def wait_quiet(self, quiet: float = 1.0, timeout: float = 60.0) -> list[dict]:
        """Wait until no socket has received anything for `quiet` seconds; return lines seen meanwhile."""
        assert self.process.stdin is not None
        seen: list[dict] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.process.stdin.write(b"stats\n")
            self.process.stdin.flush()
            while (line := self.next(10)) is not None and "stats" not in line:
                if "eof" in line:
                    raise RuntimeError(f"client process exited:\n{self.procs.tail(self.process)}")
                seen.append(line)
            if line is None:
                raise TimeoutError("client process does not answer")
            idle = line["now"] - line["last"]
            if idle >= quiet:
                return seen
            time.sleep(quiet - idle)
        return seen

    def drain(self) -> list[dict]:
        found = []
        while (line := self.next(0)) is not None:
            found.append(line)
        return found

    def stop(self) -> None:
        self.procs.stop(self.process)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_idle(pids: list[int], *, window: float = 0.5, busy: float = 0.05, timeout: float = 60.0) -> None:
    """Wait until the processes use under `busy` of a core over `window` seconds (e.g. done closing sockets)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = sum(cpu_seconds(pid) for pid in pids)
        time.sleep(window)
        if sum(cpu_seconds(pid) for pid in pids) - before < busy * window:
            return

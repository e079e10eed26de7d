"""Fan-out latency: from posting a card move to the last of N clients receiving it; and the floor."""

from __future__ import annotations

import json
import math
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from websockets.sync.client import connect

from bench.data import Layout, World
from bench.procs import Processes, Swarm
from bench.web import Browser

VERSION = re.compile(r'<template data-step="(\d+)"')
SHOWN = re.compile(r'<main id="live"[^>]*? data-v="(\d+)"')
WAIT = 60.0  # seconds for every client to receive one broadcast before it counts as lost


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (p99 of 50 samples is the largest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)] if ordered else float("nan")


@dataclass
class Series:
    """One N of one setup: latencies to the last client, the mover's HTTP times, frame sizes."""

    label: str
    n: int
    latency: list[float] = field(default_factory=list)
    first: list[float] = field(default_factory=list)  # to the first client: the server's work before sending
    http: list[float] = field(default_factory=list)
    frame_bytes: list[int] = field(default_factory=list)
    connected: int = 0
    connect_seconds: float = 0.0
    failed: int = 0
    lost: int = 0
    closed: int = 0
    errors: list[str] = field(default_factory=list)

    def p(self, q: float, what: str = "latency") -> float:
        return percentile(getattr(self, what), q) * 1000

    @property
    def spread(self) -> list[float]:
        """From the first client receiving a broadcast to the last: the fan-out itself."""
        return [last - first for last, first in zip(self.latency, self.first, strict=True)]

    @property
    def size(self) -> int:
        return int(statistics.median(self.frame_bytes)) if self.frame_bytes else 0


def ws_url(base_url: str, path: str) -> str:
    return base_url.replace("http://", "ws://") + path


def start_swarm(procs: Processes, env: dict[str, str], tmp: Path, name: str, spec: dict, series: Series) -> Swarm:
    spec_path = tmp / f"{name}.json"
    spec_path.write_text(json.dumps(spec))
    swarm = Swarm(procs, name, env, spec_path)
    ready = swarm.wait_ready(timeout=300)
    series.connected, series.failed = ready["ready"], ready["failed"]
    series.connect_seconds, series.errors = ready["seconds"], ready["errors"]
    if ready["failed"]:
        print(f"  {ready['failed']} of {spec['n']} sockets failed to open: {ready['errors']}", file=sys.stderr)
    return swarm


def wait_for(swarm: Swarm, version: int, series: Series) -> dict | None:
    deadline = time.monotonic() + WAIT
    while (remaining := deadline - time.monotonic()) > 0:
        line = swarm.next(remaining)
        if line is None:
            break
        if "eof" in line:
            raise RuntimeError(f"client process exited:\n{swarm.procs.tail(swarm.process)}")
        if "closed" in line:
            series.closed += 1
        if line.get("got") == version:
            return line
    series.lost += 1
    return None


class Mover:
    """Moves cards across pipelines of the board, as a drag or a keyboard move posts them.

    Move k takes the middle card of pipeline k mod P to the middle of pipeline (k+3) mod P:
    every move changes two pipelines, and the pipelines keep about their size.
    """

    def __init__(self, base_url: str, cookie: str, layout: Layout) -> None:
        self.browser = Browser(base_url, cookie)
        self.layout = layout
        self.k = 0

    def move(self) -> tuple[int, str, float, list[int]]:
        pipelines = self.layout.pipelines
        source = pipelines[self.k % len(pipelines)]
        target = pipelines[(self.k + 3) % len(pipelines)]
        self.k += 1
        cards = self.layout.cards
        card = cards[source].pop(len(cards[source]) // 2)
        position = len(cards[target]) // 2
        after = cards[target][position - 1] if position > 0 else ""
        before = cards[target][position] if position < len(cards[target]) else ""
        cards[target].insert(position, card)
        path = f"/b/{self.layout.board_id}/c/{card}/move/"
        status, body, seconds = self.browser.post(path, {"pipeline": target, "after": after, "before": before})
        if status != 200:
            raise RuntimeError(f"move answered {status}: {body[:300]}")
        return int(VERSION.search(body).group(1)), body, seconds, [source, target]


def run_pair(
    procs: Processes,
    env: dict[str, str],
    tmp: Path,
    *,
    label: str,
    servers: list[str],
    floor_url: str,
    world: World,
    n: int,
    moves: int,
    warmup: int = 3,
) -> tuple[Series, Series]:
    """Ours and the floor for one N, measured alternately: a move, then a floor broadcast, and so on.

    N clients (split across `servers`) on the fan-out board, moves posted to the first
    server; N more clients on the floor server, sent messages of the moves' frame size.
    Alternating rather than one series after the other: this machine's speed changes by up
    to 2x within a minute, and two series a minute apart compared that as much as the servers.
    """
    ours, base = Series(label, n), Series("floor", n)
    mover = Mover(servers[0], world.owner_cookie, world.fanout)
    # The clients connect as pages that have just loaded the board: showing its version.
    _, page = mover.browser.get(f"/b/{world.fanout.board_id}/")
    shown = SHOWN.search(page).group(1)
    spec = {
        "urls": [ws_url(url, f"/ws/b/{world.fanout.board_id}/?v={shown}") for url in servers],
        "cookies": world.member_cookies[:n],
        "n": n,
    }
    swarm = start_swarm(procs, env, tmp, f"clients-{label}-{n}", spec, ours)
    floor_swarm: Swarm | None = None
    try:
        swarm.wait_quiet(quiet=1.0)  # e.g. presence broadcasts after the joins
        sizes = []
        for _ in range(warmup):  # the warm-up moves also give the floor its message size
            version, _, _, _ = mover.move()
            line = wait_for(swarm, version, ours)
            if line is not None:
                sizes.append(line["bytes"])
        if not sizes:
            raise RuntimeError("no client received a warm-up move")
        size = int(statistics.median(sizes))
        floor_spec = {"urls": [ws_url(floor_url, "/listen")], "cookies": None, "n": n}
        floor_swarm = start_swarm(procs, env, tmp, f"clients-floor-{n}", floor_spec, base)
        with connect(ws_url(floor_url, "/control"), compression=None, proxy=None) as control:
            floor_swarm.wait_quiet(quiet=0.5)
            for i in range(warmup + moves):
                if i >= warmup:
                    started = time.monotonic()
                    version, _, seconds, _ = mover.move()
                    line = wait_for(swarm, version, ours)
                    if line is not None:
                        ours.latency.append(line["t"] - started)
                        ours.first.append(line["first"] - started)
                        ours.http.append(seconds)
                        ours.frame_bytes.append(line["bytes"])
                version = 1_000_000 + i
                started = time.monotonic()
                control.send(f"{version} {size}")
                line = wait_for(floor_swarm, version, base)
                if i >= warmup and line is not None:
                    base.latency.append(line["t"] - started)
                    base.first.append(line["first"] - started)
                    base.frame_bytes.append(line["bytes"])
    finally:
        mover.browser.close()
        swarm.stop()
        if floor_swarm is not None:
            floor_swarm.stop()
    return ours, base

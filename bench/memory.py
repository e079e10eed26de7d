"""Server memory: daphne's RSS with no sockets, then with many idle authenticated board sockets."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from bench.data import World
from bench.fanout import Series, start_swarm, ws_url
from bench.procs import Processes, rss_kb, wait_idle
from bench.web import Browser


@dataclass
class Memory:
    sockets: int
    rss0_kb: int
    rss_kb: int
    peak_kb: int
    connect_seconds: float
    failed: int

    @property
    def per_socket_kb(self) -> float:
        return (self.rss_kb - self.rss0_kb) / max(1, self.sockets)


def measure(
    procs: Processes, env: dict[str, str], tmp: Path, *, pid: int, base_url: str, world: World, sockets: int
) -> Memory:
    from django.db import connections

    from board.models import Board

    board = world.fanout.board_id
    # As a page that has just loaded the board connects: showing its version, sent only who is here.
    version = Board.objects.values_list("version", flat=True).get(pk=board)
    connections.close_all()
    url = ws_url(base_url, f"/ws/b/{board}/") + f"?v={version}"
    # Warm up first (code paths imported, caches filled, a few sockets opened and closed),
    # so the difference is what the sockets themselves hold.
    page = Browser(base_url, world.owner_cookie)
    page.get(f"/b/{board}/")
    page.close()
    warm = Series("warm-up", 20)
    swarm = start_swarm(
        procs, env, tmp, "clients-warmup", {"urls": [url], "cookies": world.member_cookies[-20:], "n": 20}, warm
    )
    swarm.wait_quiet(quiet=1.0)
    swarm.stop()
    wait_idle([pid])
    time.sleep(1.0)
    rss0, _ = rss_kb(pid)

    series = Series("memory", sockets)
    spec = {"urls": [url], "cookies": world.member_cookies[:sockets], "n": sockets}
    swarm = start_swarm(procs, env, tmp, "clients-memory", spec, series)
    try:
        swarm.wait_quiet(quiet=2.0, timeout=120)
        wait_idle([pid])
        rss, peak = rss_kb(pid)
    finally:
        swarm.stop()
    return Memory(series.connected, rss0, rss, peak, series.connect_seconds, series.failed)

"""The big board page, rendered in-process through the whole Django stack (middleware included)."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from bench.data import Layout, World


@dataclass
class Page:
    name: str
    cards: int
    median_ms: float
    cpu_ms: float  # median CPU time of the rendering thread: less sensitive to other work on the machine
    first_ms: float  # the first render of this board in this process (nothing cached yet)
    queries: int
    raw: int
    gzip: int


def render(client, layout: Layout, name: str, repeat: int) -> Page:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils.text import compress_string

    path = f"/b/{layout.board_id}/"
    first = 0.0
    for _ in range(3):  # warm-up: templates compiled, caches filled, connection open
        started = time.perf_counter()
        response = client.get(path)
        assert response.status_code == 200, response.status_code
        first = first or time.perf_counter() - started
    times, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.thread_time()
        response = client.get(path)
        cpu.append(time.thread_time() - started_cpu)
        times.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    body = response.content
    cards = sum(len(ids) for ids in layout.cards.values())
    # compress_string is what Django's GZipMiddleware sends (level 6).
    return Page(
        name,
        cards,
        statistics.median(times) * 1000,
        statistics.median(cpu) * 1000,
        first * 1000,
        len(queries),
        len(body),
        len(compress_string(body)),
    )


def measure(world: World, repeat: int = 20) -> list[Page]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client(SERVER_NAME="127.0.0.1")  # an allowed host under the production-like settings
    client.force_login(get_user_model().objects.get(username="bench-owner"))
    return [
        render(client, world.small, "2 x 5", repeat),
        render(client, world.sizes, "8 x 25", repeat),
        render(client, world.big, "20 x 50", repeat),
    ]

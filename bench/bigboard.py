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


@dataclass
class Filter:
    name: str
    cards: int
    median_ms: float  # of every query below, each asked `repeat` times
    slowest_ms: float  # the slowest query's median
    queries: list[tuple[str, int, float]]  # (word, cards matching, median ms)


# Words of bench.data.WORDS match some cards each; the last matches none.
FILTER_WORDS = ("invoice", "keyboard", "steps to reproduce", "zzz-nothing")


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


def filter_answers(client, layout: Layout, name: str, repeat: int) -> Filter:
    """The filter's answer (ids of matching cards, as the page asks for them), through the test client."""
    from django.urls import reverse

    path = reverse("board-filter", args=[layout.board_id])
    rows, every = [], []
    for word in FILTER_WORDS:
        response = client.get(path, {"q": word})  # warm-up
        assert response.status_code == 200, response.status_code
        matching = len(response.json()["ids"])
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(path, {"q": word})
            times.append(time.perf_counter() - started)
        every += times
        rows.append((word, matching, statistics.median(times) * 1000))
    cards = sum(len(ids) for ids in layout.cards.values())
    return Filter(name, cards, statistics.median(every) * 1000, max(ms for _, _, ms in rows), rows)


def client_for_owner():
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client(SERVER_NAME="127.0.0.1")  # an allowed host under the production-like settings
    client.force_login(get_user_model().objects.get(username="bench-owner"))
    return client


def measure_filter(world: World, repeat: int = 10) -> list[Filter]:
    client = client_for_owner()
    return [
        filter_answers(client, world.big, "20 x 50", repeat),
        filter_answers(client, world.huge, "20 x 250", repeat),
    ]


def measure(world: World, repeat: int = 20) -> list[Page]:
    client = client_for_owner()
    return [
        render(client, world.small, "2 x 5", repeat),
        render(client, world.sizes, "8 x 25", repeat),
        render(client, world.big, "20 x 50", repeat),
        render(client, world.huge, "20 x 250", repeat),
    ]

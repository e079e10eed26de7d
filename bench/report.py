"""The results as Markdown: printed, and written to bench/results.md."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass, field
from importlib import metadata

from bench.bigboard import Filter, Page
from bench.fanout import Series
from bench.memory import Memory
from bench.procs import ROOT
from bench.sizes import Sizes

PACKAGES = ("Django", "channels", "channels-redis", "daphne", "websockets", "Twisted", "redis")
# Goals of our p50 / floor p50, by N.
RATIO_GOALS = {5000: 1.5, 1000: 1.5, 100: 2.5}
# Board page goals by its number of cards: (render ms, gzip bytes). 5000 is Trello's limit per board.
PAGE_GOALS = {1000: (60, 80 * 1024), 5000: (200, 150 * 1024)}
FILTER_GOAL_MS = 100  # the filter's answer on the 5000-card board
SOCKET_GOAL_KB = 32
CONNECT_GOAL_S = 60  # 5000 distinct members opening one board


@dataclass
class Results:
    moves: int
    people: int
    db_label: str = ""
    local: list[tuple[Series, Series]] = field(default_factory=list)
    redis: list[tuple[Series, Series]] = field(default_factory=list)
    redis_skipped: str = ""
    sizes: Sizes | None = None
    memory: Memory | None = None
    pages: list[Page] | None = None
    filters: list[Filter] | None = None
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    load: tuple = ((0, 0, 0), (0, 0, 0))


def ok(met: bool | None) -> str:
    return "" if met is None else ("met" if met else "**missed**")


def machine() -> list[str]:
    model = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        commit += " (with uncommitted changes)" if dirty else ""
    except OSError:
        commit = "unknown"
    return [
        f"- Machine: {os.cpu_count()} cores ({model or platform.machine()}), {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}; {', '.join(versions)}",
        f"- Code: git {commit}",
    ]


def fanout_table(pairs: list[tuple[Series, Series]]) -> list[str]:
    rows = [
        "| N clients | ours p50 | ours p99 | floor p50 | floor p99 | ours p50 / floor p50 | goal "
        "| ours: to 1st client p50 | ours: 1st to last p50 | floor: 1st to last p50 "
        "| mover HTTP p50 | mover HTTP p99 | frame bytes | sockets (s to open) | lost |",
        "|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for ours, floor in pairs:
        ratio = ours.p(50) / floor.p(50) if floor.latency and ours.latency else float("nan")
        goal = RATIO_GOALS.get(ours.n)
        verdict = f"<= {goal} {ok(ratio <= goal)}" if goal else ""
        lost = ours.lost + floor.lost + ours.failed + floor.failed + ours.closed
        rows.append(
            f"| {ours.n} | {ours.p(50):.1f} ms | {ours.p(99):.1f} ms | {floor.p(50):.1f} ms | {floor.p(99):.1f} ms "
            f"| {ratio:.2f} | {verdict} | {ours.p(50, 'first'):.1f} ms | {ours.p(50, 'spread'):.1f} ms "
            f"| {floor.p(50, 'spread'):.1f} ms | {ours.p(50, 'http'):.1f} ms | {ours.p(99, 'http'):.1f} ms "
            f"| {ours.size} | {ours.connected} ({ours.connect_seconds:.1f}) | {lost} |"
        )
    return rows


def goals(r: Results) -> list[str]:
    """One line per goal: met or missed, with the figure."""
    lines = []
    for label, pairs in (("one daphne", r.local), ("Redis, two daphnes", r.redis)):
        for ours, floor in pairs:
            goal = RATIO_GOALS.get(ours.n)
            if goal and ours.latency and floor.latency:
                ratio = ours.p(50) / floor.p(50)
                lines.append(
                    f"- {label}, N={ours.n}: ours p50 / floor p50 = {ratio:.2f} (goal <= {goal}): {ok(ratio <= goal)} "
                    f"(server work before the first client receives: {ours.p(50, 'first'):.1f} ms; "
                    f"first to last client: ours {ours.p(50, 'spread'):.1f} ms, floor {floor.p(50, 'spread'):.1f} ms)"
                )
    if r.sizes:
        for u in r.sizes.updates:
            if u.goal:
                goal = f"{u.goal} {u.reference_name} = {u.reference} B" if u.goal.endswith("x") else u.goal
                lines.append(f"- {u.name}: {u.frame} B (goal {goal}): {ok(u.met)}")
    if r.memory:
        per = r.memory.per_socket_kb
        lines.append(
            f"- memory: {per:.1f} KB per idle socket at {r.memory.sockets} (goal <= {SOCKET_GOAL_KB} KB): "
            f"{ok(per <= SOCKET_GOAL_KB)}"
        )
        if r.memory.sockets >= 5000 and r.people >= 5000:
            met = r.memory.connect_seconds <= CONNECT_GOAL_S and not r.memory.failed
            lines.append(
                f"- {r.memory.sockets} distinct members open one board: {r.memory.connect_seconds:.1f} s, "
                f"{r.memory.failed} failed (goal <= {CONNECT_GOAL_S} s, none failed): {ok(met)}"
            )
    if r.pages:
        constant = len({p.queries for p in r.pages}) == 1
        for p in r.pages:
            if p.cards not in PAGE_GOALS:
                continue
            goal_ms, goal_gzip = PAGE_GOALS[p.cards]
            lines.append(
                f"- board page, {p.cards} cards: {p.median_ms:.1f} ms (CPU {p.cpu_ms:.1f} ms; goal <= {goal_ms} ms): "
                f"{ok(p.median_ms <= goal_ms)}"
            )
            lines.append(
                f"- board page, {p.cards} cards, gzip: {p.gzip / 1024:.1f} KB (goal <= {goal_gzip // 1024} KB): "
                f"{ok(p.gzip <= goal_gzip)}"
            )
        counts = ", ".join(str(p.queries) for p in r.pages)
        lines.append(f"- board page queries: {counts} for {len(r.pages)} board sizes (goal: constant): {ok(constant)}")
    for f in r.filters or ():
        if f.cards in PAGE_GOALS and f.cards == max(PAGE_GOALS):
            lines.append(
                f"- filter, {f.cards} cards: median {f.median_ms:.1f} ms, slowest word {f.slowest_ms:.1f} ms "
                f"(goal <= {FILTER_GOAL_MS} ms): {ok(f.slowest_ms <= FILTER_GOAL_MS)}"
            )
    return lines


def render(r: Results) -> str:
    moves, local, redis, sizes, memory, pages = r.moves, r.local, r.redis, r.sizes, r.memory, r.pages
    before, after = r.load
    out = ["# LiveBoard benchmarks", "", *machine()]
    out += [
        f"- Database: {r.db_label}; whole run {r.seconds:.0f} s; load average {before[0]:.1f} before, "
        f"{after[0]:.1f} after (other work on the machine slows every figure, the floor's too)",
        "",
        "Settings as in production: DEBUG=0, a SECRET_KEY, ALLOWED_HOSTS=127.0.0.1 (SECURE_SSL_REDIRECT=0: no TLS",
        "proxy here), daphne with its default limits. Clients run in a separate process (`websockets` asyncio",
        f"client, a session cookie each, an Origin header); socket i belongs to member i mod {r.people}. The mover",
        "posts from the bench process over a kept-alive HTTP connection. Latency: from sending the POST (for the",
        "floor, the trigger) to the moment the last client has received its frame. Ours and the floor are",
        "measured alternately, one move then one floor broadcast, with both sets of N clients connected: this",
        "machine's speed changes by up to 2x within a minute, and it then changes both figures alike.",
        "",
        "## Goals",
        "",
        *goals(r),
        "",
    ]
    fanout_notes = [
        "",
        "Columns: *to 1st client* is the server's work before anyone receives the move (HTTP, database, rendering);",
        "*1st to last* is the fan-out itself, next to the floor's. *Mover HTTP* is the actor's own answer time.",
        "p99 of 50 samples (nearest rank) is the slowest of them.",
    ]
    if local:
        out += [
            f"## 1-2. Fan-out latency: one daphne, in-memory channel layer ({moves} card moves per N)",
            "",
            "Board of 8 pipelines x 25 cards; each move changes two pipelines. The floor: a plain `websockets`",
            "server `broadcast()`ing a message of the same size to the same number of clients.",
            "",
            *fanout_table(local),
            *fanout_notes,
            "",
        ]
    if redis:
        out += [
            f"## 6. Fan-out latency with Redis: two daphne processes sharing it ({moves} card moves per N)",
            "",
            "Clients split evenly across both processes; moves posted to the first. Floor as above.",
            "",
            *fanout_table(redis),
            *fanout_notes,
            "",
        ]
    elif r.redis_skipped:
        out += ["## 6. Fan-out latency with Redis", "", r.redis_skipped, ""]
    if sizes:
        out += [
            "## 3. Bytes per update (board of 8 x 25 = 200 cards; moves also on a board of 2 x 500)",
            "",
            f"Frames as another member's page receives them (payload bytes; permessage-deflate: {sizes.extensions}).",
            "",
            "| update | frame bytes | actor's HTTP answer bytes | compared with | ratio | goal |",
            "|---|---:|---:|---|---:|---|",
        ]
        for u in sizes.updates:
            ratio = f"{u.frame / u.reference:.2f}" if u.reference else ""
            reference = f"{u.reference_name} ({u.reference} B)" if u.reference else ""
            out.append(
                f"| {u.name} | {u.frame} | {u.http} | {reference} | {ratio} | {u.goal} {ok(u.met) if u.goal else ''} |"
            )
        out += ["", f"For scale: the connect (resync) message {sizes.resync} B; the page {sizes.page} B.", ""]
    if memory:
        ok_mem = memory.per_socket_kb <= SOCKET_GOAL_KB
        out += [
            "## 4. Memory: daphne RSS (VmRSS of its process)",
            "",
            "| idle board sockets | RSS | per socket | goal |",
            "|---:|---:|---:|---|",
            f"| 0 (after a warm-up) | {memory.rss0_kb / 1024:.1f} MB | | |",
            f"| {memory.sockets} | {memory.rss_kb / 1024:.1f} MB (peak {memory.peak_kb / 1024:.1f} MB) "
            f"| {memory.per_socket_kb:.1f} KB | <= {SOCKET_GOAL_KB} KB {ok(ok_mem)} |",
            "",
            f"{memory.sockets} sockets opened in {memory.connect_seconds:.1f} s ({memory.failed} failed).",
            "",
        ]
    if pages:
        constant = len({p.queries for p in pages}) == 1
        out += [
            "## 5. Board page render (in-process, Django test client through all middleware, median of 20)",
            "",
            "*First render*: the first request for that board in the process, before anything of it is cached.",
            "",
            "| board | cards | render | render CPU | first render | queries | HTML raw | HTML gzip (level 6) | goal |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for p in pages:
            goal = ""
            if p.cards in PAGE_GOALS:
                goal_ms, goal_gzip = PAGE_GOALS[p.cards]
                goal = (
                    f"<= {goal_ms} ms {ok(p.median_ms <= goal_ms)}; "
                    f"constant queries {ok(constant)}; <= {goal_gzip // 1024} KB gzip {ok(p.gzip <= goal_gzip)}"
                )
            out.append(
                f"| {p.name} | {p.cards} | {p.median_ms:.1f} ms | {p.cpu_ms:.1f} ms | {p.first_ms:.1f} ms "
                f"| {p.queries} | {p.raw / 1024:.1f} KB | {p.gzip / 1024:.1f} KB | {goal} |"
            )
        out.append("")
    if r.filters:
        out += [
            "### The filter's answer (ids of the matching cards; test client, median of 10 per word)",
            "",
            "| board | cards | word | matching | answer |",
            "|---|---:|---|---:|---:|",
        ]
        for f in r.filters:
            for word, matching, ms in f.queries:
                out.append(f"| {f.name} | {f.cards} | `{word}` | {matching} | {ms:.1f} ms |")
        out.append("")
    if r.failures:
        out += ["## Failed sections", "", *(f"- {failure}" for failure in r.failures), ""]
    return "\n".join(out)

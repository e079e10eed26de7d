"""`python -m bench`: run every benchmark, print the Markdown table, write bench/results.md."""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import signal
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path

from bench import bigboard, data, fanout, memory, report, sizes
from bench.procs import Processes, daphne, floor_server, wait_idle

SECTIONS = ("page", "sizes", "fanout", "memory", "redis")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--clients", default="10,100,1000", help="numbers of clients for the fan-out latency")
    parser.add_argument("--moves", type=int, default=50, help="card moves measured per number of clients")
    parser.add_argument("--sockets", type=int, default=2000, help="idle sockets for the memory measurement")
    parser.add_argument(
        "--people",
        type=int,
        default=100,
        help="distinct members behind the sockets (each socket has its own session; socket i is member i mod PEOPLE)",
    )
    parser.add_argument("--only", default="", help=f"comma-separated subset of: {', '.join(SECTIONS)} (default: all)")
    parser.add_argument("--output", default=str(Path(__file__).with_name("results.md")))
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (database, logs)")
    return parser.parse_args(argv)


def raise_file_limit() -> None:
    # Children (daphne, the floor server, the client swarms) inherit it.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def on_term(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # run the finally blocks: every child is stopped by its pid


def log(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    only = {part.strip() for part in args.only.split(",") if part.strip()}
    if only - set(SECTIONS):
        raise SystemExit(f"unknown sections: {', '.join(sorted(only - set(SECTIONS)))}")
    wanted = only or set(SECTIONS)
    clients = [int(n) for n in args.clients.split(",") if n.strip()]
    redis_url = os.environ.get("REDIS_URL", "")
    signal.signal(signal.SIGTERM, on_term)
    # Static files are not collected for the bench (no page asks for them).
    warnings.filterwarnings("ignore", message="No directory at")
    raise_file_limit()
    started = time.monotonic()
    load_before = os.getloadavg()

    tmp = Path(tempfile.mkdtemp(prefix="liveboard-bench-"))
    procs = Processes(tmp)
    db: data.Database | None = None
    results = report.Results(moves=args.moves, people=args.people)
    if "redis" in wanted and not redis_url:
        results.redis_skipped = "Not run: set REDIS_URL (e.g. `REDIS_URL=redis://127.0.0.1:6379/0 make bench`)."

    def section(name: str, run) -> None:
        try:
            run()
        except Exception as error:  # noqa: BLE001 - one failed section must not lose the others
            traceback.print_exc()
            results.failures.append(f"{name}: {type(error).__name__}: {str(error)[:300]}")
            log(f"{name} failed; logs in {tmp} (kept)")
            args.keep = True

    try:
        db = data.make_database(tmp)
        results.db_label = db.label
        env = data.child_env(db, data.new_secret())
        log(f"{db.label}; logs in {tmp}")
        data.migrate_and_setup(env)
        sockets = max([*clients, args.sockets if "memory" in wanted else 0, 20])
        world = data.build(people=args.people, sockets=sockets)
        log(f"{args.people} members, {sockets} sessions, 6 boards")

        if "page" in wanted:

            def page() -> None:
                results.pages = bigboard.measure(world)
                for p in results.pages[-2:]:
                    log(f"page render {p.median_ms:.1f} ms for {p.cards} cards")
                results.filters = bigboard.measure_filter(world)
                biggest = results.filters[-1]
                log(f"filter {biggest.slowest_ms:.1f} ms (slowest word) for {biggest.cards} cards")

            section("page", page)
        from django.db import connections

        connections.close_all()  # the servers own the database from here on

        if wanted & {"sizes", "fanout"}:
            server, base_url = daphne(procs, "daphne", env)
            try:
                if "sizes" in wanted:

                    def bytes_per_update() -> None:
                        results.sizes = sizes.measure(base_url, world)
                        log("bytes per update measured")

                    section("sizes", bytes_per_update)
                if "fanout" in wanted:
                    section(
                        "fanout",
                        lambda: fan_out(procs, env, tmp, args, world, [base_url], [server.pid], clients, results.local),
                    )
            finally:
                procs.stop(server)

        if "memory" in wanted:
            server, base_url = daphne(procs, "daphne-memory", env)
            try:

                def rss() -> None:
                    results.memory = memory.measure(
                        procs, env, tmp, pid=server.pid, base_url=base_url, world=world, sockets=args.sockets
                    )
                    log(f"{results.memory.per_socket_kb:.1f} KB per idle socket")

                section("memory", rss)
            finally:
                procs.stop(server)

        if "redis" in wanted and redis_url:
            redis_env = {**env, "REDIS_URL": redis_url}
            a, url_a = daphne(procs, "daphne-redis-a", redis_env)
            b, url_b = daphne(procs, "daphne-redis-b", redis_env)
            try:
                section(
                    "redis",
                    lambda: fan_out(
                        procs, env, tmp, args, world, [url_a, url_b], [a.pid, b.pid], clients, results.redis
                    ),
                )
            finally:
                procs.stop(b)
                procs.stop(a)
    finally:
        procs.stop_all()
        if db is not None:
            try:
                from django.db import connections

                connections.close_all()
            except Exception:  # noqa: BLE001 - Django may not be set up yet
                pass
            data.drop_database(db)
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    results.seconds = time.monotonic() - started
    results.load = (load_before, os.getloadavg())
    text = report.render(results)
    print(text)
    Path(args.output).write_text(text)
    log(f"written to {args.output}")
    return 1 if results.failures else 0


def fan_out(procs, env, tmp, args, world, servers, pids, clients, pairs: list) -> None:
    """For each N: ours (clients split across `servers`) and the floor's, alternating, same N."""
    label = "redis" if len(servers) > 1 else "local"
    floor, floor_url = floor_server(procs, env)
    try:
        for n in clients:
            wait_idle([*pids, floor.pid])
            ours, base = fanout.run_pair(
                procs, env, tmp, label=label, servers=servers, floor_url=floor_url, world=world, n=n, moves=args.moves
            )
            pairs.append((ours, base))
            log(f"{label} N={n}: ours p50 {ours.p(50):.1f} ms, floor p50 {base.p(50):.1f} ms")
    finally:
        procs.stop(floor)

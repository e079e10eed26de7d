"""A swarm of websocket clients in its own process: `python -m bench.clients SPEC.json`.

Opens `n` sockets (round-robin over `urls`, one session cookie each, a same-origin
Origin header as a browser sends), reads each one's first message (the board's resync,
or the floor server's hello), then prints one JSON line `{"ready": ...}`. From then on,
for every broadcast carrying a board version (a step, `<template data-step=...>`), it
prints `{"got": version, "t": <CLOCK_MONOTONIC of the last socket to receive it>, "first": <of
the first>, ...}` once every open socket has it. It runs until the parent stops it by pid.
"""

from __future__ import annotations

import asyncio
import json
import re
import resource
import sys
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect

# The version a step carries; searched for near the start of each message only.
VERSION = re.compile(rb'<template data-step="(\d+)"')
SEARCH_BYTES = 2000


def emit(**fields) -> None:
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def raise_file_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


@dataclass
class Tally:
    open: int = 0
    seen: dict[int, list] = field(default_factory=dict)  # version -> [count, last arrival, bytes]
    other: int = 0
    closed: int = 0
    last: float = 0.0  # when any socket last received anything

    def arrived(self, version: int, at: float, size: int) -> None:
        entry = self.seen.get(version)
        if entry is None:
            entry = self.seen[version] = [0, at, size, at]
        entry[0] += 1
        entry[1] = at
        if entry[0] == self.open:
            emit(got=version, t=at, first=entry[3], bytes=entry[2])
            del self.seen[version]


async def open_one(url: str, cookie: str | None, tally: Tally, gate: asyncio.Semaphore) -> ClientConnection | str:
    parts = urlsplit(url)
    headers = {"Origin": f"http://{parts.netloc}"}
    if cookie:
        headers["Cookie"] = cookie
    async with gate:
        for attempt in range(5):
            try:
                ws = await connect(
                    url,
                    additional_headers=headers,
                    compression=None,  # as daphne: it does not negotiate permessage-deflate
                    proxy=None,
                    open_timeout=120,
                    ping_interval=None,  # browsers do not ping; the server's pings are answered
                    close_timeout=1,
                    max_size=2**24,
                    max_queue=None,
                )
                await ws.recv(decode=False)  # the resync (board) or hello (floor)
                return ws
            except Exception as error:  # noqa: BLE001 - reported to the parent, retried a few times
                last = f"{type(error).__name__}: {error}"
                await asyncio.sleep(0.2 * (attempt + 1))
        return last


async def listen(ws: ClientConnection, tally: Tally) -> None:
    try:
        while True:
            data = await ws.recv(decode=False)
            at = tally.last = time.monotonic()
            found = VERSION.search(data, 0, SEARCH_BYTES)
            if found:
                tally.arrived(int(found.group(1)), at, len(data))
            else:
                tally.other += 1
    except Exception:  # noqa: BLE001 - closed by the server: count it, the parent reports it
        tally.open -= 1
        tally.closed += 1
        emit(closed=tally.closed, code=getattr(ws.protocol.close_rcvd, "code", None))


async def main(spec: dict) -> None:
    limit = raise_file_limit()
    urls, cookies, n = spec["urls"], spec.get("cookies"), spec["n"]
    if limit < n + 64:
        emit(error=f"open-file limit {limit} is too low for {n} sockets")
        return
    tally = Tally()
    gate = asyncio.Semaphore(spec.get("concurrency", 50))
    started = time.monotonic()
    results = await asyncio.gather(
        *(open_one(urls[i % len(urls)], cookies[i] if cookies else None, tally, gate) for i in range(n))
    )
    sockets = [ws for ws in results if not isinstance(ws, str)]
    errors = [error for error in results if isinstance(error, str)]
    tally.open = len(sockets)
    tally.last = time.monotonic()
    tasks = [asyncio.create_task(listen(ws, tally)) for ws in sockets]
    emit(ready=len(sockets), failed=len(errors), errors=errors[:3], seconds=time.monotonic() - started)
    loop = asyncio.get_running_loop()
    # The parent asks "stats" on stdin to learn when the sockets have gone quiet.
    while command := await loop.run_in_executor(None, sys.stdin.readline):
        if command.strip() == "stats":
            emit(stats=True, other=tally.other, last=tally.last, now=time.monotonic(), open=tally.open)
    for task in tasks:  # stdin closed: the parent is gone
        task.cancel()


if __name__ == "__main__":
    with open(sys.argv[1]) as spec_file:
        asyncio.run(main(json.load(spec_file)))

"""The floor: a plain `websockets` server broadcasting one message to every client.

`python -m bench.floor --port P`. Sockets on any path but /control are listeners (sent
"hello" once registered). A message "VERSION SIZE" on /control broadcasts a message of
SIZE bytes shaped like a step of the board carrying VERSION, with `websockets.broadcast`
(written once, queued on every socket without awaiting each one).
"""

from __future__ import annotations

import argparse
import asyncio

from websockets.asyncio.server import ServerConnection, broadcast, serve


def message(version: int, size: int) -> str:
    head = f'<template data-step="{version}">'
    tail = "</template>"
    return head + "x" * max(0, size - len(head) - len(tail)) + tail


async def main(port: int) -> None:
    listeners: set[ServerConnection] = set()

    async def handler(ws: ServerConnection) -> None:
        if ws.request.path == "/control":
            async for command in ws:
                version, size = (int(part) for part in str(command).split())
                broadcast(listeners, message(version, size))
            return
        listeners.add(ws)
        try:
            await ws.send("hello")
            await ws.wait_closed()
        finally:
            listeners.discard(ws)

    async with serve(handler, "127.0.0.1", port, compression=None, ping_interval=None, backlog=1024):
        await asyncio.get_running_loop().create_future()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    asyncio.run(main(parser.parse_args().port))

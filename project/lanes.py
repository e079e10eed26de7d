"""HTTP requests on a few long-lived threads, each keeping its database connection.

Django's ASGI handler gives each request a new thread, so a new database connection is
opened and closed per request (on SQLite a large share of a card move's time on a small
machine). Here each request runs in asgiref's ThreadSensitiveContext with one of a few
single-thread executors (its documented `executor=`), so Django's own context inside
reuses that thread, and the connection it keeps (CONN_MAX_AGE).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import ThreadSensitiveContext


class Lanes:
    """ASGI middleware: run each request on the least busy of `size` lanes."""

    def __init__(self, app: Any, size: int) -> None:
        self.app = app
        self.executors = [ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"http-lane-{i}") for i in range(size)]
        self.load = [0] * size

    def close_connections(self) -> None:
        """Close the database connections the lanes' threads keep (tests, shutting down)."""
        from django.db import connections

        for executor in self.executors:
            executor.submit(connections.close_all).result()

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        index = min(range(len(self.load)), key=self.load.__getitem__)
        self.load[index] += 1
        try:
            async with ThreadSensitiveContext(executor=self.executors[index]):
                await self.app(scope, receive, send)
        finally:
            self.load[index] -= 1

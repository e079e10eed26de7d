"""ASGI entry point: http to Django, websockets to the board consumer (same-origin, logged in)."""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import os
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any

import django
from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse
from django.http.response import HttpResponseBase
from django.urls import set_script_prefix

from project import writes

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
LARGE_BUFFER = 64 * 1024


def map_large_buffers() -> bool:
    """Serve allocations of 64 KB and more from their own mappings (glibc), returned when freed.

    Every connecting page is sent the whole board (about 90 KB on a 200-card board), and each
    send makes a few transient buffers of that size. glibc's default threshold rises after
    the first such buffer is freed, so the later ones come from the heap, between the long-lived
    objects of the sockets opened meanwhile; the freed space then stays in the process's RSS
    (about 4.5 KB per socket with 2000 pages opened). An explicit MALLOC_MMAP_THRESHOLD_ wins.
    """
    if "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        return bool(libc.mallopt(M_MMAP_THRESHOLD, LARGE_BUFFER))
    except (OSError, AttributeError, TypeError):  # not glibc (musl, macOS): left as it is
        return False


map_large_buffers()
writes.install()

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
django.setup(set_prefix=False)

from board import live  # noqa: E402 - needs Django set up first


class Lanes:
    """A few long-lived worker threads for HTTP requests; each keeps its database connection.

    Django gives every ASGI request a new worker thread, and so a new database connection,
    opened and closed per request (on SQLite a third of a card move's time on a 2-core
    machine). A request here runs its synchronous work on the least busy lane instead; the
    connection that lane's thread opened stays open for the next request (CONN_MAX_AGE).
    """

    def __init__(self, size: int) -> None:
        self.executors = [ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"http-lane-{i}") for i in range(size)]
        self.load = [0] * size
        self.used: set[int] = set()

    def close_connections(self) -> None:
        """Close the database connections the lanes' threads keep (tests, shutting down)."""
        from django.db import connections

        used, self.used = self.used, set()
        for index in sorted(used):
            self.executors[index].submit(connections.close_all).result()

    @asynccontextmanager
    async def lane(self) -> AsyncIterator[int]:
        index = min(range(len(self.load)), key=self.load.__getitem__)
        self.load[index] += 1
        self.used.add(index)
        try:
            async with ThreadSensitiveContext(executor=self.executors[index]):
                yield index
        finally:
            self.load[index] -= 1


class SyncChainASGIHandler(ASGIHandler):
    """Django's ASGI handler, on a lane, with a request's synchronous work in one thread call.

    Every middleware in settings is synchronous. Django's handler would cross between the
    event loop and the request's worker thread five times (the request_started signal, into
    the sync middleware, back out to the async response path, in again for the view, and
    closing the response); here a request crosses once: the signal, the middleware chain and
    the view, and, for a response held in memory, closing it (request_finished) before its
    bytes are sent. A streaming response is closed after it is sent, as Django does.
    """

    def __init__(self) -> None:
        super().__init__()
        self.lanes = Lanes(settings.HTTP_THREADS)

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        # Django's own ThreadSensitiveContext inside finds this one entered and uses its lane.
        async with self.lanes.lane():
            await super().__call__(scope, receive, send)

    async def handle(self, scope: dict, receive: Any, send: Any) -> None:
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        set_script_prefix(get_script_prefix(scope))
        live.serving_loop.set(asyncio.get_running_loop())  # this request's context only
        try:
            response = await sync_to_async(self.respond, thread_sensitive=True)(scope, body_file)
            try:
                await self.send_response(response, send)
            finally:
                if response.streaming:
                    await sync_to_async(response.close, thread_sensitive=True)()
        finally:
            body_file.close()

    def respond(self, scope: dict, body_file: Any) -> HttpResponseBase:
        """The request's synchronous part, on its lane's thread."""
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)
        if request is not None:
            response = self.get_response(request)
            response._handler_class = self.__class__
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size
        if not response.streaming:
            response.close()  # the bytes are in memory; request_finished runs here, on this thread
        return response


django_asgi_app = SyncChainASGIHandler()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402 - needs Django set up first
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from board.auth import WebsocketAuthMiddleware  # noqa: E402
from board.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(WebsocketAuthMiddleware(URLRouter(websocket_urlpatterns))),
    }
)

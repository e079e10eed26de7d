"""ASGI entry point: http to Django, websockets to the board consumer (same-origin, logged in)."""

from __future__ import annotations

import ctypes
import ctypes.util
import os

import django
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpRequest
from django.http.response import HttpResponseBase

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

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
django.setup(set_prefix=False)


class SyncChainASGIHandler(ASGIHandler):
    """Django's ASGI handler, running the middleware chain and the view in one worker-thread call.

    Every middleware in settings is synchronous. Django's async chain would cross between the
    event loop and the request's worker thread three times for the chain and the view
    (into the sync middleware, back out to the async response path, in again for the view);
    here it crosses once.
    """

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)


django_asgi_app = SyncChainASGIHandler()

from channels.auth import AuthMiddlewareStack  # noqa: E402 - needs Django set up first
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from board.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

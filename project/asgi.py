"""ASGI entry point: http to Django, websockets to the board consumer (same-origin, logged in)."""

from __future__ import annotations

import ctypes
import ctypes.util
import os

from django.core.asgi import get_asgi_application

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
django_asgi_app = get_asgi_application()

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

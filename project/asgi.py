"""ASGI entry point: HTTP to Django (on lanes), websockets (same origin, session and user) to the board."""

import os

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
django_asgi_app = get_asgi_application()  # sets Django up before the consumers' imports

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from board.live.auth import SocketAuthMiddleware  # noqa: E402
from board.live.same_origin import SameOriginMiddleware  # noqa: E402
from board.routing import websocket_urlpatterns  # noqa: E402
from project.lanes import Lanes  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": Lanes(django_asgi_app, settings.HTTP_THREADS),
        "websocket": SameOriginMiddleware(SocketAuthMiddleware(URLRouter(websocket_urlpatterns))),
    }
)

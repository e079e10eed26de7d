"""Websocket URL patterns."""

from __future__ import annotations

from django.urls import path, re_path

from board import converters  # noqa: F401 - registers <id:...>
from board.consumers import BoardConsumer, NoRouteConsumer

websocket_urlpatterns = [
    path("ws/b/<id:board_id>/", BoardConsumer.as_asgi(), name="board-socket"),
    re_path(r"", NoRouteConsumer.as_asgi()),
]
# So that reverse(..., urlconf="board.routing") names socket URLs as it names pages' URLs.
urlpatterns = websocket_urlpatterns

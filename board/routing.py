"""Websocket URL patterns."""

from __future__ import annotations

from django.urls import path

from board.consumers import BoardConsumer

websocket_urlpatterns = [
    path("ws/b/<int:board_id>/", BoardConsumer.as_asgi()),
]

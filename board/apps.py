from __future__ import annotations

from django.apps import AppConfig


class BoardConfig(AppConfig):
    name = "board"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from board.api import schema  # noqa: F401 - the Bearer token in the OpenAPI schema
        from board.hooks import outbox  # noqa: F401 - connects the webhook outbox to recorded events
        from board.live import broadcast  # noqa: F401 - connects the event and logout receivers

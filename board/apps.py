from __future__ import annotations

from django.apps import AppConfig


class BoardConfig(AppConfig):
    name = "board"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from board.live import broadcast  # noqa: F401 - connects the event and logout receivers

"""Create a demo board with a few pipelines and cards, and print how to log in."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from board import services
from board.models import Board, Role

DEMO = {
    "Backlog": [
        ("Write the onboarding guide", "Cover **sign up**, creating a board and inviting people.\nKeep it short."),
        ("Dark mode", ""),
        ("Export a board as CSV", "One row per card: pipeline, position, title."),
    ],
    "In progress": [
        ("Drag and drop on phones", "Press and hold, then drag."),
        ("Live presence avatars", ""),
    ],
    "Review": [("Keyboard moves", "Space picks up, arrows move, Space drops, Escape cancels.")],
    "Done": [("Server-rendered board", "Every fragment comes from the server."), ("Plain forms without JS", "")],
}


def login_url(host: str, port: int) -> str:
    """The address to open for a server listening on host:port (all interfaces: this machine)."""
    if host in {"", "0.0.0.0", "::"}:
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/"


class Command(BaseCommand):
    help = "Create the demo users and board (idempotent) and print the demo login."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--password", default="demo-pass-123")
        parser.add_argument("--host", default="127.0.0.1", help="where the server listens (`make run HOST=…`)")
        parser.add_argument("--port", type=int, default=8000, help="its port (`make run PORT=…`)")

    def handle(self, *args: Any, password: str, host: str, port: int, **options: Any) -> None:
        users = get_user_model()
        demo, _ = users.objects.get_or_create(username="demo")
        demo.set_password(password)
        demo.save()
        friend, created = users.objects.get_or_create(username="sam")
        if created:
            friend.set_password(password)
            friend.save()
        if not Board.objects.filter(owner=demo, name="Demo board").exists():
            board = services.board_create(owner=demo, name="Demo board")
            for pipeline_name, cards in DEMO.items():
                pipeline = services.pipeline_create(board=board, name=pipeline_name, actor=demo)
                for title, description in cards:
                    services.card_create(pipeline=pipeline, title=title, description=description, actor=demo)
            services.member_add(board=board, username="sam", role=Role.EDITOR, actor=demo)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo board ready. Log in at {login_url(host, port)} as demo / {password} "
                f"(a second member: sam / {password})."
            )
        )

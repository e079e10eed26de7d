"""manage.py export_board BOARD_ID [--format json|csv] [--output FILE]: the board as the web exports it."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from board.models import Board
from board.transfer import export


class Command(BaseCommand):
    help = "Export a board as JSON (complete; import_board reads it back) or CSV (one row per card)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("board_id", type=int)
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--output", help="a file to write (default: standard output)")

    def handle(self, *args, board_id: int, format: str, output: str | None, **options) -> None:
        board = Board.objects.select_related("owner").filter(pk=board_id).first()
        if board is None:
            raise CommandError(f"No board has the id {board_id}.")
        text = export.board_json(board) if format == "json" else export.board_csv(board)
        if output:
            Path(output).write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")

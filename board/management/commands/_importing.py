"""What import_trello and import_board share: the file, the owner, the summary."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from board.transfer import files
from board.transfer.plan import ImportRefused


class ImportCommand(BaseCommand):
    kind = ""

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")
        parser.add_argument("--owner", required=True, help="username of the new board's owner")

    def handle(self, *args, file: str, owner: str, **options) -> None:
        user = get_user_model().objects.filter(username=owner).first()
        if user is None:
            raise CommandError(f"No user is called {owner!r}.")
        try:
            board, plan = files.import_board(files.read_path(file), kind=self.kind, owner=user)
        except ImportRefused as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(
            f"Board {board.pk} “{board.name}”: {plan.card_count} cards in {len(plan.pipelines)} pipelines."
        )
        for note in plan.notes:
            self.stdout.write(note)

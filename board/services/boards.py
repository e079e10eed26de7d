"""Boards: create, rename, delete."""

from __future__ import annotations

from django.db import transaction

from board import events
from board.models import Board
from board.services.common import BOARD_NAME, User, clean_title, lock_board


@transaction.atomic
def board_create(*, owner: User, name: str) -> Board:
    """Create a board owned by `owner`."""
    return Board.objects.create(owner=owner, name=clean_title(name, field=BOARD_NAME))


@transaction.atomic
def board_rename(*, board: Board, name: str, actor: User | None = None) -> Board:
    """Rename a board."""
    name = clean_title(name, field=BOARD_NAME)
    locked = lock_board(board)
    old = locked.name
    locked.name = board.name = name
    locked.save(update_fields=["name"])
    events.record(board=locked, kind=events.BOARD_RENAMED, actor=actor, old=old, new=name)
    return board


@transaction.atomic
def board_delete(*, board: Board, actor: User | None = None) -> None:
    """Delete a board with everything on it; open pages are told and closed."""
    locked = lock_board(board)
    events.record(board=locked, kind=events.BOARD_DELETED, actor=actor, name=locked.name)
    Board.objects.filter(pk=locked.pk).delete()

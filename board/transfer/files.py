"""Files in, whichever way they come (an upload, a path on disk), read once and within the limit."""

from __future__ import annotations

from pathlib import Path

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from board import services
from board.models import Board
from board.selectors import board_pipelines_names
from board.transfer import csvfile, native, trello
from board.transfer.plan import BoardPlan, ImportRefused, check_size

PARSERS = {"trello": trello.parse, "liveboard": native.parse}


def read_upload(upload: UploadedFile | None) -> bytes:
    if upload is None:
        raise ImportRefused(_("Choose a file to import."))
    check_size(upload.size or 0)
    return upload.read()


def read_path(path: str) -> bytes:
    file = Path(path)
    try:
        check_size(file.stat().st_size)
        return file.read_bytes()
    except OSError as exc:
        raise ImportRefused(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc.strerror}) from None


def import_board(data: bytes, *, kind: str, owner) -> tuple[Board, BoardPlan]:
    """A new board from a Trello export or our own; nothing is written if any part is wrong."""
    plan = PARSERS[kind](data)
    board = services.board_import(owner=owner, plan=plan)
    found = set(board.memberships.values_list("user__username", flat=True)) | {owner.get_username()}
    missing = [name for name, _role in plan.members if name not in found]
    if missing:
        plan.notes.append(_("Members with no account here, left out: %(names)s.") % {"names": ", ".join(missing)})
    return board, plan


def import_cards(data: bytes, *, board: Board, actor) -> tuple[int, list[str]]:
    """The CSV's cards added to the board's pipelines (named in the file)."""
    pipelines: dict[str, int] = {}
    for pipeline in board_pipelines_names(board=board):
        pipelines.setdefault(pipeline.name, pipeline.pk)
    rows, notes = csvfile.parse(data, pipelines=pipelines)
    return services.cards_import(board=board, rows=rows, pipelines=pipelines, actor=actor), notes

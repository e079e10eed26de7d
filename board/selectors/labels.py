"""Labels: a board's palette, one label of it, and the labels the shown cards carry."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _

from board.models import Board, Label


def board_labels(*, board: Board) -> list[Label]:
    return list(Label.objects.filter(board=board).order_by("name", "id"))


def label_of_board(*, board: Board, label_id: int) -> Label:
    """One label of this board; 404 for another board's or a missing one."""
    label = Label.objects.filter(board=board, pk=label_id).first()
    if label is None:
        raise Http404(_("No such label on this board."))
    label.board = board
    return label


def labels_of_cards(card_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Each card's labels (name, colour), in name order: one query for all the cards."""
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not card_ids:
        return found
    rows = (
        Label.cards.through.objects.filter(card_id__in=card_ids)
        .order_by("label__name", "label_id")
        .values("card_id", "label_id", "label__name", "label__colour")
    )
    for row in rows:
        found[row["card_id"]].append(
            {"id": row["label_id"], "name": row["label__name"], "colour": row["label__colour"]}
        )
    return found

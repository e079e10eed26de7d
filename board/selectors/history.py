"""Comments and the activity list."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from board import events
from board.models import Activity, Board, Card, Comment

ACTIVITY_PAGE = 20


def comments_by_id(*, board: Board, ids: list[int]) -> list[Comment]:
    if not ids:
        return []
    return list(Comment.objects.filter(card__board=board, pk__in=ids).select_related("author"))


def card_comments(*, card: Card) -> list[Comment]:
    return list(Comment.objects.filter(card=card).select_related("author"))


def comment_of_board(*, board: Board, comment_id: int) -> Comment:
    """One comment on a card of this board; 404 for another board's or a missing one."""
    comment = Comment.objects.filter(card__board=board, pk=comment_id).select_related("card", "author").first()
    if comment is None:
        raise Http404(_("No such comment on this board."))
    comment.card.board = board
    return comment


def activity_page(*, board: Board, page: int = 1, card: Card | None = None) -> tuple[list[Activity], bool]:
    """One page of the board's (or a card's) listed events, newest first, and whether more follow."""
    rows = Activity.objects.filter(board=board).exclude(kind__in=events.UNLISTED).select_related("actor")
    if card is not None:
        rows = rows.filter(card=card)
    start = (max(page, 1) - 1) * ACTIVITY_PAGE
    found = list(rows.order_by("-id")[start : start + ACTIVITY_PAGE + 1])
    return found[:ACTIVITY_PAGE], len(found) > ACTIVITY_PAGE

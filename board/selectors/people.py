"""Members and who has the board open."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.http import Http404
from django.utils import timezone

from board.models import PRESENCE_TTL, Board, Membership, Presence


def members(*, board: Board) -> list[Membership]:
    return list(Membership.objects.filter(board=board).select_related("user").order_by("user__username"))


def membership_of_board(*, board: Board, user_id: int) -> Membership:
    membership = Membership.objects.filter(board=board, user_id=user_id).select_related("user").first()
    if membership is None:
        raise Http404("No such member on this board.")
    membership.board = board
    return membership


def online_users(*, board_id: int, first: int = 8) -> tuple[list, int]:
    """The first people (by name) with the board open now, each once however many tabs, and how many in all.

    A board watched by thousands shows a few faces and the count: its presence list stays small.
    """
    fresh = timezone.now() - PRESENCE_TTL
    ids = Presence.objects.filter(board_id=board_id, seen_at__gt=fresh).values("user_id")
    people = get_user_model().objects.filter(pk__in=ids)
    shown = list(people.order_by("username")[:first])
    return shown, (len(shown) if len(shown) < first else people.count())

"""Reads shaped for templates: scoped by board, prefetching, a constant number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch, Q
from django.http import Http404

from board.models import Board, Card, Membership, Pipeline, Role

EDIT_ROLES = (Role.OWNER, Role.EDITOR)


@dataclass(frozen=True)
class Access:
    """A user's view of one board: the board row and what they may do there."""

    board: Board
    role: str

    @property
    def can_edit(self) -> bool:
        return self.role in EDIT_ROLES

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER


def role_of(*, board_id: int, user: AbstractBaseUser) -> str | None:
    """The user's role on a board (owner, editor, viewer), or None for a stranger."""
    if not user.is_authenticated:
        return None
    row = (
        Board.objects.filter(pk=board_id)
        .filter(Q(owner=user) | Q(memberships__user=user))
        .values_list("owner_id", "memberships__role", "memberships__user_id")
    )
    for owner_id, role, member_id in row:
        if owner_id == user.pk:
            return Role.OWNER
        if member_id == user.pk:
            return role
    return None


def board_access(*, board_id: int, user: AbstractBaseUser) -> Access:
    """The board and the user's role on it; 404 for a stranger, so ids reveal nothing."""
    board = Board.objects.select_related("owner").filter(pk=board_id).first()
    role = role_of(board_id=board_id, user=user) if board else None
    if board is None or role is None:
        raise Http404("No such board, or you are not a member of it.")
    return Access(board=board, role=role)


def boards_for_user(*, user: AbstractBaseUser) -> list[tuple[Board, str]]:
    """Boards the user owns or is a member of, with their role, owned first."""
    owned = [(b, Role.OWNER.value) for b in Board.objects.filter(owner=user).select_related("owner")]
    shared = [
        (m.board, m.role)
        for m in Membership.objects.filter(user=user).select_related("board", "board__owner").order_by("board__name")
    ]
    return owned + shared


def _cards() -> Prefetch:
    return Prefetch("cards", queryset=Card.objects.select_related("updated_by").order_by("position", "id"))


def board_pipelines(*, board: Board) -> list[Pipeline]:
    """The board's pipelines in order, each with its cards in order: two queries."""
    return list(Pipeline.objects.filter(board=board).order_by("position", "id").prefetch_related(_cards()))


def pipelines_by_id(*, board: Board, ids: list[int]) -> list[Pipeline]:
    """Some pipelines of the board with their cards; ids of other boards are dropped."""
    return list(Pipeline.objects.filter(board=board, pk__in=ids).order_by("position", "id").prefetch_related(_cards()))


def cards_by_id(*, board: Board, ids: list[int]) -> list[Card]:
    return list(Card.objects.filter(board=board, pk__in=ids).select_related("updated_by"))


def pipeline_of_board(*, board: Board, pipeline_id: int) -> Pipeline:
    """One pipeline of this board; 404 for another board's or a missing one."""
    pipeline = Pipeline.objects.filter(board=board, pk=pipeline_id).first()
    if pipeline is None:
        raise Http404("No such pipeline on this board.")
    pipeline.board = board
    return pipeline


def card_of_board(*, board: Board, card_id: int) -> Card:
    """One card of this board; 404 for another board's or a missing one."""
    card = Card.objects.filter(board=board, pk=card_id).select_related("pipeline", "updated_by").first()
    if card is None:
        raise Http404("No such card on this board.")
    card.board = board
    return card


def members(*, board: Board) -> list[Membership]:
    return list(Membership.objects.filter(board=board).select_related("user").order_by("user__username"))


def membership_of_board(*, board: Board, user_id: int) -> Membership:
    membership = Membership.objects.filter(board=board, user_id=user_id).select_related("user").first()
    if membership is None:
        raise Http404("No such member on this board.")
    membership.board = board
    return membership


def card_ids_matching(*, board: Board, query: str) -> list[int]:
    """Ids of the board's cards whose title or description contains `query` (any case)."""
    query = query.strip()
    cards = Card.objects.filter(board=board)
    if query:
        cards = cards.filter(Q(title__icontains=query) | Q(description__icontains=query))
    return list(cards.values_list("pk", flat=True))


def card_matches(card: Card, query: str) -> bool:
    """The same test as card_ids_matching, on a card already loaded (no query)."""
    needle = query.strip().casefold()
    return not needle or needle in card.title.casefold() or needle in card.description.casefold()


def board_pipelines_names(*, board: Board) -> list[Pipeline]:
    """The board's pipelines in order, without cards (for a move form's choices)."""
    return list(Pipeline.objects.filter(board=board).order_by("position", "id").only("id", "name", "position"))

"""Cards as their fragments and forms show them."""

from __future__ import annotations

from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _

from board.models import Board, Card, Comment, Pipeline
from board.search import normalized


def fragment_rows() -> QuerySet:
    """Cards as plain rows of what their fragment shows (board/pipeline.html#card), in order.

    Comments are counted per card by an indexed subquery rather than joined and grouped: a
    grouping over every shown column sorted all of a board's rows once more before ordering
    them, which a page of thousands of cards felt.
    """
    comments = Comment.objects.filter(card=OuterRef("pk")).order_by().values("card").annotate(n=Count("pk"))
    return (
        Card.objects.order_by("position", "id")
        .values("id", "board_id", "pipeline_id", "title", "rev", "updated_at")
        .annotate(
            editor=F("updated_by__username"),
            claim_user=F("claim__user__username"),
            claim_expires_at=F("claim__expires_at"),
            has_description=ExpressionWrapper(~Q(description=""), output_field=BooleanField()),
            n_comments=Coalesce(Subquery(comments.values("n"), output_field=IntegerField()), Value(0)),
        )
    )


def cards_by_id(*, board: Board, ids: list[int]) -> list[dict[str, Any]]:
    return list(fragment_rows().filter(board=board, pk__in=ids)) if ids else []


def card_of_board(*, board: Board, card_id: int) -> Card:
    """One card of this board; 404 for another board's or a missing one."""
    card = Card.objects.filter(board=board, pk=card_id).select_related("pipeline", "updated_by").first()
    if card is None:
        raise Http404(_("No such card on this board."))
    card.board = board
    return card


def id_before_number(siblings: QuerySet, number: int) -> int | None:
    """The id of the sibling an item placed at `number` (from 1) goes right after (None: first).

    `siblings` leaves the item out; a number past the end puts it last.
    """
    if number <= 1:
        return None
    ordered = siblings.order_by("position", "id").values_list("pk", flat=True)
    found = ordered[number - 2 : number - 1]
    return found[0] if found else ordered.last()


def card_ref_of_board(*, board: Board, card_id: int) -> Card:
    """One card of this board, as far as naming it to a service needs; 404 for another board's."""
    card = Card.objects.filter(board=board, pk=card_id).only("id", "board_id", "pipeline_id").first()
    if card is None:
        raise Http404(_("No such card on this board."))
    card.board = board
    return card


def card_number(*, card: Card) -> int:
    """The card's place in its pipeline, counting from 1 (what the plain move form shows)."""
    earlier = Q(position__lt=card.position) | Q(position=card.position, pk__lt=card.pk)
    return Card.objects.filter(pipeline_id=card.pipeline_id).filter(earlier).count() + 1


def card_before_number(*, pipeline: Pipeline, number: int, moving: Card) -> int | None:
    """The id of the card a card placed at `number` (from 1) of `pipeline` goes right after."""
    return id_before_number(Card.objects.filter(pipeline=pipeline).exclude(pk=moving.pk), number)


def card_ids_matching(*, board: Board, query: str) -> list[int]:
    """Ids of the board's cards whose title or description contains `query` (any case, any width: board.search)."""
    needle = normalized(query.strip())
    cards = Card.objects.filter(board=board)
    if needle:
        cards = cards.filter(search__contains=needle)
    return list(cards.values_list("pk", flat=True))


def hidden_cards(*, board: Board, query: str) -> set[int]:
    """Ids of the board's cards that the filter `query` hides: the complement of card_ids_matching."""
    needle = normalized(query.strip())
    if not needle:
        return set()
    return set(Card.objects.filter(board=board).exclude(search__contains=needle).values_list("pk", flat=True))

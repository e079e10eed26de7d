"""Reads shaped for templates: scoped by board, prefetching, a constant number of queries.

The reads every write request makes (the board and role, the card and pipeline it names,
the pipelines it re-renders) are hand-written SQL: building and compiling each ORM query
cost 0.4-1.5 ms on a 2-core server, ten times the query itself, and a card move ran a
dozen of them before anyone saw it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import Count, F, Q
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from board import card_cache
from board.models import Activity, Board, Card, Comment, Membership, Pipeline, Presence, Role

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


def in_list(values: list) -> str:
    """The placeholders of an SQL `IN (...)` for these values."""
    return f"({', '.join(['%s'] * len(values))})"


def aware(value: datetime | str | None) -> datetime | None:
    """A datetime read with hand-written SQL, as the ORM gives it (SQLite's are naive UTC)."""
    if value.__class__ is datetime:
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        value = parse_datetime(value)
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


_ACCESS = (
    "SELECT b.id, b.name, b.owner_id, b.version,"
    " (SELECT m.role FROM board_membership m WHERE m.board_id = b.id AND m.user_id = %s)"
    " FROM board_board b WHERE b.id = %s"
)


def board_access(*, board_id: int, user: AbstractBaseUser) -> Access:
    """The board and the user's role on it; 404 for a stranger, so ids reveal nothing."""
    row = None
    if user.is_authenticated:  # one query: the board and the user's membership role
        with connection.cursor() as cursor:
            cursor.execute(_ACCESS, [user.pk, int(board_id)])
            row = cursor.fetchone()
    if row is None:
        raise Http404("No such board, or you are not a member of it.")
    board = Board.from_db(connection.alias, ["id", "name", "owner_id", "version"], row[:4])
    role = Role.OWNER if board.owner_id == user.pk else row[4]
    if role is None:
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


def _card_rows():
    """Cards as the card fragment shows them: editor, live edit claim, comment count."""
    # claim_expires_at is None without a claim, where `card.claim` would raise (and the
    # template engine's handling of that costs more than the rest of the card).
    return Card.objects.select_related("updated_by", "claim__user").annotate(
        n_comments=Count("comments"), claim_expires_at=F("claim__expires_at")
    )


def cards_for_fragments(ids: list[int]) -> list[Card]:
    """Whole cards, as their fragment shows them, in the order of `ids`."""
    found = {card.pk: card for card in _card_rows().filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]


def _with_cards(pipelines: list[Pipeline], now: datetime) -> list[Pipeline]:
    """Give each pipeline its cards in order (`pipeline.card_list`): two queries at most."""
    if not pipelines:
        return pipelines
    ids = [pipeline.pk for pipeline in pipelines]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.id, c.pipeline_id, c.rev, c.updated_at, c.updated_by_id, k.expires_at"
            " FROM board_card c LEFT OUTER JOIN board_editclaim k ON k.card_id = c.id"
            f" WHERE c.pipeline_id IN {in_list(ids)} ORDER BY c.position, c.id",
            ids,
        )
        rows = [card_key(*row) for row in cursor.fetchall()]
    return give_cards(pipelines, rows, now)


def card_key(
    pk: int, pipeline_id: int, rev: int, updated_at: datetime | str, by: int | None, expires: datetime | str | None
) -> card_cache.CardKey:
    """A card's cache-key columns as hand-written SQL reads them, datetimes made aware."""
    return card_cache.CardKey(pk, pipeline_id, rev, aware(updated_at), by, aware(expires))


def give_cards(pipelines: list[Pipeline], rows: list[card_cache.CardKey], now: datetime) -> list[Pipeline]:
    """Give each pipeline its cards (`pipeline.card_list`), in the order of `rows`.

    Cards whose fragment is already rendered (card_cache) stay the few columns of their
    cache key; only the others are loaded whole, in one query. A move re-renders two
    pipelines of mostly unchanged cards, and loading 50 whole cards cost more than the rest
    of the move.
    """
    by_pipeline: dict[int, list] = {pipeline.pk: [] for pipeline in pipelines}
    missing = [row.pk for row in rows if not card_cache.has(card_cache.key(row, now))]
    whole = {card.pk: card for card in cards_for_fragments(missing)} if missing else {}
    for row in rows:
        by_pipeline[row.pipeline_id].append(whole.get(row.pk, row))
    for pipeline in pipelines:
        pipeline.card_list = by_pipeline[pipeline.pk]
    return pipelines


_PIPELINE_COLUMNS = ["id", "board_id", "name", "position"]


def _pipelines(where: str, params: list) -> list[Pipeline]:
    """Pipelines in order (hand-written SQL; `where` holds only placeholders for `params`)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(_PIPELINE_COLUMNS)} FROM board_pipeline WHERE {where} ORDER BY position, id", params
        )
        return [Pipeline.from_db(connection.alias, _PIPELINE_COLUMNS, row) for row in cursor.fetchall()]


def board_pipelines(*, board: Board, now: datetime) -> list[Pipeline]:
    """The board's pipelines in order, each with its cards in order (`card_list`)."""
    return _with_cards(_pipelines("board_id = %s", [board.pk]), now)


def pipelines_of_board(*, board: Board, ids: list[int]) -> list[Pipeline]:
    """Some pipelines of the board, in order, without their cards; ids of other boards are dropped."""
    if not ids:
        return []
    return _pipelines(f"board_id = %s AND id IN {in_list(ids)}", [board.pk, *ids])


def pipelines_by_id(*, board: Board, ids: list[int], now: datetime) -> list[Pipeline]:
    """Some pipelines of the board with their cards; ids of other boards are dropped."""
    return _with_cards(pipelines_of_board(board=board, ids=ids), now)


def hidden_cards(*, board: Board, query: str) -> set[int]:
    """Ids of the board's cards that the filter `query` hides: the complement of card_ids_matching."""
    needle = query.strip().casefold()
    if not needle:
        return set()
    rows = Card.objects.filter(board=board).values_list("pk", "title", "description")
    return {pk for pk, title, text in rows if needle not in title.casefold() and needle not in text.casefold()}


def cards_by_id(*, board: Board, ids: list[int]) -> list[Card]:
    return list(_card_rows().filter(board=board, pk__in=ids))


def pipeline_of_board(*, board: Board, pipeline_id: int) -> Pipeline:
    """One pipeline of this board; 404 for another board's or a missing one."""
    found = _pipelines("id = %s AND board_id = %s", [pipeline_id, board.pk])
    if not found:
        raise Http404("No such pipeline on this board.")
    pipeline = found[0]
    pipeline.board = board
    return pipeline


def card_of_board(*, board: Board, card_id: int) -> Card:
    """One card of this board; 404 for another board's or a missing one."""
    card = Card.objects.filter(board=board, pk=card_id).select_related("pipeline", "updated_by").first()
    if card is None:
        raise Http404("No such card on this board.")
    card.board = board
    return card


def card_place_of_board(*, board: Board, card_id: int) -> Card:
    """One card of this board as far as moving it needs (id, board, pipeline); 404 for others'."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, board_id, pipeline_id FROM board_card WHERE id = %s AND board_id = %s", [card_id, board.pk]
        )
        row = cursor.fetchone()
    if row is None:
        raise Http404("No such card on this board.")
    card = Card.from_db(connection.alias, ["id", "board_id", "pipeline_id"], row)
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


def board_pipelines_names(*, board: Board) -> list[Pipeline]:
    """The board's pipelines in order, without cards (for a move form's choices)."""
    return list(Pipeline.objects.filter(board=board).order_by("position", "id").only("id", "name", "position"))


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
        raise Http404("No such comment on this board.")
    comment.card.board = board
    return comment


ACTIVITY_PAGE = 20


def activity_page(*, board: Board, page: int = 1, card: Card | None = None) -> tuple[list[Activity], bool]:
    """One page of the board's (or a card's) history, newest first, and whether more follow."""
    rows = Activity.objects.filter(board=board).select_related("actor")
    if card is not None:
        rows = rows.filter(card=card)
    start = (max(page, 1) - 1) * ACTIVITY_PAGE
    found = list(rows.order_by("-id")[start : start + ACTIVITY_PAGE + 1])
    return found[:ACTIVITY_PAGE], len(found) > ACTIVITY_PAGE


def online_users(*, board_id: int) -> list:
    """People with the board open now (each once, however many tabs)."""
    from django.contrib.auth import get_user_model

    from board.services import PRESENCE_TTL

    fresh = timezone.now() - PRESENCE_TTL
    ids = Presence.objects.filter(board_id=board_id, seen_at__gt=fresh).values("user_id")
    return list(get_user_model().objects.filter(pk__in=ids).order_by("username"))

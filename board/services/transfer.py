"""Imports: a whole file written at once, in one transaction, as ONE event (board.imported).

Open pages get the whole board once (board.live.fragments.WHOLE), not a step per card.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from board import events
from board.models import Board, Card, Comment, Membership, Pipeline
from board.services import ranks
from board.services.common import User, lock_board
from board.transfer.plan import BoardPlan, CardRow


@transaction.atomic
def board_import(*, owner: User, plan: BoardPlan) -> Board:
    """A new board owned by `owner` holding the plan's pipelines, cards, comments and members."""
    board = Board.objects.create(owner=owner, name=plan.name)
    locked = lock_board(board)
    pipelines = Pipeline.objects.bulk_create(
        Pipeline(board=locked, name=p.name, position=(i + 1) * ranks.STEP) for i, p in enumerate(plan.pipelines)
    )
    cards, planned = [], []
    for pipeline, shape in zip(pipelines, plan.pipelines, strict=True):
        for i, card in enumerate(shape.cards):
            cards.append(
                Card(
                    board=locked,
                    pipeline=pipeline,
                    title=card.title,
                    description=card.description,
                    position=(i + 1) * ranks.STEP,
                    rev=locked.version,
                )
            )
            planned.append(card)
    cards = Card.objects.bulk_create(cards, batch_size=500)
    _keep_times(cards, [c.created for c in planned])
    comments, times = [], []
    for card, shape in zip(cards, planned, strict=True):
        for comment in shape.comments:
            comments.append(Comment(card=card, author=owner, body=comment.body, imported_author=comment.author))
            times.append(comment.created)
    _keep_times(Comment.objects.bulk_create(comments, batch_size=500), times)
    _add_members(locked, plan.members)
    events.record(
        board=locked,
        kind=events.BOARD_IMPORTED,
        actor=owner,
        source=plan.source,
        pipelines=len(pipelines),
        cards=len(cards),
        comments=len(comments),
    )
    return locked


def _keep_times(rows: list, times: list) -> None:
    """Creation times from the file (auto_now_add stamps the import's own time on create)."""
    kept = []
    for row, created in zip(rows, times, strict=True):
        if created is not None:
            row.created_at = created
            kept.append(row)
    if kept:
        type(kept[0]).objects.bulk_update(kept, ["created_at"], batch_size=500)


def _add_members(board: Board, members: list[tuple[str, str]]) -> None:
    """Members named in the file who have an account here (the new owner is already in)."""
    if not members:
        return
    users = {u.get_username(): u for u in get_user_model().objects.filter(username__in=[m[0] for m in members])}
    Membership.objects.bulk_create(
        Membership(board=board, user=users[name], role=role)
        for name, role in members
        if name in users and users[name].pk != board.owner_id
    )


@transaction.atomic
def cards_import(*, board: Board, rows: list[CardRow], pipelines: dict[str, int], actor: User) -> int:
    """Add the rows' cards at the end of their pipelines (named; `pipelines`: name -> id of this board)."""
    locked = lock_board(board)
    found = {p.pk: p for p in Pipeline.objects.filter(board=locked, pk__in=set(pipelines.values()))}
    ends: dict[int, int] = {}
    cards = []
    for row in rows:
        pipeline = found.get(pipelines[row.pipeline])
        if pipeline is None:
            raise ValidationError(f"Line {row.line}: the pipeline “{row.pipeline}” no longer exists.")
        if pipeline.pk not in ends:
            ends[pipeline.pk] = ranks.after_last(Card.objects.filter(pipeline=pipeline)) - ranks.STEP
        ends[pipeline.pk] += ranks.STEP
        cards.append(
            Card(
                board=locked,
                pipeline=pipeline,
                title=row.title,
                description=row.description,
                position=ends[pipeline.pk],
                rev=locked.version,
                updated_by=actor,
            )
        )
    Card.objects.bulk_create(cards, batch_size=500)
    events.record(board=locked, kind=events.BOARD_IMPORTED, actor=actor, source="CSV", pipelines=0, cards=len(cards))
    return len(cards)

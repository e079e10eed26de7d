"""Pipelines: create, rename, move, delete."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from board import events
from board.models import Board, Pipeline
from board.services import ranks
from board.services.common import PIPELINE_NAME, Gone, User, clean_title, current_pipeline, lock_board


@transaction.atomic
def pipeline_create(*, board: Board, name: str, actor: User | None = None) -> Pipeline:
    """Add a pipeline at the end of the board."""
    name = clean_title(name, field=PIPELINE_NAME)
    locked = lock_board(board)
    position = ranks.after_last(Pipeline.objects.filter(board=locked))
    pipeline = Pipeline.objects.create(board=locked, name=name, position=position)
    events.record(board=locked, kind=events.PIPELINE_CREATED, actor=actor, pipeline=pipeline.pk, name=name)
    return pipeline


@transaction.atomic
def pipeline_rename(*, pipeline: Pipeline, name: str, actor: User | None = None) -> Pipeline:
    """Rename a pipeline."""
    name = clean_title(name, field=PIPELINE_NAME)
    locked = lock_board(pipeline.board)
    current = current_pipeline(locked, pipeline)
    old, current.name = current.name, name
    current.save(update_fields=["name"])
    pipeline.name = name
    events.record(board=locked, kind=events.PIPELINE_RENAMED, actor=actor, pipeline=pipeline.pk, old=old, new=name)
    return pipeline


@transaction.atomic
def pipeline_move(
    *, pipeline: Pipeline, after: int | None = None, before: int | None = None, actor: User | None = None
) -> Pipeline:
    """Place a pipeline right after the pipeline `after` (None: first) of its board.

    Drag and drop, the keyboard and the plain form all come here with the pipeline's new
    neighbours as the page saw them. A neighbour deleted meanwhile still gives a sensible
    place: right before `before` if that one is still there, else the end.
    """
    locked = lock_board(pipeline.board)
    current = current_pipeline(locked, pipeline)
    others = Pipeline.objects.filter(board=locked).exclude(pk=current.pk)
    placed_after = ranks.neighbour(others, after=after, before=before)
    current.position = ranks.place_after(others, placed_after)
    current.save(update_fields=["position"])
    pipeline.position = current.position
    events.record(
        board=locked,
        kind=events.PIPELINE_MOVED,
        actor=actor,
        pipeline=pipeline.pk,
        name=current.name,
        after=placed_after.pk if placed_after is not None else None,
    )
    return pipeline


@transaction.atomic
def pipeline_delete(*, pipeline: Pipeline, actor: User | None = None) -> None:
    """Delete a pipeline and its cards (once: a second delete finds it Gone and records nothing)."""
    locked = lock_board(pipeline.board)
    try:
        current = current_pipeline(locked, pipeline)
    except ValidationError:
        raise Gone(_("This pipeline is already gone: someone deleted it.")) from None
    count = current.cards.count()
    current.delete()
    events.record(
        board=locked, kind=events.PIPELINE_DELETED, actor=actor, pipeline=pipeline.pk, name=current.name, cards=count
    )

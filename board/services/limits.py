"""Work-in-progress limits: a pipeline's limit, the board's choice of soft or hard limits, and the check."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from board import events
from board.models import WIP_LIMIT_MAX, Board, Card, Pipeline
from board.services.common import User, current_pipeline, lock_board


def clean_limit(value: int | None) -> int | None:
    """A limit of 1 to WIP_LIMIT_MAX cards, or None for no limit."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= WIP_LIMIT_MAX:
        raise ValidationError(
            _("A limit is a number of cards from 1 to %(max)d (or empty for no limit).") % {"max": WIP_LIMIT_MAX}
        )
    return value


def check_room(locked: Board, target: Pipeline) -> None:
    """Under hard limits, refuse one more card into a pipeline already at its limit (under the board's lock)."""
    if not locked.hard_limits or target.wip_limit is None:
        return
    if Card.objects.filter(pipeline=target).count() >= target.wip_limit:
        raise ValidationError(
            ngettext(
                "“%(name)s” is full: its limit is %(limit)d card.",
                "“%(name)s” is full: its limit is %(limit)d cards.",
                target.wip_limit,
            )
            % {"name": target.name, "limit": target.wip_limit}
        )


@transaction.atomic
def pipeline_set_limit(*, pipeline: Pipeline, limit: int | None, actor: User | None = None) -> Pipeline:
    """Set (or, with None, clear) how many cards a pipeline should hold at most."""
    limit = clean_limit(limit)
    locked = lock_board(pipeline.board)
    current = current_pipeline(locked, pipeline)
    old, current.wip_limit = current.wip_limit, limit
    current.save(update_fields=["wip_limit"])
    pipeline.wip_limit = limit
    events.record(
        board=locked,
        kind=events.PIPELINE_LIMIT_SET,
        actor=actor,
        pipeline=current.pk,
        name=current.name,
        old=old,
        limit=limit,
    )
    return pipeline


@transaction.atomic
def board_set_limits(*, board: Board, hard: bool, actor: User | None = None) -> Board:
    """Choose hard limits (a full pipeline refuses cards) or soft ones (it is only marked)."""
    locked = lock_board(board)
    locked.hard_limits = board.hard_limits = bool(hard)
    locked.save(update_fields=["hard_limits"])
    events.record(board=locked, kind=events.BOARD_LIMITS_SET, actor=actor, hard=bool(hard))
    return board

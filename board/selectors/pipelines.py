"""Pipelines, in order, with their cards."""

from __future__ import annotations

from django.db.models import Count
from django.http import Http404
from django.utils.translation import gettext as _

from board.models import Board, Pipeline
from board.selectors.cards import fragment_rows, id_before_number


def _with_cards(pipelines: list[Pipeline]) -> list[Pipeline]:
    """Give each pipeline its cards in order (`pipeline.card_list`, rows of fragment_rows)."""
    by_pipeline: dict[int, list] = {pipeline.pk: [] for pipeline in pipelines}
    if by_pipeline:
        for row in fragment_rows().filter(pipeline__in=list(by_pipeline)):
            by_pipeline[row["pipeline_id"]].append(row)
    for pipeline in pipelines:
        pipeline.card_list = by_pipeline[pipeline.pk]
        pipeline.n_cards = len(pipeline.card_list)
    return pipelines


def board_pipelines(*, board: Board) -> list[Pipeline]:
    """The board's pipelines in order, each with its cards in order (`card_list`) and its `number`."""
    pipelines = list(Pipeline.objects.filter(board=board))
    for number, pipeline in enumerate(pipelines, 1):
        pipeline.number = number
    return _with_cards(pipelines)


def pipelines_by_id(*, board: Board, ids: list[int], with_cards: bool = True) -> list[Pipeline]:
    """Some pipelines of the board with their `number` (and cards); ids of other boards are dropped."""
    if not ids:
        return []
    wanted = set(ids)
    pipelines = [p for p in board_pipelines_names(board=board, numbered=True) if p.pk in wanted]
    return _with_cards(pipelines) if with_cards else pipelines


def pipeline_counts(*, board: Board, pipeline_ids: list[int]) -> list[dict]:
    """Of these pipelines of the board, in id order: each one's `id`, `n_cards` and `wip_limit` (None: no limit)."""
    found = Pipeline.objects.filter(board=board, pk__in=pipeline_ids).annotate(n_cards=Count("cards"))
    return list(found.order_by("pk").values("id", "n_cards", "wip_limit"))


def pipeline_of_board(*, board: Board, pipeline_id: int) -> Pipeline:
    """One pipeline of this board; 404 for another board's or a missing one."""
    pipeline = Pipeline.objects.filter(board=board, pk=pipeline_id).first()
    if pipeline is None:
        raise Http404(_("No such pipeline on this board."))
    pipeline.board = board
    return pipeline


def pipeline_before_number(*, board: Board, number: int, moving: Pipeline) -> int | None:
    """The id of the pipeline a pipeline placed at `number` (from 1) goes right after."""
    return id_before_number(Pipeline.objects.filter(board=board).exclude(pk=moving.pk), number)


def board_pipelines_names(*, board: Board, numbered: bool = False) -> list[Pipeline]:
    """The board's pipelines in order, without cards (a move form's choices); with `number`s from 1."""
    pipelines = list(Pipeline.objects.filter(board=board).only("id", "board_id", "name", "position", "wip_limit"))
    if numbered:
        for number, pipeline in enumerate(pipelines, 1):
            pipeline.number = number
    return pipelines

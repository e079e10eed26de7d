"""Pipelines: add, rename, move, limit, delete (and the board's kind of limits)."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from board import selectors, services
from board.forms import LimitForm, LimitsForm, NameForm, NeighbourForm, PositionForm
from board.live.origin import capture
from board.selectors import Access
from board.views.answers import HtmxHttpRequest, board_endpoint, board_url, confirm, done, panel_html, valid


@board_endpoint(need="edit")
def pipeline_create(request: HtmxHttpRequest, access: Access) -> HttpResponse:
    name = valid(NameForm(request.POST))["name"]
    with capture() as captured:
        services.pipeline_create(board=access.board, name=name, actor=request.user)
    return done(request, captured, board_url(access))


@board_endpoint(need="edit")
def pipeline_rename(request: HtmxHttpRequest, access: Access, pipeline_id: int) -> HttpResponse:
    pipeline = selectors.pipeline_of_board(board=access.board, pipeline_id=pipeline_id)
    name = valid(NameForm(request.POST))["name"]
    with capture() as captured:
        services.pipeline_rename(pipeline=pipeline, name=name, actor=request.user)
    return done(request, captured, board_url(access))


@board_endpoint(need="edit")
def pipeline_move(request: HtmxHttpRequest, access: Access, pipeline_id: int) -> HttpResponse:
    """One move path: drag, keyboard and touch post the new neighbours; the plain form a position (from 1)."""
    pipeline = selectors.pipeline_of_board(board=access.board, pipeline_id=pipeline_id)
    if "position" in request.POST:
        number = valid(PositionForm(request.POST))["position"]
        after = selectors.pipeline_before_number(board=access.board, number=number, moving=pipeline)
        before = None
    else:
        data = valid(NeighbourForm(request.POST))
        after, before = data["after"], data["before"]
    with capture() as captured:
        services.pipeline_move(pipeline=pipeline, after=after, before=before, actor=request.user)
    return done(request, captured, board_url(access))


@board_endpoint(need="edit")
def pipeline_limit(request: HtmxHttpRequest, access: Access, pipeline_id: int) -> HttpResponse:
    """Set a pipeline's limit (an empty one clears it)."""
    pipeline = selectors.pipeline_of_board(board=access.board, pipeline_id=pipeline_id)
    limit = valid(LimitForm(request.POST))["limit"]
    with capture() as captured:
        services.pipeline_set_limit(pipeline=pipeline, limit=limit, actor=request.user)
    return done(request, captured, board_url(access))


@board_endpoint(need="owner")
def board_limits(request: HtmxHttpRequest, access: Access) -> HttpResponse:
    """The owner chooses soft or hard limits for the board."""
    hard = valid(LimitsForm(request.POST))["limits"] == "hard"
    with capture() as captured:
        services.board_set_limits(board=access.board, hard=hard, actor=request.user)
    return done(request, captured, board_url(access))


@board_endpoint(need="edit", methods=("GET", "POST"))
def pipeline_delete(request: HtmxHttpRequest, access: Access, pipeline_id: int) -> HttpResponse:
    pipeline = selectors.pipeline_of_board(board=access.board, pipeline_id=pipeline_id)
    if request.method == "GET":
        count = pipeline.cards.count()
        if count:
            question = ngettext(
                "Delete the pipeline “%(name)s” and its %(count)d card?",
                "Delete the pipeline “%(name)s” and its %(count)d cards?",
                count,
            ) % {"name": pipeline.name, "count": count}
        else:
            question = _("Delete the pipeline “%(name)s”?") % {"name": pipeline.name}
        return confirm(request, access, question, reverse("pipeline-delete", args=[access.board.pk, pipeline.pk]))
    with capture() as captured:
        services.pipeline_delete(pipeline=pipeline, actor=request.user)
    return done(request, captured, board_url(access), panel_html("", {}))

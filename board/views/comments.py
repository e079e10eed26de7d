"""Comments: any member comments; its author edits; its author or the owner deletes."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from board import selectors, services
from board.forms import CommentForm
from board.live.origin import capture
from board.selectors import Access
from board.views.answers import (
    HtmxHttpRequest,
    board_endpoint,
    board_page,
    confirm,
    done,
    first_error,
    refusal,
    valid,
)
from board.views.cards import DETAIL, card_context, card_url

COMMENT = "board/comments.html#comment"
COMMENT_EDIT = "board/comments.html#comment_edit"


def comment_context(access: Access, comment: Any, **extra: Any) -> dict[str, Any]:
    return {"board": access.board, "comment": comment, "now": timezone.now(), **extra}


@board_endpoint(need="read")
def comment_create(request: HtmxHttpRequest, access: Access, card_id: int) -> HttpResponse:
    """Any member comments, viewers included: it is how a viewer takes part."""
    card = selectors.card_of_board(board=access.board, card_id=card_id)
    body = valid(CommentForm(request.POST))["body"]
    with capture() as captured:
        services.comment_create(card=card, author=request.user, body=body)
    return done(request, captured, card_url(access, card.pk))


@board_endpoint(need="read", methods=("GET",))
def comment_detail(request: HtmxHttpRequest, access: Access, comment_id: int) -> HttpResponse:
    comment = selectors.comment_of_board(board=access.board, comment_id=comment_id)
    if not request.htmx:
        return redirect(card_url(access, comment.card_id))
    return render(request, COMMENT, comment_context(access, comment))


@board_endpoint(need="read", methods=("GET", "POST"))
def comment_edit(request: HtmxHttpRequest, access: Access, comment_id: int) -> HttpResponse:
    comment = selectors.comment_of_board(board=access.board, comment_id=comment_id)
    if comment.author_id != request.user.pk:
        raise PermissionDenied(_("Only its author can edit a comment."))
    if request.method == "GET":
        if request.htmx:
            return render(request, COMMENT_EDIT, comment_context(access, comment))
        context = card_context(access, comment.card, editing_comment=comment.pk)
        return board_page(request, access, panel=DETAIL, **context)
    form = CommentForm(request.POST)
    if not form.is_valid():
        context = comment_context(access, comment, message=first_error(form), body=request.POST.get("body", ""))
        if request.htmx:
            response = refusal(render_to_string(COMMENT_EDIT, context, request=request), 400)
            response["HX-Retarget"], response["HX-Reswap"] = f"#comment-{comment.pk}", "outerHTML"
            return response
        raise ValidationError(first_error(form))
    with capture() as captured:
        services.comment_update(comment=comment, actor=request.user, body=form.cleaned_data["body"])
    return done(request, captured, card_url(access, comment.card_id))


@board_endpoint(need="read", methods=("GET", "POST"))
def comment_delete(request: HtmxHttpRequest, access: Access, comment_id: int) -> HttpResponse:
    comment = selectors.comment_of_board(board=access.board, comment_id=comment_id)
    if request.user.pk not in (comment.author_id, access.board.owner_id):
        raise PermissionDenied(_("Only its author or the board's owner can delete a comment."))
    if request.method == "GET":
        return confirm(
            request, access, _("Delete this comment?"), reverse("comment-delete", args=[access.board.pk, comment.pk])
        )
    card_id = comment.card_id
    with capture() as captured:
        services.comment_delete(comment=comment, actor=request.user)
    return done(request, captured, card_url(access, card_id))

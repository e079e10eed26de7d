"""Cards: add, show, edit (with edit claims), move, delete."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from board import selectors, services
from board.forms import CardCreateForm, CardForm, NeighbourForm, PositionForm, TargetForm
from board.live.origin import capture, current_page
from board.selectors import Access
from board.views.answers import (
    HtmxHttpRequest,
    board_endpoint,
    board_url,
    confirm,
    done,
    first_error,
    panel_html,
    show_panel,
    valid,
)

DETAIL = "board/card_panel.html#card_detail"
EDIT = "board/card_panel.html#card_edit"


def card_url(access: Access, card_id: int) -> str:
    return reverse("card", args=[access.board.pk, card_id])


def card_context(access: Access, card: Any, **extra: Any) -> dict[str, Any]:
    history, more = selectors.activity_page(board=access.board, card=card)
    card_labels = selectors.labels_of_cards([card.pk]).get(card.pk, [])
    return {
        "card_label_list": card_labels,
        "card_label_ids": {label["id"] for label in card_labels},
        "board_label_list": selectors.board_labels(board=access.board),
        "board": access.board,
        "card": card,
        "number": selectors.card_number(card=card),
        "now": timezone.now(),
        "can_edit": access.can_edit,
        "is_owner": access.is_owner,
        "pipelines": selectors.board_pipelines_names(board=access.board),
        "comments": selectors.card_comments(card=card),
        "history": history,
        "history_more": more,
        **extra,
    }


@board_endpoint(need="edit")
def card_create(request: HtmxHttpRequest, access: Access, pipeline_id: int) -> HttpResponse:
    pipeline = selectors.pipeline_of_board(board=access.board, pipeline_id=pipeline_id)
    title = valid(CardCreateForm(request.POST))["title"]
    with capture() as captured:
        services.card_create(pipeline=pipeline, title=title, actor=request.user)
    return done(request, captured, board_url(access))


@board_endpoint(need="read", methods=("GET",))
def card_detail(request: HtmxHttpRequest, access: Access, card_id: int) -> HttpResponse:
    card = selectors.card_of_board(board=access.board, card_id=card_id)
    return show_panel(request, access, DETAIL, card_context(access, card))


@board_endpoint(need="edit", methods=("GET", "POST"))
def card_edit(request: HtmxHttpRequest, access: Access, card_id: int) -> HttpResponse:
    card = selectors.card_of_board(board=access.board, card_id=card_id)
    if request.method == "GET":
        claim = services.claim_take(card=card, user=request.user, page=current_page())
        claimed_by = claim.user if claim.user_id != request.user.pk else None
        form = CardForm(initial={"title": card.title, "description": card.description, "version": card.version})
        return show_panel(request, access, EDIT, card_context(access, card, form=form, claimed_by=claimed_by))
    form = CardForm(request.POST)
    if not form.is_valid():
        return show_panel(request, access, EDIT, card_context(access, card, form=form, message=first_error(form)), 400)
    data = form.cleaned_data
    try:
        with capture() as captured:
            card = services.card_update(
                card=card,
                title=data["title"],
                description=data["description"],
                base_version=data["version"],
                over_claim=request.POST.get("over_claim") == "1",
                actor=request.user,
            )
    except services.ClaimHeld as held:
        context = card_context(
            access, card, form=form, claimed_by=held.claim.user, confirm_over_claim=True, message=held.messages[0]
        )
        return show_panel(request, access, EDIT, context, status=409)
    except services.StaleEdit as stale:
        current = stale.current
        fresh = CardForm(
            initial={"title": data["title"], "description": data["description"], "version": current.version}
        )
        context = card_context(access, current, form=fresh, stale=current, message=stale.messages[0])
        return show_panel(request, access, EDIT, context, status=409)
    return done(request, captured, card_url(access, card.pk), panel_html(DETAIL, card_context(access, card)))


@board_endpoint(need="edit", methods=("GET", "POST"))
def card_delete(request: HtmxHttpRequest, access: Access, card_id: int) -> HttpResponse:
    card = selectors.card_of_board(board=access.board, card_id=card_id)
    if request.method == "GET":
        question = _("Delete the card “%(title)s”?") % {"title": card.title}
        return confirm(request, access, question, reverse("card-delete", args=[access.board.pk, card.pk]))
    with capture() as captured:
        services.card_delete(card=card, actor=request.user)
    return done(request, captured, board_url(access), panel_html("", {}))


@board_endpoint(need="edit")
def card_move(request: HtmxHttpRequest, access: Access, card_id: int) -> HttpResponse:
    """One move path: drag, touch and keyboard post the new neighbours; the plain form a position (from 1)."""
    card = selectors.card_ref_of_board(board=access.board, card_id=card_id)
    pipeline = selectors.pipeline_of_board(board=access.board, pipeline_id=valid(TargetForm(request.POST))["pipeline"])
    if "position" in request.POST:
        number = valid(PositionForm(request.POST))["position"]
        after = selectors.card_before_number(pipeline=pipeline, number=number, moving=card)
        before = None
    else:
        data = valid(NeighbourForm(request.POST))
        after, before = data["after"], data["before"]
    with capture() as captured:
        services.card_move(card=card, pipeline=pipeline, after=after, before=before, actor=request.user)
    return done(request, captured, board_url(access), panel_html("", {}))


@board_endpoint(need="edit")
def card_release(request: HtmxHttpRequest, access: Access, card_id: int) -> HttpResponse:
    """Close the edit form without saving: the edit claim ends."""
    card = selectors.card_of_board(board=access.board, card_id=card_id)
    with capture() as captured:
        services.claim_release(card=card, user=request.user)
    return done(request, captured, card_url(access, card.pk), panel_html(DETAIL, card_context(access, card)))

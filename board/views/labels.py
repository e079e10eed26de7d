"""Labels: the board's palette (add, rename/recolour, delete) and the labels on a card."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.urls import reverse

from board import selectors, services
from board.forms import LabelForm, posted_ids
from board.live.origin import capture
from board.selectors import Access
from board.views.answers import HtmxHttpRequest, board_endpoint, done, panel_html, valid
from board.views.cards import DETAIL, card_context, card_url


def labels_url(access: Access) -> str:
    """Where a plain form returns: the board with its labels panel open."""
    return reverse("board", args=[access.board.pk]) + "?labels=open#labels"


@board_endpoint(need="edit")
def label_create(request: HtmxHttpRequest, access: Access) -> HttpResponse:
    data = valid(LabelForm(request.POST))
    with capture() as captured:
        services.label_create(board=access.board, name=data["name"], colour=data["colour"], actor=request.user)
    return done(request, captured, labels_url(access))


@board_endpoint(need="edit")
def label_update(request: HtmxHttpRequest, access: Access, label_id: int) -> HttpResponse:
    label = selectors.label_of_board(board=access.board, label_id=label_id)
    data = valid(LabelForm(request.POST))
    with capture() as captured:
        services.label_update(label=label, name=data["name"], colour=data["colour"], actor=request.user)
    return done(request, captured, labels_url(access))


@board_endpoint(need="edit")
def label_delete(request: HtmxHttpRequest, access: Access, label_id: int) -> HttpResponse:
    label = selectors.label_of_board(board=access.board, label_id=label_id)
    with capture() as captured:
        services.label_delete(label=label, actor=request.user)
    return done(request, captured, labels_url(access))


@board_endpoint(need="edit")
def card_labels(request: HtmxHttpRequest, access: Access, card_id: int) -> HttpResponse:
    """The card's labels are exactly the boxes ticked (none ticked: no labels)."""
    card = selectors.card_of_board(board=access.board, card_id=card_id)
    try:
        ids = posted_ids(request.POST.getlist("label"))
    except ValidationError as exc:
        raise ValidationError(exc.messages) from None
    with capture() as captured:
        card = services.card_labels_set(card=card, label_ids=ids, actor=request.user)
    return done(request, captured, card_url(access, card.pk), panel_html(DETAIL, card_context(access, card)))

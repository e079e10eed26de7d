"""Checklists of a card: editors and owners add, rename, tick, reorder and delete; viewers read."""

from __future__ import annotations

from django import forms
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from board import selectors, services
from board.forms import NeighbourForm, PositionForm
from board.live.origin import capture
from board.models import CHECKLIST_ITEM_MAX, TITLE_MAX
from board.selectors import Access
from board.views.answers import HtmxHttpRequest, board_endpoint, done, valid
from board.views.cards import card_url


class ChecklistForm(forms.Form):
    title = forms.CharField(label=_("Checklist name"), max_length=TITLE_MAX, strip=True)


class ItemForm(forms.Form):
    # The service says what is wrong with a long item (the page's maxlength stops a browser sooner).
    text = forms.CharField(label=_("Checklist item"), max_length=CHECKLIST_ITEM_MAX * 4, strip=True)


class TickForm(forms.Form):
    done = forms.TypedChoiceField(label=_("Done"), choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1")


def _answer(request: HtmxHttpRequest, access: Access, captured, card_id: int) -> HttpResponse:
    return done(request, captured, card_url(access, card_id))


@board_endpoint(need="edit")
def checklist_create(request: HtmxHttpRequest, access: Access, card_id: int) -> HttpResponse:
    card = selectors.card_of_board(board=access.board, card_id=card_id)
    title = valid(ChecklistForm(request.POST))["title"]
    with capture() as captured:
        services.checklist_create(card=card, title=title, actor=request.user)
    return _answer(request, access, captured, card.pk)


@board_endpoint(need="edit")
def checklist_rename(request: HtmxHttpRequest, access: Access, checklist_id: int) -> HttpResponse:
    checklist = selectors.checklist_of_board(board=access.board, checklist_id=checklist_id)
    title = valid(ChecklistForm(request.POST))["title"]
    with capture() as captured:
        services.checklist_rename(checklist=checklist, title=title, actor=request.user)
    return _answer(request, access, captured, checklist.card_id)


@board_endpoint(need="edit")
def checklist_delete(request: HtmxHttpRequest, access: Access, checklist_id: int) -> HttpResponse:
    checklist = selectors.checklist_of_board(board=access.board, checklist_id=checklist_id)
    with capture() as captured:
        services.checklist_delete(checklist=checklist, actor=request.user)
    return _answer(request, access, captured, checklist.card_id)


@board_endpoint(need="edit")
def item_create(request: HtmxHttpRequest, access: Access, checklist_id: int) -> HttpResponse:
    checklist = selectors.checklist_of_board(board=access.board, checklist_id=checklist_id)
    text = valid(ItemForm(request.POST))["text"]
    with capture() as captured:
        services.checklist_item_create(checklist=checklist, text=text, actor=request.user)
    return _answer(request, access, captured, checklist.card_id)


@board_endpoint(need="edit")
def item_rename(request: HtmxHttpRequest, access: Access, item_id: int) -> HttpResponse:
    item = selectors.checklist_item_of_board(board=access.board, item_id=item_id)
    text = valid(ItemForm(request.POST))["text"]
    with capture() as captured:
        services.checklist_item_rename(item=item, text=text, actor=request.user)
    return _answer(request, access, captured, item.card_id)


@board_endpoint(need="edit")
def item_tick(request: HtmxHttpRequest, access: Access, item_id: int) -> HttpResponse:
    item = selectors.checklist_item_of_board(board=access.board, item_id=item_id)
    ticked = valid(TickForm(request.POST))["done"]
    with capture() as captured:
        services.checklist_item_tick(item=item, done=ticked, actor=request.user)
    return _answer(request, access, captured, item.card_id)


@board_endpoint(need="edit")
def item_move(request: HtmxHttpRequest, access: Access, item_id: int) -> HttpResponse:
    """Drag posts the new neighbours (ids of the same checklist); the buttons and plain form a position (from 1)."""
    item = selectors.checklist_item_of_board(board=access.board, item_id=item_id)
    if "position" in request.POST:
        number = valid(PositionForm(request.POST))["position"]
        after, before = selectors.item_before_number(item=item, number=number), None
    else:
        data = valid(NeighbourForm(request.POST))
        after, before = data["after"], data["before"]
    with capture() as captured:
        services.checklist_item_move(item=item, after=after, before=before, actor=request.user)
    return _answer(request, access, captured, item.card_id)


@board_endpoint(need="edit")
def item_delete(request: HtmxHttpRequest, access: Access, item_id: int) -> HttpResponse:
    item = selectors.checklist_item_of_board(board=access.board, item_id=item_id)
    with capture() as captured:
        services.checklist_item_delete(item=item, actor=request.user)
    return _answer(request, access, captured, item.card_id)

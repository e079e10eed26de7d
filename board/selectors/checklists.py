"""Checklists as the card dialog shows them, and lookups scoped by board."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _

from board.models import Board, Checklist, ChecklistItem


def progress_annotations() -> dict:
    """n_items and n_done of a card's checklists, as indexed subqueries (for selectors.fragment_rows)."""
    items = ChecklistItem.objects.filter(card=OuterRef("pk")).order_by().values("card")
    counted = items.annotate(n=Count("pk"), d=Count("pk", filter=Q(done=True)))
    return {
        "n_items": Coalesce(Subquery(counted.values("n"), output_field=IntegerField()), Value(0)),
        "n_done": Coalesce(Subquery(counted.values("d"), output_field=IntegerField()), Value(0)),
    }


def card_checklists(*, card_id: int) -> list[Checklist]:
    """The card's checklists in order, each with its items (`item_list`) and counts, in two queries."""
    items = Prefetch("items", queryset=ChecklistItem.objects.order_by("position", "id"), to_attr="item_list")
    found = list(Checklist.objects.filter(card_id=card_id).prefetch_related(items))
    for checklist in found:
        checklist.n_done = sum(item.done for item in checklist.item_list)
    return found


def checklist_of_board(*, board: Board, checklist_id: int) -> Checklist:
    found = Checklist.objects.filter(card__board=board, pk=checklist_id).select_related("card").first()
    if found is None:
        raise Http404(_("No such checklist on this board."))
    found.card.board = board
    return found


def checklist_item_of_board(*, board: Board, item_id: int) -> ChecklistItem:
    found = ChecklistItem.objects.filter(card__board=board, pk=item_id).select_related("card").first()
    if found is None:
        raise Http404(_("No such checklist item on this board."))
    found.card.board = board
    return found


def item_before_number(*, item: ChecklistItem, number: int) -> int | None:
    """The id of the item an item placed at `number` (from 1) of its checklist goes right after (None: first)."""
    if number <= 1:
        return None
    ordered = ChecklistItem.objects.filter(checklist_id=item.checklist_id).exclude(pk=item.pk)
    ordered = ordered.order_by("position", "id").values_list("pk", flat=True)
    found = ordered[number - 2 : number - 1]
    return found[0] if found else ordered.last()

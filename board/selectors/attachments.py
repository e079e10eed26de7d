"""Attachments as the card dialog and the card face show them."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _

from board.models import Attachment, Board


def count_annotation() -> dict:
    """n_attachments of a card, as an indexed subquery (for selectors.fragment_rows)."""
    counted = Attachment.objects.filter(card=OuterRef("pk")).order_by().values("card").annotate(n=Count("pk"))
    return {"n_attachments": Coalesce(Subquery(counted.values("n"), output_field=IntegerField()), Value(0))}


def card_attachments(*, card_id: int) -> list[Attachment]:
    return list(Attachment.objects.filter(card_id=card_id))


def attachment_of_board(*, board: Board, attachment_id: int) -> Attachment:
    """One attachment of a card of this board; 404 for another board's, a missing one or a guessed id."""
    found = Attachment.objects.filter(card__board=board, pk=attachment_id).select_related("card").first()
    if found is None:
        raise Http404(_("No such attachment on this board."))
    found.card.board = board
    return found

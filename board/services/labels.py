"""Labels: a board's palette (create, rename/recolour, delete) and the labels on a card."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from board import events
from board.models import LABEL_NAME_MAX, Board, Card, Label, LabelColour
from board.services.common import User, clean_title, current_card, lock_board

LABEL_NAME = gettext_lazy("Label name")


def _clean_name(name: str) -> str:
    text = clean_title(name, field=LABEL_NAME)
    if len(text) > LABEL_NAME_MAX:
        raise ValidationError(
            _("%(field)s is too long (%(length)d characters; at most %(max)d).")
            % {"field": LABEL_NAME, "length": len(text), "max": LABEL_NAME_MAX}
        )
    return text


def _clean_colour(colour: str) -> str:
    if colour not in LabelColour.values:
        raise ValidationError(_("That is not one of the label colours."))
    return colour


def _unique(locked: Board, name: str, *, other_than: int | None = None) -> None:
    taken = Label.objects.filter(board=locked, name__iexact=name).exclude(pk=other_than)
    if taken.exists():
        raise ValidationError(_("This board already has a label called “%(name)s”.") % {"name": name})


def _current_label(locked: Board, label: Label) -> Label:
    current = Label.objects.filter(pk=label.pk, board=locked).first()
    if current is None:
        raise ValidationError(_("That label is not on this board (deleted meanwhile?)."))
    return current


def _touch_cards(locked: Board, label: Label) -> list[int]:
    """Cards carrying `label`: their faces change, so their rev moves on (the fragment caches key on it)."""
    ids = list(label.cards.values_list("pk", flat=True))
    if ids:
        Card.objects.filter(pk__in=ids).update(rev=locked.version)
    return ids


@transaction.atomic
def label_create(*, board: Board, name: str, colour: str, actor: User | None = None) -> Label:
    """Add a label to the board's palette."""
    name, colour = _clean_name(name), _clean_colour(colour)
    locked = lock_board(board)
    _unique(locked, name)
    label = Label.objects.create(board=locked, name=name, colour=colour)
    events.record(board=locked, kind=events.LABEL_CREATED, actor=actor, label_id=label.pk, name=name, colour=colour)
    return label


@transaction.atomic
def label_update(*, label: Label, name: str, colour: str, actor: User | None = None) -> Label:
    """Rename and/or recolour a label: every card carrying it shows the change."""
    name, colour = _clean_name(name), _clean_colour(colour)
    locked = lock_board(label.board)
    current = _current_label(locked, label)
    _unique(locked, name, other_than=current.pk)
    old_name, old_colour = current.name, current.colour
    current.name, current.colour = name, colour
    current.save(update_fields=["name", "colour"])
    cards = _touch_cards(locked, current)
    events.record(
        board=locked,
        kind=events.LABEL_UPDATED,
        actor=actor,
        label_id=current.pk,
        old_name=old_name,
        name=name,
        old_colour=old_colour,
        colour=colour,
        cards=cards,
    )
    return current


@transaction.atomic
def label_delete(*, label: Label, actor: User | None = None) -> None:
    """Delete a label; it leaves every card that carried it."""
    locked = lock_board(label.board)
    current = _current_label(locked, label)
    cards = _touch_cards(locked, current)
    label_id, name = current.pk, current.name
    current.delete()  # its rows in the card-label table go with it
    events.record(board=locked, kind=events.LABEL_DELETED, actor=actor, label_id=label_id, name=name, cards=cards)


@transaction.atomic
def card_labels_set(*, card: Card, label_ids: Iterable[int], actor: User | None = None) -> Card:
    """Put exactly these labels (of the card's board) on the card; a label of another board is refused."""
    wanted = set(label_ids)
    locked = lock_board(card.board)
    current = current_card(locked, card)
    labels = list(Label.objects.filter(board=locked, pk__in=wanted))
    if len(labels) != len(wanted):
        raise ValidationError(_("That label is not on this board."))
    before = {label.pk: label.name for label in current.labels.all()}
    current.labels.set(labels)
    current.rev = locked.version
    current.save(update_fields=["rev"])
    after = {label.pk: label.name for label in labels}
    events.record(
        board=locked,
        kind=events.CARD_LABELS_SET,
        actor=actor,
        card_id=current.pk,
        title=current.title,
        added=sorted(name for pk, name in after.items() if pk not in before),
        removed=sorted(name for pk, name in before.items() if pk not in after),
    )
    current.board = locked
    return current

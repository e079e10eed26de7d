"""Checklists on cards: named lists of items, each ticked or not, in an order the members set.

Every write bumps the card's `rev` (the card face shows the checklists' progress, and the
face cache keys on it) and records one event, like every other write.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from board import events
from board.models import CHECKLIST_ITEM_MAX, Board, Card, Checklist, ChecklistItem
from board.services import ranks
from board.services.common import _UNSHOWABLE, Gone, User, clean_title, current_card, lock_board

CHECKLIST_NAME = gettext_lazy("Checklist name")


def clean_item_text(value: str | None) -> str:
    """An item is one line of text, not empty, at most CHECKLIST_ITEM_MAX characters."""
    text = " ".join((value or "").split())
    if not text:
        raise ValidationError(_("A checklist item cannot be empty."))
    if len(text) > CHECKLIST_ITEM_MAX:
        raise ValidationError(
            _("A checklist item is at most %(max)d characters (this one has %(length)d).")
            % {"max": CHECKLIST_ITEM_MAX, "length": len(text)}
        )
    if _UNSHOWABLE.search(text):
        raise ValidationError(_("A checklist item cannot hold control or text-direction characters."))
    return text


def _touch(locked: Board, card_id: int) -> None:
    Card.objects.filter(pk=card_id).update(rev=locked.version)


def _current_checklist(locked: Board, checklist: Checklist) -> Checklist:
    found = Checklist.objects.select_related("card").filter(pk=checklist.pk, card__board=locked).first()
    if found is None:
        raise Gone(_("This checklist no longer exists: someone deleted it."))
    return found


def _current_item(locked: Board, item: ChecklistItem) -> ChecklistItem:
    found = ChecklistItem.objects.select_related("card").filter(pk=item.pk, card__board=locked).first()
    if found is None:
        raise Gone(_("This checklist item no longer exists: someone deleted it."))
    return found


@transaction.atomic
def checklist_create(*, card: Card, title: str, actor: User | None = None) -> Checklist:
    """Add a named checklist at the end of the card's checklists."""
    title = clean_title(title, field=CHECKLIST_NAME)
    locked = lock_board(card.board)
    current = current_card(locked, card)
    checklist = Checklist.objects.create(
        card=current, title=title, position=ranks.after_last(Checklist.objects.filter(card=current))
    )
    _touch(locked, current.pk)
    events.record(
        board=locked, kind=events.CHECKLIST_CREATED, actor=actor, card_id=current.pk,
        checklist_id=checklist.pk, name=title, title=current.title,
    )  # fmt: skip
    return checklist


@transaction.atomic
def checklist_rename(*, checklist: Checklist, title: str, actor: User | None = None) -> Checklist:
    title = clean_title(title, field=CHECKLIST_NAME)
    locked = lock_board(checklist.card.board)
    current = _current_checklist(locked, checklist)
    old = current.title
    Checklist.objects.filter(pk=current.pk).update(title=title)
    current.title = title
    _touch(locked, current.card_id)
    events.record(
        board=locked, kind=events.CHECKLIST_RENAMED, actor=actor, card_id=current.card_id,
        checklist_id=current.pk, old=old, new=title, title=current.card.title,
    )  # fmt: skip
    return current


@transaction.atomic
def checklist_delete(*, checklist: Checklist, actor: User | None = None) -> None:
    """Delete a checklist and its items."""
    locked = lock_board(checklist.card.board)
    current = _current_checklist(locked, checklist)
    current.delete()
    _touch(locked, current.card_id)
    events.record(
        board=locked, kind=events.CHECKLIST_DELETED, actor=actor, card_id=current.card_id,
        checklist_id=checklist.pk, name=current.title, title=current.card.title,
    )  # fmt: skip


@transaction.atomic
def checklist_item_create(*, checklist: Checklist, text: str, actor: User | None = None) -> ChecklistItem:
    """Add an item, not ticked, at the end of the checklist."""
    text = clean_item_text(text)
    locked = lock_board(checklist.card.board)
    current = _current_checklist(locked, checklist)
    item = ChecklistItem.objects.create(
        checklist=current, card_id=current.card_id, text=text,
        position=ranks.after_last(ChecklistItem.objects.filter(checklist=current)),
    )  # fmt: skip
    _touch(locked, current.card_id)
    events.record(
        board=locked, kind=events.CHECKLIST_ITEM_ADDED, actor=actor, card_id=current.card_id,
        checklist_id=current.pk, item_id=item.pk, text=text, name=current.title, title=current.card.title,
    )  # fmt: skip
    return item


@transaction.atomic
def checklist_item_rename(*, item: ChecklistItem, text: str, actor: User | None = None) -> ChecklistItem:
    text = clean_item_text(text)
    locked = lock_board(item.card.board)
    current = _current_item(locked, item)
    old = current.text
    ChecklistItem.objects.filter(pk=current.pk).update(text=text)
    current.text = text
    _touch(locked, current.card_id)
    events.record(
        board=locked, kind=events.CHECKLIST_ITEM_RENAMED, actor=actor, card_id=current.card_id,
        checklist_id=current.checklist_id, item_id=current.pk, old=old, text=text, title=current.card.title,
    )  # fmt: skip
    return current


@transaction.atomic
def checklist_item_tick(*, item: ChecklistItem, done: bool, actor: User | None = None) -> ChecklistItem:
    """Tick an item (done) or untick it; the state asked for, so a repeated tick stays ticked."""
    locked = lock_board(item.card.board)
    current = _current_item(locked, item)
    ChecklistItem.objects.filter(pk=current.pk).update(done=done)
    current.done = done
    _touch(locked, current.card_id)
    events.record(
        board=locked, kind=events.CHECKLIST_ITEM_TICKED, actor=actor, card_id=current.card_id,
        checklist_id=current.checklist_id, item_id=current.pk, text=current.text, done=done,
        title=current.card.title,
    )  # fmt: skip
    return current


@transaction.atomic
def checklist_item_move(
    *, item: ChecklistItem, after: int | None, before: int | None = None, actor: User | None = None
) -> ChecklistItem:
    """Place an item right after the item `after` of its checklist (None: first); see ranks.neighbour."""
    locked = lock_board(item.card.board)
    current = _current_item(locked, item)
    siblings = ChecklistItem.objects.filter(checklist_id=current.checklist_id).exclude(pk=current.pk)
    neighbour = ranks.neighbour(siblings, after=after, before=before)
    position = ranks.place_after(siblings, neighbour)
    ChecklistItem.objects.filter(pk=current.pk).update(position=position)
    current.position = position
    _touch(locked, current.card_id)
    events.record(
        board=locked, kind=events.CHECKLIST_ITEM_MOVED, actor=actor, card_id=current.card_id,
        checklist_id=current.checklist_id, item_id=current.pk, text=current.text,
        after=neighbour.pk if neighbour is not None else None, title=current.card.title,
    )  # fmt: skip
    return current


@transaction.atomic
def checklist_item_delete(*, item: ChecklistItem, actor: User | None = None) -> None:
    locked = lock_board(item.card.board)
    current = _current_item(locked, item)
    current.delete()
    _touch(locked, current.card_id)
    events.record(
        board=locked, kind=events.CHECKLIST_ITEM_DELETED, actor=actor, card_id=current.card_id,
        checklist_id=current.checklist_id, item_id=item.pk, text=current.text, title=current.card.title,
    )  # fmt: skip

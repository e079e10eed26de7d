"""Cards: create, edit, move, delete."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from board import events
from board.models import Card, EditClaim, Pipeline
from board.search import card_text
from board.services import ranks
from board.services.claims import active_claim
from board.services.common import (
    TITLE,
    Gone,
    User,
    acting,
    clean_description,
    clean_title,
    current_card,
    current_pipeline,
    lock_board,
)
from board.services.limits import check_room


class ClaimHeld(ValidationError):
    """Someone else has the card's edit form open: saving over it needs confirmation."""

    def __init__(self, claim: EditClaim) -> None:
        super().__init__(
            _("%(name)s is editing this card right now. Save anyway?") % {"name": claim.user.get_username()}
        )
        self.claim = claim


class StaleEdit(ValidationError):
    """A card edit based on an outdated version: `current` is what the card says now."""

    def __init__(self, current: Card) -> None:
        super().__init__(_("Someone else changed this card while you were editing it."))
        self.current = current


@transaction.atomic
def card_create(*, pipeline: Pipeline, title: str, description: str = "", actor: User | None = None) -> Card:
    """Add a card at the end of a pipeline."""
    title = clean_title(title, field=TITLE)
    description = clean_description(description)
    locked = lock_board(pipeline.board)
    target = current_pipeline(locked, pipeline)
    check_room(locked, target)
    card = Card.objects.create(
        board=locked,
        pipeline=target,
        title=title,
        description=description,
        search=card_text(title, description),
        position=ranks.after_last(Card.objects.filter(pipeline=target)),
        updated_by=acting(actor),
        rev=locked.version,
    )
    events.record(
        board=locked,
        kind=events.CARD_CREATED,
        actor=actor,
        card_id=card.pk,
        pipeline_id=target.pk,
        title=title,
        pipeline=target.name,
    )
    return card


@transaction.atomic
def card_update(
    *,
    card: Card,
    title: str,
    description: str,
    actor: User | None = None,
    base_version: int | None = None,
    over_claim: bool = True,
) -> Card:
    """Change a card's title and description.

    With `base_version`, a save based on an older version of the card is refused
    (no silent lost update); the caller shows the current text. Without `over_claim`,
    saving while someone else has the card's edit form open is refused (ClaimHeld) so
    the caller can ask for confirmation. Saving ends the saver's own claim.
    """
    title = clean_title(title, field=TITLE)
    description = clean_description(description)
    locked = lock_board(card.board)
    current = current_card(locked, card)
    if base_version is not None and current.version != base_version:
        raise StaleEdit(current)
    claim = active_claim(card=current)
    if claim is not None and not over_claim and (actor is None or claim.user_id != actor.pk):
        raise ClaimHeld(claim)
    old_title, old_description = current.title, current.description
    current.title, current.description = title, description
    current.search = card_text(title, description)
    current.version += 1
    current.rev = locked.version
    current.updated_by = acting(actor)
    current.save(update_fields=["title", "description", "search", "version", "rev", "updated_by", "updated_at"])
    if actor is not None:
        EditClaim.objects.filter(card=current, user_id=actor.pk).delete()
    events.record(
        board=locked,
        kind=events.CARD_UPDATED,
        actor=actor,
        card_id=current.pk,
        old_title=old_title,
        title=title,
        description_changed=old_description != description,
    )
    current.board = locked
    return current


@transaction.atomic
def card_move(
    *, card: Card, pipeline: Pipeline, after: int | None = None, before: int | None = None, actor: User | None = None
) -> Card:
    """Place a card in `pipeline` of its board, right after the card `after` (None: at the top).

    Mouse, touch, keyboard and the plain form all come here with the card's new neighbours
    as the page saw them (`after`, and `before` the card below it); only the moved card's
    row changes. A neighbour moved or deleted meanwhile still gives a sensible place: right
    before `before` if that one is still in the pipeline, else the end of the pipeline.
    """
    locked = lock_board(card.board)
    current = current_card(locked, card)
    target = current_pipeline(locked, pipeline)
    source = current.pipeline
    if target.pk != source.pk:
        check_room(locked, target)
    siblings = Card.objects.filter(pipeline=target).exclude(pk=current.pk)
    placed_after = ranks.neighbour(siblings, after=after, before=before)
    current.pipeline = target
    current.position = ranks.place_after(siblings, placed_after)
    current.save(update_fields=["pipeline", "position"])
    events.record(
        board=locked,
        kind=events.CARD_MOVED,
        actor=actor,
        card_id=current.pk,
        title=current.title,
        from_pipeline=source.pk,
        from_name=source.name,
        to_pipeline=target.pk,
        to_name=target.name,
        after=placed_after.pk if placed_after is not None else None,
    )
    card.pipeline, card.position = target, current.position
    return card


@transaction.atomic
def card_delete(*, card: Card, actor: User | None = None) -> None:
    """Delete a card (wherever it is now: it may have moved meanwhile).

    A second delete of one card (two pages, two clicks) finds it gone under the board's
    lock: Gone, and nothing is recorded.
    """
    locked = lock_board(card.board)
    try:
        current = current_card(locked, card)
    except ValidationError:
        raise Gone(_("This card is already gone: someone deleted it.")) from None
    card_id = current.pk
    current.delete()
    events.record(
        board=locked,
        kind=events.CARD_DELETED,
        actor=actor,
        card=card_id,
        pipeline_id=current.pipeline_id,
        title=current.title,
    )

"""Edit claims: who has a card's edit form open, so others are asked before saving over it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from board import events
from board.models import CLAIM_TTL, Card, EditClaim
from board.services.common import Gone, User, current_card, lock_board


def active_claim(*, card: Card) -> EditClaim | None:
    return EditClaim.objects.select_related("user").filter(card=card, expires_at__gt=timezone.now()).first()


@transaction.atomic
def claim_take(*, card: Card, user: User, page: str = "") -> EditClaim:
    """Mark the card as being edited by `user`, unless someone else holds a live claim.

    Returns the claim in force: the caller's own, or the other person's. Renewing one's own
    live claim (the form opened again) changes nothing others see: no version, no event.
    A card deleted meanwhile (its claims go with it) is Gone: no claim is stored for it.
    """
    current = active_claim(card=card)
    if current is not None and current.user_id == user.pk:
        expires_at = timezone.now() + CLAIM_TTL
        if EditClaim.objects.filter(pk=current.pk).update(page=page, expires_at=expires_at):
            current.page, current.expires_at = page, expires_at
            return current
        # The claim went meanwhile (released, or deleted with its card): take it anew.
    locked = lock_board(card.board)
    try:
        card = current_card(locked, card)
    except ValidationError:
        raise Gone(_("This card was deleted meanwhile: there is nothing left to edit.")) from None
    current = active_claim(card=card)
    if current is not None:
        # Someone else's live claim: nothing changes, so the version bump is undone (a
        # version no event carries would look to every process like a change it missed).
        transaction.set_rollback(True)
        return current
    claim, _created = EditClaim.objects.update_or_create(
        card=card, defaults={"user": user, "page": page, "expires_at": timezone.now() + CLAIM_TTL}
    )
    Card.objects.filter(pk=card.pk).update(rev=locked.version)
    events.record(board=locked, kind=events.CLAIM_TAKEN, actor=user, card_id=card.pk, title=card.title)
    return claim


@transaction.atomic
def claim_release(*, card: Card, user: User) -> bool:
    """End `user`'s claim on the card (saved or cancelled); return whether there was one."""
    if not EditClaim.objects.filter(card=card, user_id=user.pk).exists():
        return False
    locked = lock_board(card.board)
    EditClaim.objects.filter(card=card, user_id=user.pk).delete()
    Card.objects.filter(pk=card.pk).update(rev=locked.version)
    events.record(board=locked, kind=events.CLAIM_RELEASED, actor=user, card_id=card.pk, title=card.title)
    return True


def claims_release_page(*, page: str) -> int:
    """End the claims held by an open page whose socket is gone; return how many."""
    ended = 0
    for claim in list(EditClaim.objects.filter(page=page).select_related("card__board", "user")):
        ended += claim_release(card=claim.card, user=claim.user)
    return ended

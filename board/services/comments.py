"""Comments on cards: any member may comment, its author edits, its author or the owner deletes."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from board import events
from board.models import COMMENT_MAX, Card, Comment
from board.services.common import Gone, User, current_card, lock_board


def clean_comment(value: str | None) -> str:
    text = (value or "").replace("\r\n", "\n").strip()
    if not text:
        raise ValidationError("A comment cannot be empty.")
    if len(text) > COMMENT_MAX:
        raise ValidationError(f"A comment is at most {COMMENT_MAX} characters (this one has {len(text)}).")
    return text


@transaction.atomic
def comment_create(*, card: Card, author: User, body: str) -> Comment:
    """Add a comment to a card (any member may: it is how a viewer takes part)."""
    body = clean_comment(body)
    locked = lock_board(card.board)
    current = current_card(locked, card)
    comment = Comment.objects.create(card=current, author=author, body=body)
    Card.objects.filter(pk=current.pk).update(rev=locked.version)
    events.record(
        board=locked,
        kind=events.COMMENT_CREATED,
        actor=author,
        card_id=current.pk,
        comment_id=comment.pk,
        title=current.title,
    )
    return comment


@transaction.atomic
def comment_update(*, comment: Comment, actor: User, body: str) -> Comment:
    """Change one's own comment."""
    body = clean_comment(body)
    if comment.author_id != actor.pk:
        raise PermissionDenied(_("Only its author can edit a comment."))
    locked = lock_board(comment.card.board)
    if not Comment.objects.filter(pk=comment.pk).update(body=body, edited_at=timezone.now()):
        raise ValidationError(_("This comment no longer exists."))
    comment.refresh_from_db(fields=["body", "edited_at"])
    events.record(
        board=locked,
        kind=events.COMMENT_EDITED,
        actor=actor,
        card_id=comment.card_id,
        comment_id=comment.pk,
        title=comment.card.title,
    )
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, actor: User, moderator: bool = False) -> None:
    """Delete a comment: its author may, so may the board's owner, and staff moderating."""
    board = comment.card.board
    if not moderator and actor.pk not in (comment.author_id, board.owner_id):
        raise PermissionDenied(_("Only its author or the board's owner can delete a comment."))
    locked = lock_board(board)
    comment_id = comment.pk
    if not Comment.objects.filter(pk=comment_id).delete()[0]:
        raise Gone(_("This comment is already gone: someone deleted it."))
    Card.objects.filter(pk=comment.card_id).update(rev=locked.version)
    events.record(
        board=locked,
        kind=events.COMMENT_DELETED,
        actor=actor,
        card_id=comment.card_id,
        comment_id=comment_id,
        title=comment.card.title,
    )

"""Members: add, change role, remove."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from board import events
from board.models import Board, Card, EditClaim, Membership, Role
from board.services.common import User, lock_board


def _check_role(role: str) -> str:
    if role not in (Role.EDITOR, Role.VIEWER):
        raise ValidationError(_("Role must be editor or viewer."))
    return role


@transaction.atomic
def member_add(*, board: Board, username: str, role: str, actor: User | None = None) -> Membership:
    """Add a user (by username) to a board as editor or viewer."""
    role = _check_role(role)
    username = (username or "").strip()
    if not username:
        raise ValidationError(_("Username cannot be empty."))
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise ValidationError(_("No user is called %(name)s.") % {"name": repr(username[:150])})
    locked = lock_board(board)
    if user.pk == locked.owner_id:
        raise ValidationError(f"{username} owns this board already.")
    if Membership.objects.filter(board=locked, user=user).exists():
        raise ValidationError(f"{username} is a member already.")
    membership = Membership.objects.create(board=locked, user=user, role=role)
    events.record(
        board=locked, kind=events.MEMBER_ADDED, actor=actor, user_id=user.pk, username=user.get_username(), role=role
    )
    return membership


@transaction.atomic
def member_set_role(*, membership: Membership, role: str, actor: User | None = None) -> Membership:
    """Change a member's role; their open pages reload with the new controls."""
    role = _check_role(role)
    locked = lock_board(membership.board)
    if not Membership.objects.filter(pk=membership.pk, board=locked).exists():
        raise ValidationError(_("That member is no longer on this board."))  # removed meanwhile
    membership.role = role
    membership.save(update_fields=["role"])
    name = membership.user.get_username()
    events.record(
        board=locked, kind=events.MEMBER_ROLE_CHANGED, actor=actor, user_id=membership.user_id, username=name, role=role
    )
    return membership


@transaction.atomic
def member_remove(*, membership: Membership, actor: User | None = None) -> None:
    """Remove a member; their open pages stop receiving the board and say why."""
    locked = lock_board(membership.board)
    user_id, name = membership.user_id, membership.user.get_username()
    if not Membership.objects.filter(pk=membership.pk, board=locked).delete()[0]:
        raise ValidationError(_("That member is no longer on this board."))  # removed meanwhile
    claims = EditClaim.objects.filter(card__board=locked, user_id=user_id)
    released = list(claims.values_list("card_id", flat=True))
    claims.delete()
    if released:
        Card.objects.filter(pk__in=released).update(rev=locked.version)
    events.record(board=locked, kind=events.MEMBER_REMOVED, actor=actor, user_id=user_id, username=name, cards=released)

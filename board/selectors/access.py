"""Who may do what on a board."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.utils.translation import gettext as _

from board.models import Board, Membership, Role

EDIT_ROLES = (Role.OWNER, Role.EDITOR)


@dataclass(frozen=True)
class Access:
    """A user's view of one board: the board row and what they may do there."""

    board: Board
    role: str

    @property
    def can_edit(self) -> bool:
        return self.role in EDIT_ROLES

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER


def _with_role(user: AbstractBaseUser):
    member_role = Membership.objects.filter(board=OuterRef("pk"), user=user).values("role")[:1]
    return Board.objects.annotate(member_role=Subquery(member_role))


def role_of(*, board_id: int, user: AbstractBaseUser) -> str | None:
    """The user's role on a board (owner, editor, viewer), or None for a stranger or no such board."""
    if not user.is_authenticated:
        return None
    board = _with_role(user).filter(pk=board_id).first()
    if board is None:
        return None
    return Role.OWNER if board.owner_id == user.pk else board.member_role


def board_access(*, board_id: int, user: AbstractBaseUser) -> Access:
    """The board and the user's role on it; 404 for a stranger, so ids reveal nothing."""
    board = _with_role(user).filter(pk=board_id).first() if user.is_authenticated else None
    role = None
    if board is not None:
        role = Role.OWNER if board.owner_id == user.pk else board.member_role
    if role is None:
        raise Http404(_("No such board, or you are not a member of it."))
    return Access(board=board, role=role)


def boards_for_user(*, user: AbstractBaseUser) -> list[tuple[Board, str]]:
    """Boards the user owns or is a member of, with their role, owned first."""
    owned = [(b, Role.OWNER.value) for b in Board.objects.filter(owner=user).select_related("owner")]
    shared = [
        (m.board, m.role)
        for m in Membership.objects.filter(user=user).select_related("board", "board__owner").order_by("board__name")
    ]
    return owned + shared

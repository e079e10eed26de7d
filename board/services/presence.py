"""Presence: which people have a board open now (one row per open page)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from board.models import CLAIM_TTL, PRESENCE_TTL, EditClaim, Presence
from board.services.common import User


def _online_users(board_id: int) -> set[int]:
    fresh = timezone.now() - PRESENCE_TTL
    return set(Presence.objects.filter(board_id=board_id, seen_at__gt=fresh).values_list("user_id", flat=True))


def presence_join(*, board_id: int, user: User, page: str) -> bool:
    """An open page of the board (one per tab); return whether the set of people online changed."""
    before = _online_users(board_id)
    Presence.objects.create(board_id=board_id, user=user, page=page, seen_at=timezone.now())
    return user.pk not in before


def presence_leave(*, board_id: int, user_id: int, page: str) -> bool:
    """A page closed; return whether the set of people online changed (their last tab)."""
    Presence.objects.filter(board_id=board_id, user_id=user_id, page=page).delete()
    return user_id not in _online_users(board_id)


def presence_heartbeat(*, pages: Iterable[str]) -> None:
    """Open pages are still there: keep their presence and edit claims fresh."""
    pages = list(pages)
    if pages:
        now = timezone.now()
        Presence.objects.filter(page__in=pages).update(seen_at=now)
        EditClaim.objects.filter(page__in=pages).update(expires_at=now + CLAIM_TTL)

"""Presence: which people have a board open now (one row per open page)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from board.models import CLAIM_TTL, PRESENCE_TTL, EditClaim, Presence
from board.services.common import User


def _online_users(board_id: int) -> set[int]:
    fresh = timezone.now() - PRESENCE_TTL
    return set(Presence.objects.filter(board_id=board_id, seen_at__gt=fresh).values_list("user_id", flat=True))


def _here(board_id: int, user_id: int) -> bool:
    fresh = timezone.now() - PRESENCE_TTL
    return Presence.objects.filter(board_id=board_id, user_id=user_id, seen_at__gt=fresh).exists()


def presence_join(*, board_id: int, user: User, page: str) -> bool:
    """An open page of the board (one per tab); return whether the set of people online changed."""
    was_here = _here(board_id, user.pk)
    Presence.objects.create(board_id=board_id, user=user, page=page, seen_at=timezone.now())
    return not was_here


def presence_leave(*, board_id: int, user_id: int, page: str) -> bool:
    """A page closed; return whether the set of people online changed (their last tab)."""
    Presence.objects.filter(board_id=board_id, user_id=user_id, page=page).delete()
    return not _here(board_id, user_id)


def presence_heartbeat(*, pages: Iterable[str], claims: bool = True) -> int:
    """Open pages are still there: keep their presence (and their edit claims) fresh.

    Returns how many of the pages still had their row (see presence_restore for the others).
    """
    pages = list(pages)
    if not pages:
        return 0
    now = timezone.now()
    if claims:
        EditClaim.objects.filter(page__in=pages).update(expires_at=now + CLAIM_TTL)
    return Presence.objects.filter(page__in=pages).update(seen_at=now)


def presence_restore(*, pages: Iterable[tuple[int, int, str]]) -> set[int]:
    """Give open pages (board id, user id, page) whose row was swept their row back.

    A process that could not beat for PRESENCE_TTL (its database away) had its pages swept
    by the others; return the boards whose people changed.
    """
    pages = list(pages)
    have = set(Presence.objects.filter(page__in=[page for _, _, page in pages]).values_list("page", flat=True))
    missing = [(board_id, user_id, page) for board_id, user_id, page in pages if page not in have]
    if not missing:
        return set()
    now = timezone.now()
    boards = {board_id for board_id, _, _ in missing}
    before = {board_id: _online_users(board_id) for board_id in boards}
    Presence.objects.bulk_create(
        Presence(board_id=board_id, user_id=user_id, page=page, seen_at=now) for board_id, user_id, page in missing
    )
    return {board_id for board_id in boards if _online_users(board_id) != before[board_id]}


def presence_sweep() -> set[int]:
    """Forget pages not heard from for PRESENCE_TTL: those of a process killed (kill -9) or cut off.

    Any live process sweeps at each beat, so a restarted process clears what its dead
    predecessor left. Returns the boards that had such pages (their lists are sent again).
    """
    stale = Presence.objects.filter(seen_at__lt=timezone.now() - PRESENCE_TTL)
    boards = set(stale.values_list("board_id", flat=True).distinct())
    if boards:
        stale.delete()  # the same cut-off: a page that beat meanwhile stays
    return boards

"""Rendered card fragments, reused until the card changes.

A board of 1000 cards renders its page, its strip and its pipelines from these. Keyed by
the card's rev (the board version of its last visible change) and whether its edit claim
is live; bounded, per process. A card whose fragment is here needs only the columns of its
key to be shown again, so the selectors load the other columns only for the rest.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

MAX = 50_000

Key = tuple[int, int, bool]

# key -> (html, the "edited ... ago" text it was rendered with)
_rendered: dict[Key, tuple[str, str]] = {}


class CardKey(NamedTuple):
    """The columns of a card that pick its cached fragment (and age its "ago" text)."""

    pk: int
    pipeline_id: int
    rev: int
    updated_at: datetime
    updated_by_id: int | None
    claim_expires_at: datetime | None


def key(card: Any, now: datetime) -> Key:
    expires = getattr(card, "claim_expires_at", None)
    return (card.pk, card.rev, bool(expires and expires > now))


def get(found: Key) -> tuple[str, str] | None:
    return _rendered.get(found)


def has(found: Key) -> bool:
    return found in _rendered


def put(found: Key, html: str, when: str) -> tuple[str, str]:
    if len(_rendered) >= MAX:
        _rendered.clear()
    entry = _rendered[found] = (html, when)
    return entry

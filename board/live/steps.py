"""The recent steps of each board, kept a while so a page that reconnects gets only what it missed.

Each committed step is stored under its board, version and language in Django's cache (alias "steps":
local memory by default, shared by every process through Redis when configured). A page
that comes back showing version v is sent steps v+1 to the board's version if every one of
them is still kept in its language, else the whole board. Steps that never reached this cache (a write from
`manage.py shell` with the local-memory cache, Redis away) are simply missing: the whole
board is sent instead.
"""

from __future__ import annotations

import logging

from django.core.cache import caches

log = logging.getLogger("board.live")

CACHE = "steps"
MAX_RESUME = 200  # more missed steps than this: the whole board is smaller, and one render


def _key(board_id: int, version: int, language: str) -> str:
    return f"step:{board_id}:{version}:{language}"


def keep(board_id: int, version: int, html: dict[str, str]) -> None:
    """Remember a committed step in each language it was rendered in (never fails the write:
    a missing step costs a whole board)."""
    try:
        caches[CACHE].set_many({_key(board_id, version, language): text for language, text in html.items()})
    except Exception:  # noqa: BLE001 - Redis away: pages that reconnect get the whole board
        log.warning("step %s of board %s not kept", version, board_id, exc_info=True)


def since(board_id: int, shown: int, current: int, language: str) -> str | None:
    """Steps shown+1 .. current of the board in `language` as one message, or None if any is not kept."""
    if current - shown > MAX_RESUME:
        return None
    keys = [_key(board_id, version, language) for version in range(shown + 1, current + 1)]
    try:
        found = caches[CACHE].get_many(keys)
    except Exception:  # noqa: BLE001 - as above
        log.warning("steps of board %s unavailable; sending the whole board", board_id, exc_info=True)
        return None
    if len(found) < len(keys):
        return None
    return "".join(found[key] for key in keys)

"""Heal pages that missed a change: compare what this process delivered with the database.

A change can miss a process: a write from `manage.py shell` or a management command with the
in-memory layer reaches no server process, and with Redis a publish can fail while Redis is
away. Every write makes the next board version and sends exactly one broadcast carrying it,
so a process knows what it missed: the database's version is past what it delivered, or a
version between two it delivered never came. Either, if still so after a short grace (a
broadcast may be on its way), sends the board's pages the whole board again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from channels.db import database_sync_to_async

from board.models import Board

log = logging.getLogger("board.live")

WATCH_SECONDS = 0.25  # how often the versions of the boards shown here are compared
GRACE_SECONDS = 0.3  # how long a missing version may still be on its way
MAX_HOLES = 256  # versions awaited per board; beyond that the board is simply resynced


class Versions:
    """Per board: the newest version delivered here, and versions below it not delivered."""

    def __init__(self) -> None:
        self.seen: dict[int, int] = {}
        self.holes: dict[int, dict[int, float]] = {}
        self.behind_since: dict[int, float] = {}

    def delivered(self, board_id: int, version: int) -> None:
        seen = self.seen.get(board_id)
        holes = self.holes.setdefault(board_id, {})
        holes.pop(version, None)
        if seen is not None and version > seen + 1:
            now = time.monotonic()
            for missing in range(max(seen + 1, version - MAX_HOLES), version):
                holes[missing] = now
        if seen is None or version > seen:
            self.seen[board_id] = version

    def joined(self, board_id: int, version: int) -> None:
        """A page was sent the board up to `version`; the first one also tells where this process is."""
        self.seen.setdefault(board_id, version)

    def caught_up(self, board_id: int, version: int) -> None:
        """The pages were sent the whole board at `version`: nothing below it is missing."""
        self.seen[board_id] = max(self.seen.get(board_id, 0), version)
        self.holes[board_id] = {v: t for v, t in self.holes.get(board_id, {}).items() if v > version}
        self.behind_since.pop(board_id, None)

    def forget(self, board_id: int) -> None:
        for per_board in (self.seen, self.holes, self.behind_since):
            per_board.pop(board_id, None)

    def missed(self, board_id: int, database_version: int, now: float) -> bool:
        """Whether the board's pages missed something for longer than the grace."""
        holes = self.holes.get(board_id, {})
        if any(now - since >= GRACE_SECONDS for since in holes.values()):
            return True
        if database_version <= self.seen.get(board_id, 0):
            self.behind_since.pop(board_id, None)
            return False
        since = self.behind_since.setdefault(board_id, now)
        return now - since >= GRACE_SECONDS


def board_versions(board_ids: list[int]) -> dict[int, int | None]:
    found = dict(Board.objects.filter(pk__in=board_ids).values_list("pk", "version"))
    return {board_id: found.get(board_id) for board_id in board_ids}


async def watch_loop(
    boards: dict, versions: Versions, resync: Callable[[int], Awaitable[None]], gone: Callable[[int], Awaitable[None]]
) -> None:
    """One query per process per beat finds the shown `boards` whose pages missed a change."""
    while True:
        await asyncio.sleep(WATCH_SECONDS)
        if not boards:
            continue
        try:
            found = await database_sync_to_async(board_versions)(list(boards))
        except Exception:  # noqa: BLE001 - tried again at the next beat
            log.warning("could not read board versions", exc_info=True)
            continue
        now = time.monotonic()
        for board_id, version in found.items():
            if version is None:  # deleted where no broadcast could tell us
                await gone(board_id)
            elif versions.missed(board_id, version, now):
                log.info("board %s: pages missed a change; sending them the board again", board_id)
                await resync(board_id)

"""Who has a board open, and the upkeep of open pages' edit claims."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from channels.db import database_sync_to_async

from board import services
from board.live import fragments, languages
from board.live.protocol import group_name

log = logging.getLogger("board.live")


class Presence:
    # Each beat keeps this process's pages present, and sweeps pages no process keeps
    # (a process killed with kill -9): within PRESENCE_TTL and a beat they leave every list.
    HEARTBEAT_SECONDS = 3
    CLAIMS_EVERY = 10  # beats between refreshes of the open pages' edit claims (CLAIM_TTL is minutes)
    DELAY = 0.5  # coalesce joins and leaves into one presence broadcast
    FRAMES_PER_SECOND = 2000  # and no more presence frames than this to a board's pages here
    CLAIM_GRACE = 5.0  # a page whose socket is gone this long loses its edit claims

    def __init__(self, boards: dict, layer: Any) -> None:
        self.boards = boards  # the hub's: board id -> this process's open pages of it
        self.layer = layer
        self.pending: set[int] = set()
        self.background: set[asyncio.Task] = set()

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    def changed(self, board_id: int) -> None:
        """Someone came or went: broadcast who is here, once for a burst of changes."""
        if board_id not in self.pending:
            self.pending.add(board_id)
            self._spawn(self._send(board_id))

    async def _send(self, board_id: int) -> None:
        # Thousands watching one board as people come and go: one list every few seconds.
        await asyncio.sleep(max(self.DELAY, len(self.boards.get(board_id, ())) / self.FRAMES_PER_SECOND))
        self.pending.discard(board_id)
        try:
            html = await database_sync_to_async(self.render)(board_id)
            message = {"type": "board.fragments", "board": board_id, "version": 0, "html": html, "origin": ""}
            await self.layer.group_send(group_name(board_id), message)
        except Exception:  # noqa: BLE001 - presence heals at the next join, leave or resync
            log.warning("presence of board %s not sent", board_id, exc_info=True)

    @staticmethod
    def render(board_id: int) -> dict[str, str]:
        """Who is here, in each language the board's pages read."""
        return languages.variants(languages.in_use(board_id), lambda: fragments.render_presence(board_id))

    async def heartbeat_loop(self) -> None:
        beats = 0
        while True:
            await asyncio.sleep(self.HEARTBEAT_SECONDS)
            beats += 1
            pages = [(board, s.user_id, s.presence_key) for board, sockets in self.boards.items() for s in sockets]
            read = {(board, s.language) for board, sockets in self.boards.items() for s in sockets}
            try:
                changed = await database_sync_to_async(self.beat)(
                    pages, claims=beats % self.CLAIMS_EVERY == 0, languages_read=read
                )
            except Exception:  # noqa: BLE001 - retried at the next beat
                log.warning("presence heartbeat failed", exc_info=True)
                continue
            for board_id in changed:
                self.changed(board_id)

    @staticmethod
    def beat(pages: list[tuple[int, int, str]], *, claims: bool, languages_read=()) -> set[int]:
        """One beat: this process's pages are here, others' stale ones are not; return boards that changed.

        It also says again which languages this process's pages of each board read (board.live.languages).
        """
        languages.seen(languages_read)
        changed = set()
        if services.presence_heartbeat(pages=[page for _, _, page in pages], claims=claims) < len(pages):
            changed |= services.presence_restore(pages=pages)
        return changed | services.presence_sweep()

    def page_gone(self, page: str) -> None:
        """A page's socket closed: unless it comes back soon, its edit claims end."""
        if page:
            self._spawn(self._end_claims(page))

    async def _end_claims(self, page: str) -> None:
        await asyncio.sleep(self.CLAIM_GRACE)
        if any(s.page == page for sockets in self.boards.values() for s in sockets):
            return  # reconnected to this process meanwhile
        await database_sync_to_async(services.claims_release_page)(page=page)

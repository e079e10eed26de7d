"""One channel-layer subscription per process per board, fanned out to the process's sockets.

A channel-layer hop per socket costs 7-11x a plain broadcast at 1000 sockets, so each process
listens once per board and sends the same bytes to each of its own open pages that read the
same language (a broadcast carries one rendering per language in use on the board).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import Counter
from collections.abc import Callable
from typing import Any, Protocol

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.utils import translation

from board.live import fragments, healing, languages, presence, protocol
from board.live.protocol import (
    CLOSE_BOARD_GONE,
    CLOSE_FORBIDDEN,
    CLOSE_NOT_LOGGED_IN,
    CLOSE_ROLE_CHANGED,
    SESSIONS_GROUP,
    group_name,
)

log = logging.getLogger("board.live")


class Socket(Protocol):
    """What the hub needs of an open board page (the consumer)."""

    page: str
    presence_key: str
    user_id: int
    session: str
    language: str

    async def deliver(self, version: int, html: str) -> None: ...

    async def end(self, code: int, html: str) -> None: ...


class Hub:
    REFRESH_SECONDS = 1800  # re-add group memberships well within the layer's group expiry
    FANOUT_BATCH = 10  # sockets sent a broadcast between pauses that let the loop run what else is due

    def __init__(self) -> None:
        self.layer = get_channel_layer()
        self.channel: str | None = None
        self.boards: dict[int, set[Socket]] = {}
        self.healthy = True
        self.tasks: list[asyncio.Task] = []
        # The whole board as last rendered, per board and language: (version, html).
        self.resync_cache: dict[int, dict[str, tuple[int, str]]] = {}
        # How many of this process's pages of each board read each language.
        self.languages: dict[int, Counter[str]] = {}
        self.versions = healing.Versions()
        self.presence = presence.Presence(self.boards, self.layer)
        self.membership = asyncio.Lock()  # one join or leave at a time
        self.dispatching = asyncio.Lock()  # one message at a time, in the order they came

    async def join(self, board_id: int, socket: Socket) -> None:
        # Pages open together: the channel (a Redis layer subscribes to it, an await) and each
        # board's group membership are made once.
        async with self.membership:
            if self.channel is None:
                self.channel = await self.layer.new_channel("hub.")
                await self._subscribe(SESSIONS_GROUP)
            sockets = self.boards.get(board_id)
            if sockets is None:
                sockets = self.boards[board_id] = set()
                await self._subscribe(group_name(board_id))
            sockets.add(socket)
            self.languages.setdefault(board_id, Counter())[socket.language] += 1
        if not self.tasks or any(task.done() for task in self.tasks):
            for task in self.tasks:
                task.cancel()
            self.tasks = [
                asyncio.create_task(self._receive_loop()),
                asyncio.create_task(self._refresh_loop()),
                asyncio.create_task(self.presence.heartbeat_loop()),
                asyncio.create_task(healing.watch_loop(self.boards, self.versions, self.resync_board, self._gone)),
            ]

    async def leave(self, board_id: int, socket: Socket) -> None:
        async with self.membership:
            sockets = self.boards.get(board_id)
            if sockets is None:
                return
            self._drop(board_id, socket)
            if sockets:
                return
            del self.boards[board_id]
            self.languages.pop(board_id, None)
            self.resync_cache.pop(board_id, None)
            self.versions.forget(board_id)
            try:
                await self.layer.group_discard(group_name(board_id), self.channel)
            except Exception:  # noqa: BLE001 - the membership expires by itself
                log.info("could not leave group of board %s", board_id, exc_info=True)

    def _drop(self, board_id: int, socket: Socket) -> None:
        sockets = self.boards.get(board_id, set())
        if socket in sockets:
            sockets.discard(socket)
            readers = self.languages[board_id]
            readers[socket.language] -= 1
            if readers[socket.language] <= 0:
                del readers[socket.language]

    def _groups(self) -> list[str]:
        """Every group this process's channel belongs to: logouts, and each board shown here."""
        return [SESSIONS_GROUP, *(group_name(board_id) for board_id in self.boards)]

    async def _subscribe(self, group: str) -> None:
        try:
            await self.layer.group_add(group, self.channel)
        except Exception:  # noqa: BLE001 - the receive loop re-subscribes and resyncs
            log.warning("channel layer unavailable; %s will resync when it is back", group)
            self.healthy = False

    async def resync_html(self, board_id: int, language: str) -> tuple[int, str] | None:
        """The whole board for a (re)connecting page, rendered once per version and language per process."""
        version = (await database_sync_to_async(healing.board_versions)([board_id]))[board_id]
        cached = self.resync_cache.get(board_id, {}).get(language)
        if version is not None and cached and cached[0] == version:
            return cached
        fresh = await database_sync_to_async(languages.in_language)(language, fragments.render_resync, board_id)
        if fresh is not None and board_id in self.boards:
            self.resync_cache.setdefault(board_id, {})[language] = fresh
            self.versions.caught_up(board_id, fresh[0])
        return fresh

    async def resync_board(self, board_id: int) -> None:
        """Send the board's pages the whole board again (they missed something), once per language they read."""
        self.resync_cache.pop(board_id, None)
        await self._resync(board_id, list(self.boards.get(board_id, ())))

    async def _resync(self, board_id: int, sockets: list[Socket]) -> None:
        by_language: dict[str, list[Socket]] = {}
        for socket in sockets:
            by_language.setdefault(socket.language, []).append(socket)
        for language, readers in by_language.items():
            fresh = await self.resync_html(board_id, language)
            if fresh is None:
                await self._gone(board_id)
                return
            await self._send_each(board_id, readers, fresh[0], fresh[1])

    async def _gone(self, board_id: int) -> None:
        await self.dispatch({"type": "board.deleted", "board": board_id})

    async def _receive_loop(self) -> None:
        delay = 0.2
        while True:
            try:
                if not self.healthy:
                    for group in self._groups():
                        await self.layer.group_add(group, self.channel)
                    self.healthy = True
                    log.info("channel layer back; resyncing %d board(s)", len(self.boards))
                    for board_id in list(self.boards):
                        await self.resync_board(board_id)
                message = await self.layer.receive(self.channel)
                delay = 0.2
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - e.g. Redis went away: wait, then heal
                if self.healthy:
                    log.warning("channel layer receive failed; retrying", exc_info=True)
                self.healthy = False
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            try:
                await self.dispatch(message)
            except Exception:  # noqa: BLE001 - one bad message must not stop the fan-out
                log.exception("could not deliver %s", message.get("type"))

    async def _refresh_loop(self) -> None:
        while True:
            await asyncio.sleep(self.REFRESH_SECONDS)
            for group in self._groups():
                await self._subscribe(group)

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Hand one message to the local sockets it concerns, one message at a time."""
        async with self.dispatching:
            await self._dispatch(message)

    async def _dispatch(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "session.ended":
            for sockets in list(self.boards.values()):
                for socket in list(sockets):
                    if socket.session and socket.session == message["session"]:
                        await self._end(socket, CLOSE_NOT_LOGGED_IN, protocol.logged_out)
            return
        board_id = message["board"]
        if kind == "board.fragments":
            version = message["version"]
            cached = self.resync_cache.get(board_id)
            if version and cached:
                # Only a newer board drops a copy: presence lists carry version 0, and a
                # burst of joins would otherwise render the whole board again for each one.
                self.resync_cache[board_id] = {code: kept for code, kept in cached.items() if kept[0] >= version}
            if version:
                self.versions.delivered(board_id, version)
            html = message["html"]
            if isinstance(html, str):  # from a process of the release before languages, during a rolling restart
                html = {settings.LANGUAGE_CODE: html}
            await self._fan_out(board_id, version, html, origin=message.get("origin") or None)
        elif kind == "board.deleted":
            self.resync_cache.pop(board_id, None)
            for socket in list(self.boards.get(board_id, ())):
                await self._end(socket, CLOSE_BOARD_GONE, protocol.board_deleted)
        elif kind == "board.member":
            for socket in list(self.boards.get(board_id, ())):
                if socket.user_id != message["user"]:
                    continue
                if message["removed"]:
                    await self._end(socket, CLOSE_FORBIDDEN, protocol.removed)
                else:
                    await self._end(socket, CLOSE_ROLE_CHANGED, protocol.role_changed)

    async def _fan_out(self, board_id: int, version: int, html: dict[str, str], *, origin: str | None) -> None:
        """Each page gets the rendering in its language; one whose language is missing, the whole board in it."""
        by_language: dict[str, list[Socket]] = {}
        for socket in list(self.boards.get(board_id, ())):
            if socket.page != origin:
                by_language.setdefault(socket.language, []).append(socket)
        missing = []
        for language, readers in by_language.items():
            if language in html:
                await self._send_each(board_id, readers, version, html[language])
            else:  # it connected after the change was rendered
                missing.extend(readers)
        if not missing:
            return
        if version:
            await self._resync(board_id, missing)
            return
        for language in {socket.language for socket in missing}:  # who is here: just that list
            text = await database_sync_to_async(languages.in_language)(language, fragments.render_presence, board_id)
            await self._send_each(board_id, [s for s in missing if s.language == language], 0, text)

    async def _send_each(self, board_id: int, sockets: list[Socket], version: int, html: str) -> None:
        for index, socket in enumerate(sockets, 1):
            try:
                await socket.deliver(version, html)
            except Exception:  # noqa: BLE001 - a page whose socket is gone: drop it, serve the rest
                log.info("dropping a closed socket of board %s", board_id, exc_info=True)
                self._drop(board_id, socket)
            if index % self.FANOUT_BATCH == 0:
                # Let the loop write out what the sockets were given and run what else is due.
                await asyncio.sleep(0)

    async def _end(self, socket: Socket, code: int, say: Callable[[], str]) -> None:
        """Close a page's socket with a notice, in the page's language."""
        with translation.override(socket.language):
            html = say()
        try:
            await socket.end(code, html)
        except Exception:  # noqa: BLE001 - already closed: nothing left to tell it
            log.info("socket already closed", exc_info=True)


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def hub() -> Hub:
    """This process's hub (one per event loop: tests run several loops in one process)."""
    loop = asyncio.get_running_loop()
    found = _hubs.get(loop)
    if found is None:
        found = _hubs[loop] = Hub()
    return found

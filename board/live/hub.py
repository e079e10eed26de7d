"""One channel-layer subscription per process per board, fanned out to the process's sockets.

A channel-layer hop per socket costs 7-11x a plain broadcast at 1000 sockets, so each process
listens once per board and sends the same bytes to each of its own open pages.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Any, Protocol

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.urls import reverse
from django.utils.html import format_html

from board.live import fragments, healing, presence
from board.live.protocol import (
    CLOSE_BOARD_GONE,
    CLOSE_FORBIDDEN,
    CLOSE_NOT_LOGGED_IN,
    CLOSE_ROLE_CHANGED,
    SESSIONS_GROUP,
    group_name,
    notice,
)

log = logging.getLogger("board.live")


class Socket(Protocol):
    """What the hub needs of an open board page (the consumer)."""

    page: str
    presence_key: str
    user_id: int
    session: str

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
        self.resync_cache: dict[int, tuple[int, str]] = {}
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
            sockets.discard(socket)
            if sockets:
                return
            del self.boards[board_id]
            self.resync_cache.pop(board_id, None)
            self.versions.forget(board_id)
            try:
                await self.layer.group_discard(group_name(board_id), self.channel)
            except Exception:  # noqa: BLE001 - the membership expires by itself
                log.info("could not leave group of board %s", board_id, exc_info=True)

    def _groups(self) -> list[str]:
        """Every group this process's channel belongs to: logouts, and each board shown here."""
        return [SESSIONS_GROUP, *(group_name(board_id) for board_id in self.boards)]

    async def _subscribe(self, group: str) -> None:
        try:
            await self.layer.group_add(group, self.channel)
        except Exception:  # noqa: BLE001 - the receive loop re-subscribes and resyncs
            log.warning("channel layer unavailable; %s will resync when it is back", group)
            self.healthy = False

    async def resync_html(self, board_id: int) -> tuple[int, str] | None:
        """The whole board for a (re)connecting page, rendered once per version per process."""
        version = (await database_sync_to_async(healing.board_versions)([board_id]))[board_id]
        cached = self.resync_cache.get(board_id)
        if version is not None and cached and cached[0] == version:
            return cached
        fresh = await database_sync_to_async(fragments.render_resync)(board_id)
        if fresh is not None and board_id in self.boards:
            self.resync_cache[board_id] = fresh
            self.versions.caught_up(board_id, fresh[0])
        return fresh

    async def resync_board(self, board_id: int) -> None:
        """Send the board's pages the whole board again (they missed something)."""
        self.resync_cache.pop(board_id, None)
        fresh = await self.resync_html(board_id)
        if fresh is None:
            await self._gone(board_id)
            return
        await self._fan_out(board_id, fresh[0], fresh[1], origin=None)

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
            html = notice("You are logged out: this page no longer updates.", state="ended")
            for sockets in list(self.boards.values()):
                for socket in list(sockets):
                    if socket.session and socket.session == message["session"]:
                        await self._end(socket, CLOSE_NOT_LOGGED_IN, html)
            return
        board_id = message["board"]
        if kind == "board.fragments":
            version = message["version"]
            cached = self.resync_cache.get(board_id)
            if version and cached and version > cached[0]:
                # Only a newer board drops the copy: presence lists carry version 0, and a
                # burst of joins would otherwise render the whole board again for each one.
                del self.resync_cache[board_id]
            if version:
                self.versions.delivered(board_id, version)
            await self._fan_out(board_id, version, message["html"], origin=message.get("origin") or None)
        elif kind == "board.deleted":
            self.resync_cache.pop(board_id, None)
            home = reverse("home")
            text = format_html("This board was deleted. <a href='{}'>Back to your boards</a>", home)
            for socket in list(self.boards.get(board_id, ())):
                await self._end(socket, CLOSE_BOARD_GONE, notice(text, state="ended"))
        elif kind == "board.member":
            for socket in list(self.boards.get(board_id, ())):
                if socket.user_id != message["user"]:
                    continue
                if message["removed"]:
                    home = reverse("home")
                    text = format_html(
                        "You were removed from this board; it no longer updates. <a href='{}'>Your boards</a>", home
                    )
                    await self._end(socket, CLOSE_FORBIDDEN, notice(text, state="ended"))
                else:
                    await self._end(socket, CLOSE_ROLE_CHANGED, notice("Your role changed; reloading…", state="reload"))

    async def _fan_out(self, board_id: int, version: int, html: str, *, origin: str | None) -> None:
        sockets = list(self.boards.get(board_id, ()))
        for index, socket in enumerate(sockets, 1):
            if socket.page != origin:
                try:
                    await socket.deliver(version, html)
                except Exception:  # noqa: BLE001 - a page whose socket is gone: drop it, serve the rest
                    log.info("dropping a closed socket of board %s", board_id, exc_info=True)
                    self.boards.get(board_id, set()).discard(socket)
            if index % self.FANOUT_BATCH == 0:
                # Let the loop write out what the sockets were given and run what else is due.
                await asyncio.sleep(0)

    async def _end(self, socket: Socket, code: int, html: str) -> None:
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

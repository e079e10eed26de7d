"""The websocket of an open board page: authorise, join, resync, forward bytes."""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from board import live, selectors, services

MAX_FRAME = 4096


class BoardConsumer(AsyncWebsocketConsumer):
    """One per open board page; receives nothing, only forwards the board's broadcasts."""

    # No channel of its own: the process's hub subscribes once per board and fans out.
    channel_layer_alias = "__no_channel_per_socket__"

    board_id: int = 0
    page: str = ""
    user_id: int = 0
    joined = False

    async def connect(self) -> None:
        # Refusals accept first: a close code only reaches the page on an open socket.
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.accept()
            await self.close(code=live.CLOSE_NOT_LOGGED_IN)
            return
        self.board_id = int(self.scope["url_route"]["kwargs"]["board_id"])
        self.user_id = user.pk
        role = await database_sync_to_async(selectors.role_of)(board_id=self.board_id, user=user)
        if role is None:
            await self.accept()
            await self.close(code=live.CLOSE_FORBIDDEN)
            return
        page = parse_qs(self.scope.get("query_string", b"").decode()).get("page", [""])[0]
        self.page = page if live.PAGE_ID.match(page) else ""
        self.presence_key = self.page or secrets.token_urlsafe(12)
        self.pending: list[tuple[int, str]] | None = []
        await self.accept()
        hub = live.hub()
        # Join before rendering the resync, so nothing committed in between is missed;
        # broadcasts that arrive before the resync is sent wait in `pending`.
        await hub.join(self.board_id, self)
        self.joined = True
        if await database_sync_to_async(services.presence_join)(
            board_id=self.board_id, user=user, page=self.presence_key
        ):
            hub.presence_changed(self.board_id)
        fresh = await hub.resync_html(self.board_id)
        if fresh is None:
            await self.end(live.CLOSE_BOARD_GONE, "")
            return
        version, html = fresh
        await self.send(text_data=await database_sync_to_async(live.render_connect)(self.board_id, html))
        pending, self.pending = self.pending, None
        for later, fragment in pending:
            if later > version:
                await self.send(text_data=fragment)
        self._forget_handshake()

    def _forget_handshake(self) -> None:
        """Let go of what only the handshake needed: an idle board socket should be small.

        The scope lives as long as the socket; the socket only needs the ids it copied above.
        """
        for key in ("user", "session"):
            self.scope.pop(key, None)
        for key in ("cookies", "headers"):
            found = self.scope.get(key)
            if isinstance(found, dict | list):
                found.clear()

    async def deliver(self, version: int, html: str) -> None:
        if self.pending is not None:
            self.pending.append((version, html))
            return
        # The ASGI message itself: the same as self.send(text_data=html), a broadcast's
        # per-socket work being what a fan-out to many pages multiplies.
        await self.base_send({"type": "websocket.send", "text": html})

    async def end(self, code: int, html: str) -> None:
        if html:
            await self.send(text_data=html)
        await self._leave()
        await self.close(code=code)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        # The protocol defines no client messages: actions go over HTTP.
        size = len(text_data or "") + len(bytes_data or b"")
        await self._leave()
        await self.close(code=live.CLOSE_TOO_BIG if size > MAX_FRAME else live.CLOSE_CLIENT_MESSAGE)

    async def disconnect(self, code: int) -> None:
        await self._leave()

    async def _leave(self) -> None:
        if self.joined:
            self.joined = False
            hub = live.hub()
            await hub.leave(self.board_id, self)
            left = await database_sync_to_async(services.presence_leave)(
                board_id=self.board_id, user_id=self.user_id, page=self.presence_key
            )
            if left:
                hub.presence_changed(self.board_id)
            hub.page_gone(self.page)

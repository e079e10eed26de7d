"""The websocket of an open board page: authorise, join, resync, forward bytes."""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from board import i18n, selectors, services
from board.live import fragments, healing, languages, protocol, steps
from board.live.hub import hub


class BoardConsumer(AsyncWebsocketConsumer):
    """One per open board page; receives nothing, only forwards the board's broadcasts."""

    # No channel of its own: the process's hub subscribes once per board and fans out.
    channel_layer_alias = "__no_channel_per_socket__"

    board_id: int = 0
    page: str = ""
    presence_key: str = ""
    session: str = ""
    user_id: int = 0
    language: str = ""  # what its page reads: every fragment it is sent comes in it
    joined = False

    async def connect(self) -> None:
        # Refusals accept first: a close code only reaches the page on an open socket.
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.accept()
            await self.close(code=protocol.CLOSE_NOT_LOGGED_IN)
            return
        self.board_id = int(self.scope["url_route"]["kwargs"]["board_id"])
        self.user_id = user.pk
        # No such board and not a member look alike, as over HTTP: ids reveal nothing.
        if await database_sync_to_async(selectors.role_of)(board_id=self.board_id, user=user) is None:
            await self.accept()
            await self.close(code=protocol.CLOSE_FORBIDDEN)
            return
        query = parse_qs(self.scope.get("query_string", b"").decode())
        page = query.get("page", [""])[0]
        self.page = page if protocol.PAGE_ID.match(page) else ""
        shown = query.get("v", [""])[0]
        if shown and not protocol.VERSION.match(shown):
            await self.accept()
            await self.close(code=protocol.CLOSE_BAD_RESUME)
            return
        self.presence_key = self.page or secrets.token_urlsafe(12)
        self.session = protocol.session_tag(self.scope.get("session_key"))
        self.language = i18n.supported(self.scope.get("language")) or i18n.current()
        self.pending: list[tuple[int, str]] | None = []
        await self.accept()
        # Writers render their changes in the languages pages read: from now on, this one's too.
        await sync_to_async(languages.seen, thread_sensitive=False)([(self.board_id, self.language)])
        local = hub()
        # Join before rendering the resync, so nothing committed in between is missed;
        # broadcasts that arrive before the resync is sent wait in `pending`.
        await local.join(self.board_id, self)
        self.joined = True
        if await database_sync_to_async(services.presence_join)(
            board_id=self.board_id, user=user, page=self.presence_key
        ):
            local.presence.changed(self.board_id)
        current = (await database_sync_to_async(healing.board_versions)([self.board_id]))[self.board_id]
        if current is None:
            await self.end(protocol.CLOSE_BOARD_GONE, "")
            return
        if shown and int(shown) > current:  # not a page of this board as it is: it reloads
            await self.end(protocol.CLOSE_BAD_RESUME, "")
            return
        # A page showing version v gets what it missed since; without v (or too far
        # behind), the whole board.
        html = (
            await sync_to_async(steps.since, thread_sensitive=False)(self.board_id, int(shown), current, self.language)
            if shown
            else None
        )
        version = current
        if html is None:
            fresh = await local.resync_html(self.board_id, self.language)
            if fresh is None:
                await self.end(protocol.CLOSE_BOARD_GONE, "")
                return
            version, html = fresh
        local.versions.joined(self.board_id, version)
        presence = await database_sync_to_async(languages.in_language)(
            self.language, fragments.render_presence, self.board_id
        )
        await self.send(text_data=html + presence)
        pending, self.pending = self.pending, None
        for later, fragment in pending:
            if later > version or later == 0:
                await self.send(text_data=fragment)
        self._forget_handshake()

    def _forget_handshake(self) -> None:
        """Let go of what only the handshake needed: thousands of idle sockets should be small."""
        self.scope.pop("user", None)
        headers = self.scope.get("headers")
        if isinstance(headers, list):
            headers.clear()  # the same list in every copy of the scope

    async def deliver(self, version: int, html: str) -> None:
        if self.pending is not None:
            self.pending.append((version, html))
            return
        await self.send(text_data=html)

    async def end(self, code: int, html: str) -> None:
        if html:
            await self.send(text_data=html)
        await self._leave()
        await self.close(code=code)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        # The protocol defines no client messages: actions go over HTTP.
        await self._leave()
        await self.close(code=protocol.CLOSE_CLIENT_MESSAGE)

    async def disconnect(self, code: int) -> None:
        await self._leave()

    async def _leave(self) -> None:
        if self.joined:
            self.joined = False
            local = hub()
            await local.leave(self.board_id, self)
            left = await database_sync_to_async(services.presence_leave)(
                board_id=self.board_id, user_id=self.user_id, page=self.presence_key
            )
            if left:
                local.presence.changed(self.board_id)
            local.presence.page_gone(self.page)


class NoRouteConsumer(AsyncWebsocketConsumer):
    """A socket to a path that is no board's: refused with a close code, not a failed handshake."""

    async def connect(self) -> None:
        await self.accept()
        await self.close(code=protocol.CLOSE_NO_ROUTE)

"""A board socket's session and user, looked up once when it connects.

What channels' AuthMiddlewareStack puts in the scope (Django's own session store and
auth backends, through channels.auth.get_user), without its wrapper around every message
sent: that asks the session whether it changed before each send, a share of the server's
work per socket of every broadcast, and a board socket never changes its session. Of the
session the socket keeps only its key (to be closed when that session logs out); of the person
and the headers, the language its fragments come in (board.i18n, as the page's was found).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from channels.auth import get_user
from channels.db import database_sync_to_async
from django.conf import settings
from django.http.cookie import parse_cookie

from board import i18n


class SocketAuthMiddleware:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        cookies: dict[str, str] = {}
        accept_language = ""
        for name, value in scope.get("headers", ()):
            if name == b"cookie" and not cookies:
                cookies = parse_cookie(value.decode("latin1"))
            elif name == b"accept-language" and not accept_language:
                accept_language = value.decode("latin1")
        session = import_module(settings.SESSION_ENGINE).SessionStore(cookies.get(settings.SESSION_COOKIE_NAME))
        user = await get_user({"session": session})
        language = await database_sync_to_async(i18n.language_of)(user, cookies, accept_language)
        inner_scope = dict(
            scope, session_key=session.session_key if user.is_authenticated else None, user=user, language=language
        )
        del session, cookies  # an open socket should be small: it keeps only the ids it needs
        return await self.inner(inner_scope, receive, send)

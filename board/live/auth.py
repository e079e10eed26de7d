"""A board socket's session and user, looked up once when it connects.

What channels' AuthMiddlewareStack puts in the scope (Django's own session store and
auth backends, through channels.auth.get_user), without its wrapper around every message
sent: that asks the session whether it changed before each send, a share of the server's
work per socket of every broadcast, and a board socket never changes its session. Of the
session the socket keeps only its key (to be closed when that session logs out).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from channels.auth import get_user
from django.conf import settings
from django.http.cookie import parse_cookie


class SocketAuthMiddleware:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        cookies: dict[str, str] = {}
        for name, value in scope.get("headers", ()):
            if name == b"cookie":
                cookies = parse_cookie(value.decode("latin1"))
                break
        session = import_module(settings.SESSION_ENGINE).SessionStore(cookies.get(settings.SESSION_COOKIE_NAME))
        user = await get_user({"session": session})
        inner_scope = dict(scope, session_key=session.session_key if user.is_authenticated else None, user=user)
        del session, cookies  # an open socket should be small: it keeps only the ids it needs
        return await self.inner(inner_scope, receive, send)

"""Who is asking: the session and the user of every request and of every board socket.

Django's database sessions and model backend, except how they read: building the ORM
query cost several times running it (see selectors), and every request reads both.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from typing import Any

from channels.auth import get_user
from django.conf import settings
from django.contrib.auth import backends, get_user_model
from django.contrib.sessions.backends import db
from django.db import connection, models
from django.http.cookie import parse_cookie
from django.utils import timezone

from board.selectors import aware


class SessionStore(db.SessionStore):
    """Django's database session (SESSION_ENGINE = "board.auth")."""

    def _get_session_from_db(self) -> Any:
        model = self.model
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT session_key, session_data FROM {connection.ops.quote_name(model._meta.db_table)}"
                " WHERE session_key = %s AND expire_date > %s",
                [self.session_key, now],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return model.from_db(connection.alias, ["session_key", "session_data"], row)


@cache
def _user_select(model: type[models.Model], vendor: str) -> tuple[str, list[str], list[int]]:
    """The user's SELECT, its fields' names in column order, and which of them hold datetimes."""
    meta, quote = model._meta, connection.ops.quote_name
    fields = meta.concrete_fields
    sql = (
        f"SELECT {', '.join(quote(f.column) for f in fields)} FROM {quote(meta.db_table)}"
        f" WHERE {quote(meta.pk.column)} = %s"
    )
    dates = [i for i, f in enumerate(fields) if isinstance(f, models.DateTimeField)]
    return sql, [f.attname for f in fields], dates


class ModelBackend(backends.ModelBackend):
    """Django's model backend (usernames and passwords)."""

    def get_user(self, user_id: Any) -> Any:
        users = get_user_model()
        try:
            pk = users._meta.pk.to_python(user_id)
        except Exception:  # noqa: BLE001 - a session naming no valid id logs nobody in
            return None
        sql, names, dates = _user_select(users, connection.vendor)
        with connection.cursor() as cursor:
            cursor.execute(sql, [pk])
            row = cursor.fetchone()
        if row is None:
            return None
        values = list(row)
        for index in dates:
            values[index] = aware(values[index])
        user = users.from_db(connection.alias, names, values)
        return user if self.user_can_authenticate(user) else None


class WebsocketAuthMiddleware:
    """A websocket's session and user (scope["session"], scope["user"]), looked up once, at connect.

    What channels' AuthMiddlewareStack gives a consumer, without its session wrapper around
    `send`: that asks the session whether it changed before every message sent, a sixth of
    the server's work per socket of a broadcast, and a board socket never changes its session.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        cookies: dict[str, str] = {}
        for name, value in scope.get("headers", ()):
            if name == b"cookie":
                cookies = parse_cookie(value.decode("latin1"))
                break
        store = import_module(settings.SESSION_ENGINE).SessionStore
        session = store(cookies.get(settings.SESSION_COOKIE_NAME))
        user = await get_user({"session": session})
        return await self.inner(dict(scope, cookies=cookies, session=session, user=user), receive, send)

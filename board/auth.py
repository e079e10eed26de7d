"""The session and the user every request reads, each with one hand-written query.

Django's database sessions and model backend, except how they read: building the ORM
query cost several times running it (see selectors), and every request reads both.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import backends, get_user_model
from django.contrib.sessions.backends import db
from django.db import connection
from django.utils import timezone


class SessionStore(db.SessionStore):
    """Django's database session (SESSION_ENGINE = "board.auth")."""

    def _get_session_from_db(self) -> Any:
        model = self.model
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        found = model.objects.raw(
            f"SELECT session_key, session_data, expire_date FROM {connection.ops.quote_name(model._meta.db_table)}"
            " WHERE session_key = %s AND expire_date > %s",
            [self.session_key, now],
        )
        session = next(iter(found), None)
        if session is None:
            self._session_key = None
        return session


class ModelBackend(backends.ModelBackend):
    """Django's model backend (usernames and passwords)."""

    def get_user(self, user_id: Any) -> Any:
        users = get_user_model()
        meta = users._meta
        try:
            pk = meta.pk.to_python(user_id)
        except Exception:  # noqa: BLE001 - a session naming no valid id logs nobody in
            return None
        table, column = connection.ops.quote_name(meta.db_table), connection.ops.quote_name(meta.pk.column)
        user = next(iter(users._default_manager.raw(f"SELECT * FROM {table} WHERE {column} = %s", [pk])), None)
        return user if user is not None and self.user_can_authenticate(user) else None

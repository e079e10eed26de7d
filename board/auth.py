"""The name earlier releases logged people in with, kept so their sessions stay valid.

Django stores the backend's dotted path in each session and logs the session out when that
path is no longer in AUTHENTICATION_BACKENDS. This is Django's model backend under the old
name; it authenticates nobody itself, so a login always goes through Django's own.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend as DjangoModelBackend


class ModelBackend(DjangoModelBackend):
    def authenticate(self, request: Any, username: str | None = None, password: str | None = None, **kw: Any) -> None:
        return None

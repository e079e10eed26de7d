"""A person's API tokens: created (the token itself returned once; only its SHA-256 kept) and revoked."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from board.api.auth import digest, new_token
from board.models import ApiToken, TokenScope
from board.services.common import User, clean_title


@transaction.atomic
def token_create(*, user: User, name: str, scope: str, expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """A new token for `user`; the caller shows the returned secret once and forgets it."""
    raw = new_token()
    token = ApiToken.objects.create(
        user=user,
        name=clean_title(name, field="Name")[:100],
        scope=TokenScope(scope),
        key_hash=digest(raw),
        prefix=raw[:8],
        expires_at=expires_at,
    )
    return token, raw


@transaction.atomic
def token_revoke(*, token: ApiToken) -> None:
    """From now on the token authenticates nothing (kept, marked revoked, so the list says when)."""
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())

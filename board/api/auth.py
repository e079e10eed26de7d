"""Personal tokens: `Authorization: Bearer <token>`, and what a token's scope allows."""

from __future__ import annotations

import hashlib
import secrets

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from board.models import ApiToken, TokenScope


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return "lb_" + secrets.token_urlsafe(32)


class TokenRefused(exceptions.AuthenticationFailed):
    pass


class BearerTokenAuthentication(BaseAuthentication):
    """A personal token in the Authorization header; only its SHA-256 is looked up."""

    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None  # no token: the permission check answers 401 not_authenticated
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Malformed Authorization header: expected “Bearer <token>”."), code="malformed_token"
            )
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Malformed token."), code="malformed_token") from None
        found = ApiToken.objects.select_related("user").filter(key_hash=digest(token)).first()
        if found is None or not found.user.is_active:
            raise exceptions.AuthenticationFailed(_("Unknown token."), code="invalid_token")
        if found.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This token was revoked."), code="token_revoked")
        now = timezone.now()
        if found.expires_at is not None and found.expires_at <= now:
            raise exceptions.AuthenticationFailed(_("This token has expired."), code="token_expired")
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        return found.user, found

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class TokenScopeAllows(permissions.BasePermission):
    """A read-only token reads; writing needs a read-write token (and the board role, checked by the view)."""

    message = _("This token is read-only.")
    code = "read_only_token"

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        token = request.auth
        return isinstance(token, ApiToken) and token.scope == TokenScope.WRITE

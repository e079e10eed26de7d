"""Board sockets only from this deployment's own pages: the Origin check of the handshake.

Any site's page can open a websocket to any server, and the browser sends the visitor's
cookies with it; what it cannot forge is the Origin header. A socket is accepted when its
Origin is exactly the origin it was opened on (scheme, host and port, the host one of
ALLOWED_HOSTS, as Django checks an HTTP request's host) or one listed in LIVEBOARD_ORIGINS
(pages served through a proxy on another origin). Channels' AllowedHostsOriginValidator
compares hosts only, so `http://host:1` and `https://host` passed for `http://host`.

Refused handshakes are closed before they are accepted, as Channels closes them: the
server answers the upgrade with 403 and no socket opens.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http.request import split_domain_port, validate_host

log = logging.getLogger("board.live")

DEFAULT_PORTS = {"http": 80, "https": 443}
Origin = tuple[str, str, int]  # scheme, host (lowercase; IPv6 in brackets), port


def _host_port(netloc: str, scheme: str) -> tuple[str, int] | None:
    domain, port = split_domain_port(netloc)
    if not domain:
        return None
    number = int(port) if port else DEFAULT_PORTS[scheme]
    return (domain, number) if 0 < number < 65536 else None


def parse_origin(value: str) -> Origin | None:
    """An http(s) origin as (scheme, host, port), or None for anything else ("null", paths, junk)."""
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or parts.path not in ("", "/") or parts.query or parts.fragment:
        return None
    found = _host_port(parts.netloc, scheme)
    return (scheme, *found) if found else None


def _header(scope: dict, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin1")
    return None


def _scheme(scope: dict) -> str:
    """The scheme of the page that may open this socket, as Django decides request.is_secure()."""
    proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy:
        header, secure = proxy
        forwarded = _header(scope, header.removeprefix("HTTP_").lower().replace("_", "-").encode())
        if forwarded is not None:
            return "https" if forwarded.split(",", 1)[0].strip() == secure else "http"
    return "https" if scope.get("scheme") == "wss" else "http"


def socket_origin(scope: dict) -> Origin | None:
    """The origin the socket was opened on (its Host header), if that host is one of ours."""
    host = _header(scope, b"host")
    scheme = _scheme(scope)
    found = _host_port(host, scheme) if host else None
    if found is None:
        return None
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]  # Django's own default when debugging
    return (scheme, *found) if validate_host(found[0], allowed) else None


def listed_origins(values: Iterable[str]) -> frozenset[Origin]:
    origins = set()
    for value in values:
        origin = parse_origin(value)
        if origin is None:
            raise ImproperlyConfigured(f"LIVEBOARD_ORIGINS: {value!r} is not an origin like https://board.example.com")
        origins.add(origin)
    return frozenset(origins)


class SameOriginMiddleware:
    """Let a websocket through only from the deployment's own origins; refuse the handshake otherwise."""

    def __init__(self, inner: Any, origins: Iterable[str] | None = None) -> None:
        self.inner = inner
        self.listed = listed_origins(settings.LIVEBOARD_ORIGINS if origins is None else origins)

    def allowed(self, scope: dict) -> bool:
        origin = parse_origin(_header(scope, b"origin") or "")
        return origin is not None and (origin in self.listed or origin == socket_origin(scope))

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        if scope["type"] != "websocket" or self.allowed(scope):
            return await self.inner(scope, receive, send)
        log.info("websocket refused: origin %r, host %r", _header(scope, b"origin"), _header(scope, b"host"))
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.close"})  # before accepting: the upgrade is refused (403)
        return None

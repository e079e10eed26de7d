"""One POST to a hook's URL: signed, to a vetted address, never following redirects.

The URL's host is resolved once and every address it has must be public (unless
LIVEBOARD_WEBHOOKS_ALLOW_PRIVATE): the connection then goes to the address that was
checked, so a name that resolves elsewhere a moment later reaches nothing it should not.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import socket
import ssl
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

SIGNATURE = "X-LiveBoard-Signature"
DELIVERY = "X-LiveBoard-Delivery"
TIMESTAMP = "X-LiveBoard-Timestamp"
EVENT = "X-LiveBoard-Event"


class Refused(Exception):
    """The URL may not be sent to (scheme, or a private address): retrying will not help."""


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def check_url(url: str) -> None:
    """Refuse a URL that is not http(s) or names a private address outright (names are checked when sending)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused(_("A webhook URL must start with http:// or https:// and name a host."))
    host = parts.hostname
    if host == "localhost" or host.endswith(".localhost"):
        _check_address("127.0.0.1", host)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return
    _check_address(host, host)


def _check_address(address: str, host: str) -> None:
    if settings.LIVEBOARD_WEBHOOKS_ALLOW_PRIVATE:
        return
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if not ip.is_global or ip.is_multicast:
        raise Refused(
            _("%(host)s is a loopback, link-local or private address: webhooks are not sent there.") % {"host": host}
        )


class _Pinned(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedTLS(_Pinned):
    default_port = 443

    def connect(self) -> None:
        super().connect()
        self.sock = ssl.create_default_context().wrap_socket(self.sock, server_hostname=self.host)


def post(url: str, *, secret: str, body: str, uid: str, kind: str) -> int:
    """POST the body; the receiver's status code (any), or an OSError / Refused."""
    check_url(url)
    parts = urlsplit(url)
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    addresses = [info[4][0] for info in infos]
    for address in addresses:
        _check_address(address, parts.hostname)
    connection = (_PinnedTLS if https else _Pinned)(
        parts.hostname, port, addresses[0], settings.LIVEBOARD_WEBHOOKS_TIMEOUT
    )
    data = body.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "LiveBoard-Webhooks/1",
        EVENT: kind,
        DELIVERY: uid,
        TIMESTAMP: str(int(time.time())),
        SIGNATURE: sign(secret, data),
    }
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        connection.request("POST", path, body=data, headers=headers)
        response = connection.getresponse()
        response.read(64 * 1024)
        return response.status
    finally:
        connection.close()

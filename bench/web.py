"""HTTP as a logged-in page makes it: a kept-alive connection, htmx and CSRF headers."""

from __future__ import annotations

import http.client
import secrets
import time
import urllib.parse


class Browser:
    """One user's HTTP/1.1 connection to one server (kept alive, as a browser does)."""

    def __init__(self, base_url: str, cookie: str) -> None:
        parts = urllib.parse.urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.origin = f"http://{parts.netloc}"
        self.cookie = cookie
        self.csrf = secrets.token_hex(16)
        self.conn: http.client.HTTPConnection | None = None

    def _request(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, str]:
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                return response.status, response.read().decode()
            except (http.client.HTTPException, ConnectionError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def post(self, path: str, data: dict[str, str | int | list]) -> tuple[int, str, float]:
        """An htmx POST; returns status, body and seconds from sending to the whole answer."""
        from django.conf import settings

        headers = {
            "Cookie": f"{self.cookie}; {settings.CSRF_COOKIE_NAME}={self.csrf}",
            "X-CSRFToken": self.csrf,
            "HX-Request": "true",
            "Origin": self.origin,
            "Content-Type": "application/x-www-form-urlencoded",
        }
        body = urllib.parse.urlencode(data, doseq=True).encode()
        started = time.monotonic()
        status, text = self._request("POST", path, body, headers)
        return status, text, time.monotonic() - started

    def get(self, path: str) -> tuple[int, str]:
        return self._request("GET", path, None, {"Cookie": self.cookie})

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

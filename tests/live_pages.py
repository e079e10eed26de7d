"""Open board pages over real sockets, kept as static/board.js keeps them, for tests of whole deployments.

Each page is built from the board page's HTML (tests.pages.Page), applies the steps of its socket and of
its own HTTP answers in order, and reconnects as htmx's ws extension does (after a random wait of up to
a second, doubling), saying which version it shows (`&v=`); a step that does not fit makes it reconnect
asking for the whole board, as board.js does. It has no timer for a gap that stays (board.js
resumes after 1.5 s): here a page converges only by what the server sends it unasked.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable

from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.sync.client import connect

from tests.pages import Page, board_order


class LivePage:
    def __init__(self, html: str, *, origin: str, headers: dict[str, str], ssl=None) -> None:
        self.page = Page(html)
        socket = re.search(r'ws-connect="([^"?]+)\?page=([^"]+)"', html)
        self.path, self.page_id = socket.group(1), socket.group(2)
        self.csrf = re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)
        self.origin, self.headers, self.ssl = origin, headers, ssl
        self.lock = threading.Lock()
        self.opened = threading.Event()
        self.stopped = threading.Event()
        self.connects = 0
        self.local_port = 0  # of the socket now open (its address on the server's side of the proxy)
        self.ws = None
        self.whole = False
        self.thread = threading.Thread(target=self._run, name=f"page-{self.page_id}", daemon=True)
        self.thread.start()

    def url(self) -> str:
        base = self.origin.replace("https://", "wss://").replace("http://", "ws://")
        return f"{base}{self.path}?page={self.page_id}" + ("" if self.whole else f"&v={self.page.shown}")

    def _run(self) -> None:
        retry = 0
        while not self.stopped.is_set():
            try:
                with connect(
                    self.url(),
                    ssl=self.ssl,
                    additional_headers={**self.headers, "Origin": self.origin},
                    open_timeout=5,
                    max_size=2**22,
                ) as ws:
                    retry = 0
                    self._serve(ws)
            except (OSError, InvalidHandshake, TimeoutError):
                pass
            if not self.stopped.is_set():
                time.sleep(1.0 * 2 ** min(retry, 6) * random.random())  # htmx's full jitter
                retry += 1

    def _serve(self, ws) -> None:
        with self.lock:
            self.ws, self.connects, self.whole = ws, self.connects + 1, False
            self.local_port = ws.socket.getsockname()[1]
        self.opened.set()
        try:
            for message in ws:
                self.receive(message)
                if self.whole:  # a step did not fit: ask for the whole board
                    ws.close()
        except ConnectionClosed:
            pass
        finally:
            self.opened.clear()
            with self.lock:
                self.ws = None

    def receive(self, html: str) -> None:
        """A socket message or one of the page's own HTTP answers."""
        with self.lock:
            before = self.page.resyncs
            self.page.receive(html)
            self.whole = self.whole or self.page.resyncs > before

    def shows(self) -> tuple[int, list[tuple[int, list[int]]]]:
        """The version shown and the pipelines in order, each with its cards in order."""
        with self.lock:
            return self.page.shown, list(self.page.order().items())

    def wait_open(self, timeout: float = 10) -> None:
        assert self.opened.wait(timeout), f"page {self.page_id}: no socket within {timeout} s"

    def close(self) -> None:
        self.stopped.set()
        with self.lock:
            ws = self.ws
        if ws is not None:
            ws.close()
        self.thread.join(timeout=10)


def wait_until(condition: Callable[[], bool], *, timeout: float, what: str) -> float:
    """Seconds until `condition` held (checked every 20 ms); fails after `timeout`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.02)
    return time.monotonic() - started


def converged(pages: list[LivePage], board) -> Callable[[], bool]:
    """Every page shows the database's version and its order of pipelines and cards."""

    def check() -> bool:
        board.refresh_from_db(fields=["version"])
        wanted = (board.version, list(board_order(board).items()))
        return all(page.shows() == wanted for page in pages)

    return check

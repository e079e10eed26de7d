"""Which open page a request came from, and the fragments its writes rendered.

The page that made a change has it from its HTTP answer and is not sent it again over its
socket (the page's htmx sends a header naming it); the answer reuses the fragments the
broadcast rendered, so both carry the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from board.live.protocol import PAGE_HEADER, PAGE_ID

_origin: ContextVar[str] = ContextVar("liveboard_origin", default="")
_captured: ContextVar[list[str] | None] = ContextVar("liveboard_captured", default=None)


def current_page() -> str:
    """The open page (tab) this request came from, if it said."""
    return _origin.get()


class OriginPageMiddleware:
    """Remember which open page sent this request (header set by the page's htmx)."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        page = request.META.get(PAGE_HEADER, "")
        token = _origin.set(page if PAGE_ID.match(page) else "")
        try:
            return self.get_response(request)
        finally:
            _origin.reset(token)


@dataclass
class Captured:
    fragments: list[str] = field(default_factory=list)

    @property
    def html(self) -> str:
        return "".join(self.fragments)


@contextmanager
def capture() -> Iterator[Captured]:
    """Collect the fragments that writes inside the block render, to answer with them."""
    captured = Captured()
    token = _captured.set(captured.fragments)
    try:
        yield captured
    finally:
        _captured.reset(token)


def capturing() -> bool:
    """Whether a request is waiting to answer with what its writes render."""
    return _captured.get() is not None


def keep(html: str) -> None:
    """A write rendered these fragments: the request's answer carries them too."""
    captured = _captured.get()
    if captured is not None:
        captured.append(html)

"""Which languages a board's open pages read, so a change is rendered once in each of them.

Each process's hub says, for every board it shows, which languages its pages read: when a
page connects and at every presence beat (board.live.presence), as short-lived entries in
Django's default cache (shared by every process through Redis when configured). A write
renders its fragments in those languages and its own; a page whose language a broadcast
lacks (it connected meanwhile) is sent the whole board in its language instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from board import i18n
from board.models import PRESENCE_TTL

log = logging.getLogger("board.live")

SECONDS = int(PRESENCE_TTL.total_seconds())  # a process beats every 3 s: gone within this after its pages


def _key(board_id: int, language: str) -> str:
    return f"live-language:{board_id}:{language}"


def seen(pairs: Iterable[tuple[int, str]]) -> None:
    """These (board, language) pairs have open pages here (never fails: a write then renders every language)."""
    entries = {_key(board_id, language): 1 for board_id, language in set(pairs)}
    if not entries:
        return
    try:
        cache.set_many(entries, SECONDS)
    except Exception:  # noqa: BLE001 - the cache away: writes render every language meanwhile
        log.warning("languages of open pages not noted", exc_info=True)


def in_use(board_id: int, *, also: str | None = None) -> list[str]:
    """The languages to render a change of the board in: `also` (the writer's, first), then those its pages read.

    With neither, the default language: the steps kept for pages that come back need one.
    """
    codes = i18n.codes()
    try:
        found = cache.get_many([_key(board_id, code) for code in codes])
    except Exception:  # noqa: BLE001 - not knowing, render them all
        log.warning("languages of board %s unknown; rendering every language", board_id, exc_info=True)
        found = {_key(board_id, code): 1 for code in codes}
    read = [code for code in codes if _key(board_id, code) in found and code != also]
    if also:
        return [also, *read]
    return read or [settings.LANGUAGE_CODE]


T = TypeVar("T")


def in_language(language: str, render: Callable[..., T], *args: Any) -> T:
    """`render(*args)` with `language` active (for code outside a request: sockets, the hub)."""
    with translation.override(language):
        return render(*args)


def variants(languages: list[str], render: Callable[[], str]) -> dict[str, str]:
    """One rendering per language: what a change sends to the pages reading each."""
    return {language: in_language(language, render) for language in languages}

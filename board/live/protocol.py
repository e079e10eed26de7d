"""The board socket's protocol: its URL's page id, its groups, its close codes (see the README)."""

from __future__ import annotations

import hashlib
import re

from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

CLOSE_NOT_LOGGED_IN = 4401  # not logged in, or logged out meanwhile
CLOSE_FORBIDDEN = 4403  # no such board, not a member, or removed from the board
CLOSE_BOARD_GONE = 4404  # the board was deleted while the page had it open
CLOSE_CLIENT_MESSAGE = 4400  # clients send nothing: the socket only broadcasts
CLOSE_ROLE_CHANGED = 4009  # the page reloads to show the controls of the new role
CLOSE_NO_ROUTE = 4404  # a socket to a path that is no board's
CLOSE_BAD_RESUME = 4422  # the version a page says it shows is not a number, or newer than the board: it reloads

PAGE_HEADER = "HTTP_X_LIVEBOARD_PAGE"
PAGE_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
VERSION = re.compile(r"^[0-9]{1,18}$")  # a board version a page says it shows (?v=)

# Every process's hub listens here for sessions that ended (a logout in any tab).
SESSIONS_GROUP = "liveboard-sessions"


def group_name(board_id: int) -> str:
    return f"board-{board_id}"


def session_tag(session_key: str | None) -> str:
    """What a logout broadcast names a session by: not the key itself, which logs people in."""
    return hashlib.sha256((session_key or "").encode()).hexdigest()[:32] if session_key else ""


def notice(text: str, *, state: str) -> SafeString:
    """A status line swapped into the page's live-status area."""
    return format_html('<div id="live-status" class="live-status" data-state="{}" role="status">{}</div>', state, text)


# The notices a page is closed with (the close codes above), rendered in its reader's language.
def logged_out() -> str:
    return notice(_("You are logged out: this page no longer updates."), state="ended")


def board_deleted() -> str:
    text = format_html(_("This board was deleted. <a href='{}'>Back to your boards</a>"), reverse("home"))
    return notice(text, state="ended")


def removed() -> str:
    text = format_html(
        _("You were removed from this board; it no longer updates. <a href='{}'>Your boards</a>"), reverse("home")
    )
    return notice(text, state="ended")


def role_changed() -> str:
    return notice(_("Your role changed; reloading…"), state="reload")

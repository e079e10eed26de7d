"""Template filters: safe Markdown, initials for avatars, relative times, activity lines, the script's words."""

from __future__ import annotations

import markdown as md
import nh3
from django import template
from django.utils import timezone
from django.utils.html import json_script
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from board import events, forms
from board.models import Activity

register = template.Library()

# Relative times, by the size of their unit: the page's script counts on in the same words.
_UNITS = (
    (86400, lambda n: ngettext("%(count)d day ago", "%(count)d days ago", n)),
    (3600, lambda n: ngettext("%(count)d hour ago", "%(count)d hours ago", n)),
    (60, lambda n: ngettext("%(count)d minute ago", "%(count)d minutes ago", n)),
)


@register.filter
def markdown(text: str) -> SafeString:
    """Markdown to HTML, then sanitised: raw HTML and script links never survive."""
    html = md.markdown(text or "", extensions=["nl2br", "sane_lists"], output_format="html")
    return mark_safe(nh3.clean(html, link_rel="noopener noreferrer nofollow", url_schemes={"http", "https", "mailto"}))


@register.filter
def initials(name: str) -> str:
    parts = [p for p in str(name).replace("_", " ").replace(".", " ").split() if p]
    if not parts:
        return "?"
    if len(parts) == 1:
        return parts[0][:2].upper()
    return (parts[0][0] + parts[-1][0]).upper()


@register.filter
def ago(value, now=None) -> str:
    """“just now”, “5 minutes ago” (「5分前」): the same words the page's script keeps up to date."""
    if not value:
        return ""
    seconds = int(((now or timezone.now()) - value).total_seconds())
    for size, words in _UNITS:
        if seconds >= size:
            count = seconds // size
            return words(count) % {"count": count}
    return _("just now")


@register.filter
def activity_line(event: Activity) -> SafeString:
    """An event's whole line in the activity list (who, then what), from its data, in the active language."""
    return events.line(event)


@register.filter
def role_label(role: str) -> str:
    """A role's name in the active language, as tags show it ("owner", 「オーナー」)."""
    return events.role_word(role)


@register.simple_tag
def language_choices() -> list[tuple[str, str]]:
    return forms.language_choices()


@register.simple_tag
def script_strings() -> SafeString:
    """The words static/board.js says, in the page's language: the script itself holds none.

    `{name}`-style holes are filled by the script; each relative time has its form for 1 and for more.
    """
    words = {
        "justNow": _("just now"),
        "ago": {
            unit: [str(words(1)), str(words(2))] for unit, (_size, words) in zip(("d", "h", "m"), _UNITS, strict=True)
        },
        "unreachable": _("Could not reach the server. Check your connection and try again."),
        "unreachableWrite": _(
            "Could not reach the server; your change was not saved. Check your connection and try again."
        ),
        "timeout": _("The server did not answer in time. Check your connection and try again."),
        "timeoutWrite": _(
            "The server did not answer in time; your change may not have been saved. "
            "Check your connection and try again."
        ),
        "delayed": _("Live updates are delayed."),
        "reconnecting": _("Reconnecting…"),
        "loggedOut": _("You are logged out: this page no longer updates."),
        "unavailable": _("This board is no longer available to you."),
        "place": _("position {n} of {total}"),
        "placeIn": _("position {n} of {total} in {pipeline}"),
        "refused": _("The move was refused."),
        "notSaved": _("The move was not saved."),
        "pickedUp": _("Picked up {name}, {place}. Arrow keys move it, Space or Enter drops it, Escape cancels."),
        "droppedHere": _("Dropped where it was."),
        "dropped": _("Dropped {name} at {place}."),
        "refusedBack": _("The move was refused: {name} is back where it was."),
        "cancelled": _("Move cancelled; {name} is back at {place}."),
        "at": _("{place}."),
    }
    return json_script(words, "lb-text")

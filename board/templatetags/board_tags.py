"""Template filters: safe Markdown, initials for avatars, relative times, activity lines."""

from __future__ import annotations

import markdown as md
import nh3
from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from board import events
from board.models import Activity

register = template.Library()


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
    """“just now”, “5 minutes ago”: the same words the page's script keeps up to date."""
    if not value:
        return ""
    seconds = int(((now or timezone.now()) - value).total_seconds())
    if seconds < 60:
        return "just now"
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count > 1 else ''} ago"
    return "just now"


@register.filter
def activity_line(event: Activity) -> SafeString:
    """An event's line in the activity list, from its data, in the active language."""
    return events.describe(event)

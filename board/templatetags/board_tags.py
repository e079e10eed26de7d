"""Template filters: safe Markdown, initials for avatars."""

from __future__ import annotations

import markdown as md
import nh3
from django import template
from django.utils.safestring import SafeString, mark_safe

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
    from django.utils import timezone

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


@register.simple_tag(takes_context=True)
def cards_html(context, cards) -> SafeString:
    """The card fragments (`board/board.html#card`) of a pipeline, in order (see card_cache).

    One tag for the whole list: a move re-renders two pipelines of mostly cached cards, and a
    template loop calling a tag per card cost more than the cards themselves.
    """
    from django.template.loader import render_to_string
    from django.utils import timezone

    from board import card_cache, selectors

    now = context.get("now") or timezone.now()
    hidden = context.get("hidden")
    parts = []
    for card in cards:
        key = card_cache.key(card, now)
        when = ago(card.updated_at, now) if card.updated_by_id else ""
        found = card_cache.get(key)
        if found is None:
            if isinstance(card, card_cache.CardKey):  # its fragment was dropped since it was loaded
                card = selectors.cards_for_fragments([card.pk])[0]
            html = render_to_string("board/board.html#card", {"board": context["board"], "card": card, "now": now})
            found = card_cache.put(key, html, when)
        html, then = found
        if when != then:  # only the "5 minutes ago" text ages
            html = html.replace(f">{then}</time>", f">{when}</time>", 1)
        if hidden and card.pk in hidden:
            end = html.index(">")  # the <li>'s own: its attributes hold no ">"
            html = f"{html[:end]} hidden{html[end:]}"
        parts.append(html)
    return mark_safe("".join(parts))

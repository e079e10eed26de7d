"""What a checklist or attachment event changes in an open card dialog (the face comes with the card).

A new checklist is appended to the card's list of checklists, a deleted one removed, and any
other change re-renders that one checklist, on every page showing the card (optional: a page
without the dialog open drops them).
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from board import events, selectors
from board.models import Activity


def for_event(event: Activity, context: dict[str, Any]) -> str:
    if event.kind in events.ATTACHMENT:  # the card's list of attachments, where a dialog shows it
        shown = {**context, "card": {"id": event.card_id}, "oob": True}
        return render_to_string(
            "board/attachments.html#list", {**shown, "attachments": selectors.card_attachments(card_id=event.card_id)}
        ).strip()
    checklist_id = int(event.data["checklist_id"])
    if event.kind == events.CHECKLIST_DELETED:
        return f'<div id="checklist-{checklist_id}" hx-swap-oob="delete" data-opt></div>'
    found = [c for c in selectors.card_checklists(card_id=event.card_id) if c.pk == checklist_id]
    if not found:
        return ""
    new = event.kind == events.CHECKLIST_CREATED
    html = render_to_string(
        "board/checklists.html#checklist", {**context, "checklist": found[0], "oob": not new}
    ).strip()
    return f'<div hx-swap-oob="beforeend:#checklists-{event.card_id}" data-opt>{html}</div>' if new else html

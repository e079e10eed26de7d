"""What a screen reader says of someone else's change: one short sentence per event.

Rendered once with the step (board.live.broadcast), from the event's data, so it reads the
same whatever the page shows; the page says it politely, gathering a burst into one
announcement, and never for its reader's own changes.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

from board import events
from board.models import Activity

_SAYS: dict[str, Callable[[dict], str]] = {
    events.BOARD_RENAMED: lambda d: _("{actor} renamed the board to “{new}”.").format_map(d),
    events.MEMBER_ADDED: lambda d: _("{actor} added {username} to the board.").format_map(d),
    events.MEMBER_ROLE_CHANGED: lambda d: _("{actor} made {username} {role}.").format_map(d),
    events.MEMBER_REMOVED: lambda d: _("{actor} removed {username} from the board.").format_map(d),
    events.PIPELINE_CREATED: lambda d: _("{actor} added the pipeline “{name}”.").format_map(d),
    events.PIPELINE_RENAMED: lambda d: _("{actor} renamed the pipeline “{old}” to “{new}”.").format_map(d),
    events.PIPELINE_MOVED: lambda d: _("{actor} moved the pipeline “{name}”.").format_map(d),
    events.PIPELINE_DELETED: lambda d: _("{actor} deleted the pipeline “{name}”.").format_map(d),
    events.PIPELINE_LIMIT_SET: lambda d: (
        _("{actor} set the limit of “{name}” to {limit}.")
        if d["limit"]
        else _("{actor} removed the limit of “{name}”.")
    ).format_map(d),
    events.BOARD_LIMITS_SET: lambda d: (
        _("{actor} made the board’s limits hard.") if d["hard"] else _("{actor} made the board’s limits soft.")
    ).format_map(d),
    events.CARD_CREATED: lambda d: _("{actor} added “{title}” to {pipeline}.").format_map(d),
    events.CARD_UPDATED: lambda d: _("{actor} edited “{title}”.").format_map(d),
    events.CARD_MOVED: lambda d: _("{actor} moved “{title}” to {to_name}.").format_map(d),
    events.CARD_DELETED: lambda d: _("{actor} deleted “{title}”.").format_map(d),
    events.COMMENT_CREATED: lambda d: _("{actor} commented on “{title}”.").format_map(d),
    events.COMMENT_DELETED: lambda d: _("{actor} deleted a comment on “{title}”.").format_map(d),
    events.LABEL_CREATED: lambda d: _("{actor} added the label “{name}”.").format_map(d),
    events.LABEL_UPDATED: lambda d: _("{actor} changed the label “{old_name}”.").format_map(d),
    events.LABEL_DELETED: lambda d: _("{actor} deleted the label “{name}”.").format_map(d),
    events.CARD_LABELS_SET: lambda d: _("{actor} changed the labels of “{title}”.").format_map(d),
}


def say(event: Activity) -> str:
    """The sentence for `event` (plain text), or "" for a change not worth interrupting anyone for."""
    line = _SAYS.get(event.kind)
    if line is None:  # edit claims, comment edits: they change a badge, not the work
        return ""
    actor = event.actor.get_username() if event.actor_id else _("Someone")
    try:
        return line({**event.data, "actor": actor})
    except (KeyError, TypeError, ValueError):  # data of an older shape: the page shows the change anyway
        return ""

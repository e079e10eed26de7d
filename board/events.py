"""The event vocabulary: every write to a board records exactly one event.

An event is a kind and its data, stored as the board's activity row with the board version
it made. It is what the activity line is rendered from (in the reader's language, so an
old line reads in today's words), what the live broadcast renders its fragments from (see
board.live.fragments, connected to `recorded`), and what later readers of a board's
changes (webhooks, an API's feed, undo) start from. Services name events, never fragments.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.dispatch import Signal
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext, pgettext_lazy

from board.models import Activity, Board

BOARD_RENAMED = "board.renamed"
BOARD_IMPORTED = "board.imported"  # a file's pipelines and cards, added at once: pages get the whole board
BOARD_DELETED = "board.deleted"  # its row goes with the board; what it drives is the pages being closed
MEMBER_ADDED = "member.added"
MEMBER_ROLE_CHANGED = "member.role_changed"
MEMBER_REMOVED = "member.removed"
PIPELINE_CREATED = "pipeline.created"
PIPELINE_RENAMED = "pipeline.renamed"
PIPELINE_MOVED = "pipeline.moved"
PIPELINE_DELETED = "pipeline.deleted"
PIPELINE_LIMIT_SET = "pipeline.limit_set"
BOARD_LIMITS_SET = "board.limits_set"
CARD_CREATED = "card.created"
CARD_UPDATED = "card.updated"
CARD_MOVED = "card.moved"
CARD_DELETED = "card.deleted"
COMMENT_CREATED = "comment.created"
COMMENT_EDITED = "comment.edited"
COMMENT_DELETED = "comment.deleted"
CLAIM_TAKEN = "claim.taken"
CLAIM_RELEASED = "claim.released"
LABEL_CREATED = "label.created"
LABEL_UPDATED = "label.updated"
LABEL_DELETED = "label.deleted"
CARD_LABELS_SET = "card.labels_set"
LEGACY = "legacy"  # a line written as English text before events were data

# Kinds that make no line in the activity list: they change what a card shows, not the work.
UNLISTED = (CLAIM_TAKEN, CLAIM_RELEASED, COMMENT_EDITED)

# Sent inside the write's transaction, under the board's row lock, once the row is saved.
recorded = Signal()


def record(
    *, board: Board, kind: str, actor: AbstractBaseUser | None = None, card_id: int | None = None, **data: Any
) -> Activity:
    """Store one event of `board` at its current version and announce it (`recorded`)."""
    who = actor if actor is not None and actor.is_authenticated else None
    event = Activity.objects.create(
        board=board, card_id=card_id, actor=who, kind=kind, data=data, version=board.version
    )
    recorded.send(sender=Activity, event=event, board=board)
    return event


def _imported(data: dict) -> SafeString:
    cards, pipelines = data.get("cards", 0), data.get("pipelines", 0)
    text = ngettext("imported {cards} card", "imported {cards} cards", cards)
    if pipelines:
        text += " " + ngettext("in {pipelines} new pipeline", "in {pipelines} new pipelines", pipelines)
    return format_html(text + " ({source})", cards=cards, pipelines=pipelines, source=data.get("source", ""))


def _pipeline_move(data: dict) -> SafeString:
    return format_html(_("moved the pipeline “{name}”"), name=data["name"])


def _limit_set(data: dict) -> SafeString:
    if data["limit"] is None:
        return format_html(_("removed the limit of the pipeline “{name}”"), name=data["name"])
    return format_html(_("set the limit of the pipeline “{name}” to {limit}"), name=data["name"], limit=data["limit"])


def _limits_set(data: dict) -> SafeString:
    if data["hard"]:
        return format_html("{}", _("made the board’s limits hard: a full pipeline takes no more cards"))
    return format_html("{}", _("made the board’s limits soft: a pipeline over its limit is only marked"))


def _card_updated(data: dict) -> SafeString:
    if data.get("old_title") != data["title"] and data.get("description_changed"):
        text = _("renamed “{old}” to “{title}” and edited its description")
    elif data.get("old_title") != data["title"]:
        text = _("renamed “{old}” to “{title}”")
    else:
        text = _("edited the description of “{title}”")
    return format_html(text, old=data.get("old_title", ""), title=data["title"])


def _card_moved(data: dict) -> SafeString:
    if data["from_pipeline"] == data["to_pipeline"]:
        return format_html(_("moved “{title}” within {to}"), title=data["title"], to=data["to_name"])
    return format_html(
        _("moved “{title}” from {source} to {to}"), title=data["title"], source=data["from_name"], to=data["to_name"]
    )


# A role as a sentence names it ("added sam as editor").
_ROLE_WORDS = {
    "owner": pgettext_lazy("role in a sentence", "owner"),
    "editor": pgettext_lazy("role in a sentence", "editor"),
    "viewer": pgettext_lazy("role in a sentence", "viewer"),
}


def role_word(value: str) -> str:
    """A role as a sentence or a tag names it, in the active language ("editor", 「編集者」)."""
    return str(_ROLE_WORDS.get(value, value))


_LINES = {
    BOARD_RENAMED: lambda d: format_html(_("renamed the board from “{old}” to “{new}”"), old=d["old"], new=d["new"]),
    BOARD_IMPORTED: _imported,
    BOARD_DELETED: lambda d: format_html(_("deleted the board “{name}”"), name=d["name"]),
    MEMBER_ADDED: lambda d: format_html(_("added {name} as {role}"), name=d["username"], role=role_word(d["role"])),
    MEMBER_ROLE_CHANGED: lambda d: format_html(_("made {name} {role}"), name=d["username"], role=role_word(d["role"])),
    MEMBER_REMOVED: lambda d: format_html(_("removed {name} from the board"), name=d["username"]),
    PIPELINE_CREATED: lambda d: format_html(_("added the pipeline “{name}”"), name=d["name"]),
    PIPELINE_RENAMED: lambda d: format_html(_("renamed the pipeline “{old}” to “{new}”"), old=d["old"], new=d["new"]),
    PIPELINE_MOVED: _pipeline_move,
    PIPELINE_DELETED: lambda d: format_html(_("deleted the pipeline “{name}” and its cards"), name=d["name"]),
    PIPELINE_LIMIT_SET: _limit_set,
    BOARD_LIMITS_SET: _limits_set,
    CARD_CREATED: lambda d: format_html(_("created “{title}” in {pipeline}"), title=d["title"], pipeline=d["pipeline"]),
    CARD_UPDATED: _card_updated,
    CARD_MOVED: _card_moved,
    CARD_DELETED: lambda d: format_html(_("deleted “{title}”"), title=d["title"]),
    COMMENT_CREATED: lambda d: format_html(_("commented on “{title}”"), title=d["title"]),
    COMMENT_EDITED: lambda d: format_html(_("edited a comment on “{title}”"), title=d["title"]),
    COMMENT_DELETED: lambda d: format_html(_("deleted a comment on “{title}”"), title=d["title"]),
    CLAIM_TAKEN: lambda d: format_html(_("started editing “{title}”"), title=d["title"]),
    CLAIM_RELEASED: lambda d: format_html(_("stopped editing “{title}”"), title=d["title"]),
    LEGACY: lambda d: format_html("{}", d.get("text", "")),
}


def _label_updated(data: dict) -> SafeString:
    if data["old_name"] != data["name"]:
        return format_html(_("renamed the label “{old}” to “{new}”"), old=data["old_name"], new=data["name"])
    return format_html(_("changed the colour of the label “{name}”"), name=data["name"])


def _card_labels_set(data: dict) -> SafeString:
    added, removed = ", ".join(data["added"]), ", ".join(data["removed"])
    if added and removed:
        text = _("labelled “{title}” {added} and took off {removed}")
    elif added:
        text = _("labelled “{title}” {added}")
    elif removed:
        text = _("took the labels {removed} off “{title}”")
    else:
        text = _("kept the labels of “{title}”")
    return format_html(text, title=data["title"], added=added, removed=removed)


_LINES.update(
    {
        LABEL_CREATED: lambda d: format_html(_("added the label “{name}”"), name=d["name"]),
        LABEL_UPDATED: _label_updated,
        LABEL_DELETED: lambda d: format_html(_("deleted the label “{name}”"), name=d["name"]),
        CARD_LABELS_SET: _card_labels_set,
    }
)


def describe(event: Activity) -> SafeString:
    """The event's activity line (after the actor's name), in the active language."""
    line = _LINES.get(event.kind)
    try:
        return line(event.data) if line is not None else format_html("{}", event.kind)
    except (KeyError, TypeError):  # data of an older shape: say what kind of change it was
        return format_html("{}", event.kind)


def line(event: Activity) -> SafeString:
    """The event's whole line: who (or "someone"), then what, in the active language."""
    actor = event.actor if event.actor_id else None
    if actor is not None:
        who = format_html("<strong>{}</strong>", actor.get_username())
        return format_html(_("{actor} {action}"), actor=who, action=describe(event))
    who = format_html("<strong>{}</strong>", _("someone"))
    return format_html(
        pgettext("activity line without an actor", "{actor} {action}"), actor=who, action=describe(event)
    )

"""Event -> the fragments it changes, rendered once per language in use, stamped with the board's version.

The same bytes go to every open page of the board that reads that language (and to the
writer's HTTP answer), so a fragment never depends on who reads it: what a role may not use,
the page hides and the server refuses.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import time
from datetime import datetime
from operator import itemgetter
from typing import Any

from django.core.cache import caches
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from board import events, i18n, selectors
from board.models import Activity, Board, LabelColour
from board.templatetags.board_tags import ago

log = logging.getLogger("board.live")

CARDS_CACHE = "fragments"
CARD_PARTIAL = "board/strip.html#card"

# Which parts of the board each kind of event changes. Events not named change nothing
# shown but their activity line.
_HEADER = {events.BOARD_RENAMED, events.MEMBER_ADDED, events.MEMBER_ROLE_CHANGED, events.MEMBER_REMOVED}
_HEADER.add(events.BOARD_LIMITS_SET)  # the owner's soft/hard choice in the header's menu
_PIPELINE = {events.PIPELINE_CREATED, events.PIPELINE_MOVED, events.PIPELINE_RENAMED, events.PIPELINE_DELETED}
_PIPELINE.add(events.PIPELINE_LIMIT_SET)
_CARD_PLACE = {events.CARD_CREATED, events.CARD_MOVED, events.CARD_DELETED}
# Events that change too much for a delta: their step is the whole board (header and strip).
WHOLE = {events.BOARD_IMPORTED}
_LABELS = {events.LABEL_CREATED, events.LABEL_UPDATED, events.LABEL_DELETED}
_CARD = {
    events.CARD_LABELS_SET,
    events.CARD_UPDATED,
    events.CLAIM_TAKEN,
    events.CLAIM_RELEASED,
    events.COMMENT_CREATED,
    events.COMMENT_DELETED,
}


# What a card's fragment shows, from its row (selectors.fragment_rows): all but its pipeline.
_SHOWN = itemgetter(
    "id", "board_id", "title", "rev", "updated_at", "editor", "claim_user", "claim_expires_at",
    "has_description", "n_comments",
)  # fmt: skip


def _digest(shown: Any) -> str:
    return base64.urlsafe_b64encode(hashlib.blake2b(repr(shown).encode(), digest_size=16).digest()).decode()


def _card_key(card: dict[str, Any], extra: tuple) -> str:
    """A rendered card's cache key: everything its fragment shows (its language too), so it can never be stale."""
    return "card:" + _digest((_SHOWN(card), extra, i18n.current()))


def _extras(card: dict[str, Any], now: datetime, hidden) -> tuple[bool, str, bool]:
    """What a card shows beyond its row: a live claim, how long ago it was edited, hidden by the filter."""
    claim_live = bool(card["claim_expires_at"] and card["claim_expires_at"] > now)
    when = ago(card["updated_at"], now) if card["editor"] else ""
    return claim_live, when, card["id"] in hidden


def render_cards(
    board: Board,
    cards: list[dict[str, Any]],
    *,
    now: datetime,
    by: int | None = None,
    oob: bool = False,
    hidden=(),
    labels: dict | None = None,
) -> SafeString:
    """The card fragments of these rows (selectors.fragment_rows), reusing those rendered before.

    A move re-renders two pipelines of mostly unchanged cards and a page of 1000 cards renders
    all of them: each is looked up by what it shows (Django's cache; local memory by default,
    shared through Redis when configured) and only the others are rendered.
    """
    contexts = {}
    for card in cards:
        claim_live, when, is_hidden = _extras(card, now, hidden)
        key = _card_key(card, (claim_live, when, by, oob, is_hidden))
        contexts[key] = {"card": card, "claim_live": claim_live, "ago": when, "by": by, "oob": oob, "hidden": is_hidden}
    cache = caches[CARDS_CACHE]
    try:
        found = cache.get_many(list(contexts))
    except Exception:  # noqa: BLE001 - a shared cache that is away (Redis) only costs rendering
        log.warning("card fragment cache unavailable; rendering every card", exc_info=True)
        cache, found = None, {}
    wanted = [context["card"]["id"] for key, context in contexts.items() if key not in found]
    if labels is None:  # what rev stands for: services bump it
        labels = selectors.labels_of_cards(wanted) if wanted else {}
    missing = {
        key: render_to_string(CARD_PARTIAL, {**context, "labels": labels.get(context["card"]["id"], ())})
        for key, context in contexts.items()
        if key not in found
    }
    found.update(missing)
    if missing and cache is not None:
        try:
            cache.set_many(missing)
        except Exception:  # noqa: BLE001 - as above
            log.warning("card fragments not cached", exc_info=True)
    return mark_safe("".join(found[key] for key in contexts))


def with_cards_html(board: Board, pipelines: list, *, now: datetime, hidden=()) -> list:
    """Give each pipeline (with its `card_list`) the HTML of its cards, `cards_html`.

    A page shows every card of the board, and a cache lookup per card costs more than the
    rest of the page on a board of thousands. So each pipeline's cards are also kept as one
    piece, under the pipeline's id (one entry per pipeline, overwritten when it changes, so
    the cache does not fill with old pipelines) next to a digest of everything its cards show:
    a pipeline whose cards show what they showed costs one lookup; any other is put together
    card by card as before. A filtered page keeps its own entry, so it does not evict the
    plain page's.
    """
    variant = "filtered" if hidden else "all"
    language = i18n.current()
    wanted = {f"cards-of:{p.pk}:{variant}:{language}": p for p in pipelines}
    digests = {
        key: _digest([(_SHOWN(card), _extras(card, now, hidden)) for card in p.card_list]) for key, p in wanted.items()
    }
    cache = caches[CARDS_CACHE]
    try:
        found = cache.get_many(list(wanted)) if wanted else {}
    except Exception:  # noqa: BLE001 - a shared cache that is away (Redis) only costs rendering
        found = {}
    fresh = {}
    stale = [p for key, p in wanted.items() if found.get(key) is None or found[key][0] != digests[key]]
    # The labels of every card to put together, in one query whatever the number of pipelines.
    labels = selectors.labels_of_cards([c["id"] for p in stale for c in p.card_list]) if stale else {}
    for key, pipeline in wanted.items():
        kept = found.get(key)
        if kept is not None and kept[0] == digests[key]:
            pipeline.cards_html = mark_safe(kept[1])
            continue
        pipeline.cards_html = render_cards(board, pipeline.card_list, now=now, hidden=hidden, labels=labels)
        fresh[key] = (digests[key], str(pipeline.cards_html))
    if fresh:
        try:
            cache.set_many(fresh)
        except Exception:  # noqa: BLE001 - as above
            log.warning("pipeline fragments not cached", exc_info=True)
    return pipelines


def _context(board: Board, by: int | None) -> dict[str, Any]:
    return {
        "board": board,
        "can_edit": True,  # every control is sent; the page hides what its reader's role may not use
        "is_owner": True,
        "oob": True,
        "now": timezone.now(),
        "by": by,
        "csrf_token": "",  # shared by every page: each sends its own token in a header
    }


def header(board: Board, context: dict[str, Any]) -> str:
    context = {**context, "members": selectors.members(board=board)}
    return render_to_string("board/header.html#header", context) + render_to_string("board/header.html#crumb", context)


def strip(board: Board, context: dict[str, Any]) -> str:
    shown = with_cards_html(board, selectors.board_pipelines(board=board), now=context["now"])
    return render_to_string("board/strip.html#strip", {**context, "pipelines": shown})


def pipelines(board: Board, ids: list[int], context: dict[str, Any]) -> str:
    parts = []
    shown = selectors.pipelines_by_id(board=board, ids=sorted(set(ids)))
    for pipeline in with_cards_html(board, shown, now=context["now"]):
        parts.append(render_to_string("board/strip.html#pipeline", {**context, "pipeline": pipeline}))
    return "".join(parts)


def labels_panel(board: Board, context: dict[str, Any]) -> str:
    labels = {"labels": selectors.board_labels(board=board), "colours": LabelColour.choices}
    return render_to_string("board/labels.html#labels_panel", {**context, **labels})


def pipeline_name(board: Board, pipeline_id: int, context: dict[str, Any]) -> str:
    """A renamed pipeline's name, where its head shows it and in its rename form."""
    shown = selectors.pipelines_by_id(board=board, ids=[pipeline_id], with_cards=False)
    parts = ("board/strip.html#pipeline_name", "board/strip.html#rename_field")
    return "".join(render_to_string(part, {**context, "pipeline": p}) for p in shown for part in parts)


def counts(board: Board, ids: list[int], context: dict[str, Any]) -> str:
    """The card counts (and limits) of these pipelines (of the board, named by an event), each as its own swap."""
    shown = selectors.pipeline_counts(board=board, pipeline_ids=ids)
    parts = ["board/strip.html#count"] + (["board/strip.html#limit_field"] if context.get("limit_field") else [])
    return "".join(render_to_string(part, {**context, "pipeline": p}) for p in shown for part in parts)


def placed(item: str, parent: str, after: str | None, by: int | None) -> str:
    """Move an element the page has (`item`, an id) into `parent`, right after `after` (None: first).

    The page moves its own node: a move sends neither the item nor its list again, so it
    costs the same in a pipeline of 5 cards or 5000.
    """
    after_attr = format_html(' data-after="{}"', after) if after else ""
    by_attr = format_html(' data-by="{}"', by) if by else ""
    return format_html('<i id="{}" data-in="{}"{}{} hidden></i>', item, parent, after_attr, by_attr)


def inserted(target: str, html: str, *, where: str = "beforeend") -> str:
    return f'<div hx-swap-oob="{where}:#{target}">{html}</div>'


def deleted(item: str) -> str:
    return format_html('<i id="{}" hx-swap-oob="delete"></i>', item)


def card_steps(board: Board, event: Activity, context: dict[str, Any]) -> str:
    """What a card's creation, move or deletion changes: the card's place and the counts."""
    kind, data = event.kind, event.data
    if kind == events.CARD_MOVED:
        after = data.get("after")
        place = placed(
            f"card-{event.card_id}", f"cards-{data['to_pipeline']}", after and f"card-{after}", event.actor_id
        )
        return place + counts(board, [data["from_pipeline"], data["to_pipeline"]], context)
    if kind == events.CARD_CREATED:
        rows = selectors.cards_by_id(board=board, ids=[event.card_id])
        card = render_cards(board, rows, now=context["now"], by=event.actor_id)
        return inserted(f"cards-{data['pipeline_id']}", card) + counts(board, [data["pipeline_id"]], context)
    return deleted(f"card-{data['card']}") + counts(board, [data["pipeline_id"]], context)


def pipeline_steps(board: Board, event: Activity, context: dict[str, Any]) -> str:
    """What a pipeline's creation, move, rename or deletion changes."""
    kind, data = event.kind, event.data
    pipeline = data["pipeline"]
    if kind == events.PIPELINE_MOVED:
        after = data.get("after")
        return placed(f"pipeline-{pipeline}", "pipelines", after and f"pipeline-{after}", event.actor_id)
    if kind == events.PIPELINE_CREATED:
        return inserted("pipelines-end", pipelines(board, [pipeline], {**context, "oob": False}), where="beforebegin")
    if kind == events.PIPELINE_RENAMED:
        return pipeline_name(board, pipeline, context)
    if kind == events.PIPELINE_LIMIT_SET:  # its count ("4 / 5") and the limit in its menu
        return counts(board, [pipeline], {**context, "limit_field": True})
    return deleted(f"pipeline-{pipeline}")


def activity_line(event: Activity, context: dict[str, Any]) -> str:
    """The event's line, once, for the board's list and the card's history alike."""
    item = render_to_string("board/history.html#items", {**context, "activities": [event]})
    # One copy for both lists: htmx swaps it into every element the selector finds.
    targets = f"#activity-list, #history-{event.card_id}" if event.card_id else "#activity-list"
    return f'<div hx-swap-oob="afterbegin:{targets}">{item}</div>'


def comment(board: Board, comment_id: int, context: dict[str, Any], *, new: bool) -> str:
    found = selectors.comments_by_id(board=board, ids=[comment_id])
    if not found:
        return ""
    html = render_to_string("board/comments.html#comment", {**context, "comment": found[0], "oob": not new})
    # A new comment is appended to the thread of any page showing the card.
    return f'<div hx-swap-oob="beforeend:#comments-{found[0].card_id}" data-opt>{html}</div>' if new else html


def for_event(event: Activity, board: Board) -> str:
    """The fragments `event` changed, as out-of-band swaps, rendered from the database as it is now."""
    kind, data = event.kind, event.data
    context = _context(board, event.actor_id)
    parts: list[str] = []
    if kind in WHOLE:
        parts.append(header(board, context) + strip(board, context))
    if kind in _HEADER:
        parts.append(header(board, context))
    if kind in _PIPELINE:
        parts.append(pipeline_steps(board, event, context))
    if kind in _CARD_PLACE:
        parts.append(card_steps(board, event, context))
    if kind in _LABELS:
        parts.append(labels_panel(board, context))
    cards = list(data.get("cards", ())) if kind in (events.MEMBER_REMOVED, *_LABELS) else []
    if kind in _CARD and event.card_id:
        cards.append(event.card_id)
    if cards:
        rows = selectors.cards_by_id(board=board, ids=cards)
        parts.append(render_cards(board, rows, now=context["now"], by=event.actor_id, oob=True))
    if kind == events.COMMENT_CREATED:
        parts.append(comment(board, data["comment_id"], context, new=True))
    if kind == events.COMMENT_EDITED:
        parts.append(comment(board, data["comment_id"], context, new=False))
    if kind == events.COMMENT_DELETED:
        parts.append(f'<li id="comment-{int(data["comment_id"])}" hx-swap-oob="delete" data-opt></li>')
    if kind not in events.UNLISTED and kind != events.BOARD_DELETED:
        parts.append(activity_line(event, context))
    return "".join(parts)


def step(version: int, html: str, *, whole: bool = False, say: str = "", by: int | None = None) -> str:
    """One board version's changes, to be applied in version order (`whole`: the board itself).

    A page applies version v only on top of v - 1; one it cannot apply makes it ask for the
    whole board. So a change may be sent as a delta of any size and a page still never shows
    an older state or a mix. `say`: the sentence a screen reader hears on the pages of members
    other than `by`, who made the change (board.live.announce).
    """
    told = format_html(' data-say="{}" data-by="{}"', say, by or "") if say else ""
    return f'<template data-step="{int(version)}"{" data-whole" if whole else ""}{told}>{html}</template>'


def presence_context(board_id: int) -> dict[str, Any]:
    """Who has the board open now (the first faces, how many more), stamped so an older list never wins."""
    people, here = selectors.online_users(board_id=board_id)
    return {"people": people, "more": here - len(people), "stamp": int(time.time() * 1000)}


def render_presence(board_id: int) -> str:
    return render_to_string("board/header.html#presence", {**presence_context(board_id), "oob": True})


def render_resync(board_id: int) -> tuple[int, str] | None:
    """The whole board (header and strip) as one message, or None if it is gone."""
    with transaction.atomic():
        board = Board.objects.filter(pk=board_id).select_related("owner").first()
        if board is None:
            return None
        context = _context(board, None)
        whole = header(board, context) + labels_panel(board, context) + strip(board, context)
        return board.version, step(board.version, whole, whole=True)

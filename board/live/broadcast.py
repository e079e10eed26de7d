"""Each recorded event, rendered once, goes to every open page of its board after commit.

Connected to board.events.recorded (see board.apps): services only record events; this
module turns each into its fragments (board.live.fragments) and sends them through the
channel layer once the transaction commits, the documented way (`async_to_sync` around
`group_send` from sync code). Each process's hub fans them out to its own sockets.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.dispatch import receiver

from board import events, i18n
from board.live import announce, fragments, languages, origin, steps
from board.live.protocol import SESSIONS_GROUP, group_name, session_tag
from board.models import Activity, Board

log = logging.getLogger("board.live")

_pending: set[asyncio.Task] = set()


@receiver(events.recorded, dispatch_uid="liveboard-broadcast")
def broadcast_event(sender: Any, event: Activity, board: Board, **kwargs: Any) -> None:
    """Render what the event changed now, under the write's lock, and send it after commit."""
    if event.kind == events.BOARD_DELETED:
        send_on_commit(group_name(board.pk), {"type": "board.deleted", "board": board.pk})
        return
    # Once per language its pages read (and the writer's), not once per page.
    writer = i18n.current() if origin.capturing() else None  # its HTTP answer carries its language's
    html = languages.variants(
        languages.in_use(board.pk, also=writer),
        lambda: fragments.step(
            board.version,
            fragments.for_event(event, board),
            whole=event.kind in fragments.WHOLE,
            say=announce.say(event),
            by=event.actor_id,
        ),
    )
    if writer:
        origin.keep(html[writer])
    message = {
        "type": "board.fragments",
        "board": board.pk,
        "version": board.version,
        "html": html,
        "origin": origin.current_page(),
    }
    board_id, version = board.pk, board.version
    transaction.on_commit(lambda: steps.keep(board_id, version, html))
    send_on_commit(group_name(board.pk), message)
    if event.kind in (events.MEMBER_ROLE_CHANGED, events.MEMBER_REMOVED):
        removed = event.kind == events.MEMBER_REMOVED
        member = {"type": "board.member", "board": board.pk, "user": event.data["user_id"], "removed": removed}
        send_on_commit(group_name(board.pk), member)


@receiver(user_logged_out, dispatch_uid="liveboard-logout")
def close_sockets_of_session(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """A logout in one tab ends the board sockets of that session in every tab, in every process."""
    session = getattr(request, "session", None)
    tag = session_tag(session.session_key if session is not None else None)
    if tag:
        send_on_commit(SESSIONS_GROUP, {"type": "session.ended", "session": tag})


def send_on_commit(group: str, message: dict[str, Any]) -> None:
    transaction.on_commit(lambda: publish(group, message))


def publish(group: str, message: dict[str, Any]) -> None:
    """Send a message to every process listening on `group`; never fail the write over it."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if loop is not None:  # a write made from async code, on the loop itself: don't block it
        task = loop.create_task(_send(layer, group, message))
        _pending.add(task)
        task.add_done_callback(_pending.discard)
        return
    async_to_sync(_send)(layer, group, message)


async def _send(layer: Any, group: str, message: dict[str, Any]) -> None:
    try:
        await layer.group_send(group, message)
    except Exception:  # noqa: BLE001 - the write is saved; pages heal when the layer is back
        log.warning("live update to %s not sent; its pages resync when the layer is back", group, exc_info=True)

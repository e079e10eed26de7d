"""Where events become deliveries: one receiver of board.events.recorded, inside the write's transaction.

The write only stores the delivery rows and, once it commits, enqueues them: a slow or failing
receiver is the worker's business, never the write's.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from django.db import transaction
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from board import events
from board.models import Activity, Board, Delivery, Webhook

log = logging.getLogger("board.hooks")

# What a hook can be sent, as the owner picks them (claims are no work; a deleted board takes its hooks).
CHOICES = [
    (events.CARD_CREATED, _("Card created")),
    (events.CARD_UPDATED, _("Card updated")),
    (events.CARD_MOVED, _("Card moved")),
    (events.CARD_DELETED, _("Card deleted")),
    (events.COMMENT_CREATED, _("Comment added")),
    (events.COMMENT_EDITED, _("Comment edited")),
    (events.COMMENT_DELETED, _("Comment deleted")),
    (events.PIPELINE_CREATED, _("Pipeline created")),
    (events.PIPELINE_RENAMED, _("Pipeline renamed")),
    (events.PIPELINE_MOVED, _("Pipeline moved")),
    (events.PIPELINE_DELETED, _("Pipeline deleted")),
    (events.BOARD_RENAMED, _("Board renamed")),
    (events.BOARD_IMPORTED, _("Cards imported")),
    (events.MEMBER_ADDED, _("Member added")),
    (events.MEMBER_ROLE_CHANGED, _("Member's role changed")),
    (events.MEMBER_REMOVED, _("Member removed")),
]
KINDS = {kind for kind, _label in CHOICES}


def body(event: Activity, board: Board, uid: uuid.UUID) -> str:
    """The JSON every hook of this event is sent (the exact bytes that are signed)."""
    return json.dumps(
        {
            "delivery": str(uid),
            "event": event.kind,
            "board": {"id": board.pk, "name": board.name, "version": event.version},
            "card": event.card_id,
            "actor": event.actor.get_username() if event.actor is not None else None,
            "created_at": event.created_at.isoformat(),
            "data": event.data,
        },
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )


@receiver(events.recorded, dispatch_uid="liveboard-webhooks")
def store_deliveries(sender: Any, event: Activity, board: Board, **kwargs: Any) -> None:
    if event.kind not in KINDS:
        return
    hooks = [hook for hook in Webhook.objects.filter(board_id=board.pk, active=True) if event.kind in hook.events]
    if not hooks:
        return
    rows = []
    for hook in hooks:
        uid = uuid.uuid4()
        rows.append(Delivery(hook=hook, uid=uid, kind=event.kind, body=body(event, board, uid)))
    created = Delivery.objects.bulk_create(rows)
    ids = [row.pk for row in created]
    transaction.on_commit(lambda: enqueue(ids))


def enqueue(ids: list[int]) -> None:
    from board.hooks.tasks import deliver

    for delivery_id in ids:
        try:
            deliver.enqueue(delivery_id)
        except Exception:  # noqa: BLE001 - the write is saved; the delivery stays pending, resendable
            log.warning("webhook delivery %s not enqueued", delivery_id, exc_info=True)

"""The owner's writes on a board's webhooks: add one, delete one, send a delivery again.

They change no board content, so they record no board event (nothing to show on open pages).
"""

from __future__ import annotations

import secrets
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction

from board.hooks import send
from board.hooks.outbox import KINDS, enqueue
from board.models import Board, Delivery, Webhook
from board.services.common import User


@transaction.atomic
def webhook_create(*, board: Board, url: str, kinds: list[str], actor: User) -> Webhook:
    """A hook with a fresh secret (shown to the owner once, then only used to sign)."""
    url = (url or "").strip()
    try:
        send.check_url(url)
    except send.Refused as exc:
        raise ValidationError(str(exc)) from None
    chosen = [kind for kind in kinds if kind in KINDS]
    if not chosen:
        raise ValidationError("Pick at least one event to send.")
    return Webhook.objects.create(board=board, url=url, events=chosen, secret=secrets.token_hex(32), created_by=actor)


@transaction.atomic
def webhook_delete(*, hook: Webhook) -> None:
    hook.delete()


@transaction.atomic
def delivery_resend(*, delivery: Delivery) -> Delivery:
    """A new delivery of the same event (same body, a new delivery id), sent now."""
    uid = uuid.uuid4()
    body = delivery.body.replace(str(delivery.uid), str(uid), 1)
    again = Delivery.objects.create(hook=delivery.hook, uid=uid, kind=delivery.kind, body=body)
    transaction.on_commit(lambda: enqueue([again.pk]))
    return again

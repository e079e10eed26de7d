"""The worker's side: send a delivery, and on failure try again later, for about a day."""

from __future__ import annotations

import logging
from datetime import timedelta
from http.client import HTTPException

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from board.hooks import send
from board.models import Delivery, DeliveryStatus

log = logging.getLogger("board.hooks")

# After the first attempt fails: wait this long before each next one (20 h 36 min in all); then failed.
BACKOFF = [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
           timedelta(hours=6), timedelta(hours=12)]  # fmt: skip


@task()
def deliver(delivery_id: int) -> str:
    """The queued task (manage.py db_worker runs it): one attempt of one delivery."""
    return attempt(delivery_id).status


def attempt(delivery_id: int) -> Delivery:
    """Send a pending delivery once; record what happened; schedule the next try if it failed."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().select_related("hook").filter(pk=delivery_id).first()
        if delivery is None or delivery.status != DeliveryStatus.PENDING:
            return delivery or Delivery(status=DeliveryStatus.FAILED)
        delivery.attempts += 1
        delivery.last_attempt_at = timezone.now()
        delivery.save(update_fields=["attempts", "last_attempt_at"])
    hook = delivery.hook
    retry = True
    try:
        code = send.post(hook.url, secret=hook.secret, body=delivery.body, uid=str(delivery.uid), kind=delivery.kind)
        delivery.status_code, delivery.error = code, ""
        ok = 200 <= code < 300
        if not ok:
            delivery.error = f"HTTP {code}"
    except send.Refused as exc:
        ok, retry = False, False
        delivery.status_code, delivery.error = None, str(exc)[:300]
    except (OSError, HTTPException) as exc:
        ok = False
        delivery.status_code, delivery.error = None, (str(exc) or type(exc).__name__)[:300]
    if ok:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.DELIVERED, None
    elif retry and delivery.attempts <= len(BACKOFF):
        delivery.next_attempt_at = timezone.now() + BACKOFF[delivery.attempts - 1]
    else:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
    delivery.save(update_fields=["status", "status_code", "error", "next_attempt_at"])
    if delivery.status == DeliveryStatus.PENDING:
        deliver.using(run_after=delivery.next_attempt_at).enqueue(delivery.pk)
    log.info(
        "webhook delivery %s (%s) attempt %d: %s",
        delivery.uid,
        delivery.kind,
        delivery.attempts,
        delivery.error or delivery.status_code,
    )
    return delivery

"""Webhooks: signed deliveries a real receiver verifies, retries with backoff, the address check, the owner's page."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from board import events, services
from board.hooks import owner, tasks
from board.models import Delivery, DeliveryStatus, Webhook
from tests.servers import ROOT, server_env


class Receiver:
    """An HTTP server on 127.0.0.1 in a thread: answers each POST with the next status, records what came."""

    def __init__(self, statuses=(200,), delay: float = 0.0) -> None:
        self.statuses, self.delay, self.received = list(statuses), delay, []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                time.sleep(receiver.delay)
                status = receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                try:
                    self.send_response(status)
                    self.end_headers()
                    self.wfile.write(b"ok")
                except BrokenPipeError:  # the sender gave up waiting (the slow receiver's test)
                    pass

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook?x=1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.LIVEBOARD_WEBHOOKS_ALLOW_PRIVATE = True
    made = []

    def make(*args, **kwargs) -> Receiver:
        made.append(Receiver(*args, **kwargs))
        return made[-1]

    yield make
    for server in made:
        server.close()


def hook_for(world, url: str, kinds=(events.CARD_CREATED, events.CARD_MOVED)) -> Webhook:
    return owner.webhook_create(board=world.board, url=url, kinds=list(kinds), actor=world.owner)


@pytest.mark.django_db(transaction=True)
def test_a_delivery_is_signed_sent_by_the_worker_and_a_receiver_verifies_it(world, receiver):
    server = receiver()
    hook = hook_for(world, server.url)
    card = services.card_create(pipeline=world.todo, title="Hooked ✓", actor=world.editor)
    delivery = Delivery.objects.get(hook=hook)
    assert delivery.status == DeliveryStatus.PENDING and not server.received  # the write only enqueued it
    assert DBTaskResult.objects.filter(task_path="board.hooks.tasks.deliver").count() == 1
    worker = [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay", "--no-reload"]
    env = server_env(LIVEBOARD_WEBHOOKS_ALLOW_PRIVATE="1")
    subprocess.run(worker, cwd=ROOT, env=env, check=True, timeout=60, capture_output=True)
    [(headers, body)] = server.received
    expected = "sha256=" + hmac.new(hook.secret.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-LiveBoard-Signature"], expected)
    assert headers["X-LiveBoard-Delivery"] == str(delivery.uid)
    assert abs(int(headers["X-LiveBoard-Timestamp"]) - time.time()) < 30
    assert headers["X-LiveBoard-Event"] == "card.created" and headers["Content-Type"] == "application/json"
    payload = json.loads(body)
    assert payload["event"] == "card.created" and payload["card"] == card.pk and payload["actor"] == "eddie"
    assert payload["data"]["title"] == "Hooked ✓" and payload["board"]["id"] == world.board.pk
    delivery.refresh_from_db()
    assert (delivery.status, delivery.status_code, delivery.attempts) == (DeliveryStatus.DELIVERED, 200, 1)


def test_a_receiver_that_fails_twice_gets_it_on_the_third_try_with_backoff(world, receiver):
    server = receiver(statuses=(500, 503, 204))
    hook_for(world, server.url)
    services.card_move(card=world.cards[0], pipeline=world.doing, actor=world.owner)
    delivery = Delivery.objects.get()
    started = timezone.now()
    first = tasks.attempt(delivery.pk)
    assert (first.status, first.status_code, first.attempts) == (DeliveryStatus.PENDING, 500, 1)
    assert timedelta(seconds=55) < first.next_attempt_at - started < timedelta(seconds=65)
    retry = DBTaskResult.objects.filter(task_path="board.hooks.tasks.deliver").order_by("-enqueued_at").first()
    assert retry.run_after == first.next_attempt_at and retry.args_kwargs["args"] == [delivery.pk]
    second = tasks.attempt(delivery.pk)
    assert (second.status, second.status_code, second.attempts) == (DeliveryStatus.PENDING, 503, 2)
    assert timedelta(minutes=4) < second.next_attempt_at - started < timedelta(minutes=6)
    third = tasks.attempt(delivery.pk)
    assert (third.status, third.status_code, third.attempts) == (DeliveryStatus.DELIVERED, 204, 3)
    assert len({headers["X-LiveBoard-Delivery"] for headers, _ in server.received}) == 1  # the same delivery id
    assert len({body for _, body in server.received}) == 1
    assert tasks.attempt(delivery.pk).attempts == 3  # delivered: nothing more is sent
    assert len(server.received) == 3


def test_a_delivery_failing_for_about_a_day_is_marked_failed(world, receiver):
    server = receiver(statuses=(500,))
    hook_for(world, server.url)
    services.card_create(pipeline=world.todo, title="x", actor=world.owner)
    delivery = Delivery.objects.get()
    for _ in range(len(tasks.BACKOFF)):
        assert tasks.attempt(delivery.pk).status == DeliveryStatus.PENDING
    last = tasks.attempt(delivery.pk)
    assert (last.status, last.attempts, last.next_attempt_at) == (DeliveryStatus.FAILED, 7, None)
    assert sum(tasks.BACKOFF, timedelta()) == timedelta(hours=20, minutes=36)


def test_a_slow_receiver_never_slows_the_write(world, receiver, as_user, settings, django_capture_on_commit_callbacks):
    settings.LIVEBOARD_WEBHOOKS_TIMEOUT = 0.5
    server = receiver(delay=2.0)
    hook_for(world, server.url)
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(world.owner).post(f"/b/{world.board.pk}/p/{world.todo.pk}/cards/add/", {"title": "Quick"})
    assert response.status_code == 302 and time.monotonic() - started < 1.0
    delivery = tasks.attempt(Delivery.objects.get().pk)
    assert delivery.status == DeliveryStatus.PENDING and "timed out" in delivery.error and delivery.next_attempt_at


PRIVATE = "is a loopback, link-local or private address"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:9/hook", PRIVATE),
        ("http://localhost/hook", PRIVATE),
        ("http://10.1.2.3/", PRIVATE),
        ("http://192.168.0.10/", PRIVATE),
        ("http://169.254.169.254/latest/meta-data/", PRIVATE),
        ("http://[::1]:8000/", PRIVATE),
        ("http://[::ffff:127.0.0.1]/", PRIVATE),
        ("http://0.0.0.0/", PRIVATE),
        ("ftp://example.com/hook", "must start with http:// or https://"),
        ("file:///etc/passwd", "Enter a valid URL."),
        ("javascript:alert(1)", "Enter a valid URL."),
    ],
)
def test_private_addresses_and_other_schemes_are_refused(world, as_user, url, message):
    response = as_user(world.owner).post(f"/b/{world.board.pk}/hooks/", {"url": url, "events": ["card.created"]})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Webhook.objects.exists()


def test_a_name_that_resolves_to_a_private_address_is_refused_when_sending(world, receiver, settings):
    server = receiver()
    name = socket.gethostname()  # a name of this machine, resolving to a loopback or private address
    if ipaddress.ip_address(socket.getaddrinfo(name, 80)[0][4][0]).is_global:
        pytest.skip(f"{name} resolves to a public address here")
    hook = hook_for(world, server.url.replace("127.0.0.1", name))
    services.card_create(pipeline=world.todo, title="x", actor=world.owner)
    settings.LIVEBOARD_WEBHOOKS_ALLOW_PRIVATE = False
    delivery = tasks.attempt(Delivery.objects.get(hook=hook).pk)
    assert delivery.status == DeliveryStatus.FAILED and "private address" in delivery.error
    assert not server.received


def test_only_the_events_a_hook_picked_are_sent(world, receiver):
    hook = hook_for(world, receiver().url, kinds=[events.COMMENT_CREATED])
    services.card_create(pipeline=world.todo, title="x", actor=world.owner)
    assert not Delivery.objects.exists()
    services.comment_create(card=world.cards[0], author=world.viewer, body="hi")
    assert list(Delivery.objects.values_list("hook", "kind")) == [(hook.pk, "comment.created")]


def test_the_owner_adds_sees_resends_and_deletes_hooks_others_cannot(world, receiver, as_user):
    server = receiver(statuses=(500, 200))
    client = as_user(world.owner)
    page = client.post(f"/b/{world.board.pk}/hooks/", {"url": server.url, "events": ["card.created", "card.moved"]})
    hook = Webhook.objects.get()
    assert page.status_code == 200 and hook.secret in page.content.decode()  # shown once
    assert hook.events == ["card.created", "card.moved"]
    services.card_create(pipeline=world.todo, title="x", actor=world.owner)
    tasks.attempt(Delivery.objects.get().pk)
    listing = client.get(f"/b/{world.board.pk}/hooks/").content.decode()
    assert hook.secret not in listing and "500" in listing and "card.created" in listing
    first = Delivery.objects.get()
    assert client.post(f"/b/{world.board.pk}/deliveries/{first.pk}/resend/").status_code == 302
    again = Delivery.objects.exclude(pk=first.pk).get()
    assert again.uid != first.uid and json.loads(again.body)["delivery"] == str(again.uid)
    assert tasks.attempt(again.pk).status == DeliveryStatus.DELIVERED
    for user, status in ((world.editor, 403), (world.viewer, 403), (world.stranger, 404)):
        assert as_user(user).get(f"/b/{world.board.pk}/hooks/").status_code == status
        assert as_user(user).post(f"/b/{world.board.pk}/hooks/{hook.pk}/delete/").status_code == status
        assert as_user(user).post(f"/b/{world.board.pk}/deliveries/{first.pk}/resend/").status_code == status
    assert as_user(world.stranger).post(f"/b/{world.other_board.pk}/hooks/{hook.pk}/delete/").status_code == 404
    assert client.post(f"/b/{world.board.pk}/hooks/{hook.pk}/delete/").status_code == 302
    assert not Webhook.objects.exists()

"""Broadcasts across real daphne processes sharing Redis, and surviving a Redis outage."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager

import pytest
from websockets.sync.client import connect

from board.models import Card
from tests import servers

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def open_page(base_url: str, board_id: int, cookie: str, page: str = ""):
    """A websocket as the browser opens it: session cookie, same-origin header; resync read."""
    with connect(
        servers.ws_url(base_url, board_id, page),
        additional_headers={"Cookie": cookie, "Origin": base_url},
        open_timeout=10,
        max_size=2**22,
    ) as ws:
        assert 'id="pipelines"' in ws.recv(timeout=10)
        yield ws


def receive_until(ws, needle: str, *, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"{needle!r} not received within {timeout}s")
        message = ws.recv(timeout=remaining)
        if needle in message:
            return message


@pytest.mark.redis
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (CI's second run sets it)")
def test_change_posted_to_one_process_reaches_a_page_on_another(world):
    redis_url = os.environ["REDIS_URL"]
    cookie_owner = servers.session_cookie(world.owner)
    cookie_editor = servers.session_cookie(world.editor)
    with servers.daphne(redis_url=redis_url) as process_a, servers.daphne(redis_url=redis_url) as process_b:
        with open_page(process_b, world.board.pk, cookie_editor) as page:
            status, body = servers.post(
                process_a, f"/b/{world.board.pk}/p/{world.todo.pk}/cards/add/", {"title": "From A"}, cookie=cookie_owner
            )
            assert status == 200 and "From A" in body
            message = receive_until(page, "From A", timeout=5)
            assert f'hx-swap-oob="beforeend:#cards-{world.todo.pk}"' in message  # the new card, at the end


@pytest.mark.redis
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (CI's second run sets it)")
def test_presence_spans_processes(world):
    redis_url = os.environ["REDIS_URL"]
    cookie_owner = servers.session_cookie(world.owner)
    cookie_editor = servers.session_cookie(world.editor)
    with servers.daphne(redis_url=redis_url) as process_a, servers.daphne(redis_url=redis_url) as process_b:
        with open_page(process_a, world.board.pk, cookie_owner, page="ownerpagea1") as watcher:
            with open_page(process_b, world.board.pk, cookie_editor, page="editorpageb1"):
                receive_until(watcher, "eddie has the board open", timeout=5)
            left = receive_until(watcher, 'id="presence"', timeout=5)
            while "eddie" in left:
                left = receive_until(watcher, 'id="presence"', timeout=5)


def test_redis_outage_loses_no_write_and_the_page_heals(world):
    cookie_owner = servers.session_cookie(world.owner)
    cookie_editor = servers.session_cookie(world.editor)
    with servers.redis_server() as redis, servers.daphne(redis_url=redis.url) as writer:
        with servers.daphne(redis_url=redis.url) as other:
            with (
                open_page(writer, world.board.pk, cookie_editor) as near,
                open_page(other, world.board.pk, cookie_editor) as far,
            ):
                redis.stop()
                path = f"/b/{world.board.pk}/p/{world.todo.pk}/cards/add/"
                status, body = servers.post(writer, path, {"title": "During outage"}, cookie=cookie_owner)
                assert status == 200 and "During outage" in body
                assert Card.objects.filter(board=world.board, title="During outage").exists()
                # The writer's process notices the version its pages missed and sends them the board.
                assert f'id="pipeline-{world.todo.pk}"' in receive_until(near, "During outage", timeout=5)
                redis.start()
                # The other process missed the broadcast; once the layer is back it resyncs its page.
                healed = receive_until(far, "During outage", timeout=20)
                assert 'id="pipelines"' in healed


def test_a_change_from_manage_py_shell_reaches_open_pages_on_the_default_layer(world):
    """Another process cannot reach the in-memory layer: the server notices the new version."""
    cookie = servers.session_cookie(world.editor)
    card = world.cards[0]
    script = (
        "from board import services; from board.models import Card; "
        f"services.card_update(card=Card.objects.get(pk={card.pk}), title='From the shell', description='')"
    )
    with servers.daphne() as base_url, open_page(base_url, world.board.pk, cookie) as page:
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", script], cwd=servers.ROOT, env=servers.server_env(), check=True
        )
        # Within a second of the write (the shell's own start-up is not counted).
        healed = receive_until(page, "From the shell", timeout=1.0)
        assert f'id="card-{card.pk}"' in healed


def test_a_message_over_the_servers_limit_drops_the_socket_and_a_small_one_closes_it_with_4400(world):
    """daphne refuses messages over 1 MiB itself (1009, sent while the sender may still be writing)."""
    from websockets.exceptions import ConnectionClosed

    cookie = servers.session_cookie(world.editor)
    with servers.daphne() as base_url:
        for size, codes in ((2**21, (1009, None)), (10, (4400,))):
            with open_page(base_url, world.board.pk, cookie) as page:
                page.send("x" * size)
                with pytest.raises(ConnectionClosed) as closed:
                    while True:
                        page.recv(timeout=5)
                received = closed.value.rcvd
                assert (received.code if received else None) in codes
        with open_page(base_url, world.board.pk, cookie):  # and the server serves on
            pass

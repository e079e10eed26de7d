"""A page that (re)connects says which version it shows and is sent only what it missed."""

from __future__ import annotations

import asyncio
import os

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.cache import caches
from websockets.sync.client import connect

from board import services
from board.live import protocol, steps
from board.models import Board
from project.asgi import application
from tests import servers
from tests.pages import Page, board_order
from tests.test_consumers import HOST, ORIGIN, expect_closed, run, session_cookie
from tests.test_live_processes import receive_until

pytestmark = pytest.mark.django_db(transaction=True)


async def resume(board_id: int, user, shown) -> WebsocketCommunicator:
    cookie = await database_sync_to_async(session_cookie)(user)
    path = f"/ws/b/{board_id}/?page=resumingpage1&v={shown}"
    communicator = WebsocketCommunicator(application, path, headers=[HOST, ORIGIN, (b"cookie", cookie)])
    connected, _ = await communicator.connect()
    assert connected
    return communicator


def resumed(world, shown) -> str:
    """The first message a page of the editor's showing `shown` is sent when it (re)connects."""

    async def scenario():
        communicator = await resume(world.board.pk, world.editor, shown)
        message = await communicator.receive_from(timeout=5)
        await communicator.disconnect()
        return message

    return run(scenario)


def version_of(board) -> int:
    return Board.objects.get(pk=board.pk).version


def three_moves(world) -> None:
    c0, c1, c2 = world.cards
    services.card_move(card=c0, pipeline=world.doing, actor=world.owner)
    services.card_move(card=c1, pipeline=world.doing, after=c0.pk, actor=world.owner)
    services.card_move(card=c2, pipeline=world.todo, actor=world.editor)


def test_a_page_that_shows_the_latest_version_is_sent_nothing_but_presence(world, as_user):
    page = Page(as_user(world.editor).get(f"/b/{world.board.pk}/").content.decode())
    assert page.shown == version_of(world.board)

    async def scenario():
        communicator = await resume(world.board.pk, world.editor, page.shown)
        first = await communicator.receive_from(timeout=5)
        assert first.startswith('<ul id="presence"') and "data-step" not in first
        # Nor the whole board a moment later: the process knows its page is up to date.
        await asyncio.sleep(1.0)
        while not await communicator.receive_nothing(timeout=0.1):
            assert "data-step" not in await communicator.receive_from()
        await communicator.disconnect()

    run(scenario)


def test_a_page_that_missed_three_moves_is_sent_those_three_steps_only(world, as_user):
    page = Page(as_user(world.editor).get(f"/b/{world.board.pk}/").content.decode())
    three_moves(world)  # while its socket was down
    current = version_of(world.board)

    message = resumed(world, page.shown)
    assert message.count("<template data-step=") == 3 and "data-whole" not in message
    assert len(message.encode()) <= 8 * 1024
    page.receive(message)
    assert page.shown == current and page.order() == board_order(world.board)


def test_a_page_further_behind_than_the_kept_steps_gets_the_whole_board(world, as_user):
    page = Page(as_user(world.editor).get(f"/b/{world.board.pk}/").content.decode())
    three_moves(world)
    caches[steps.CACHE].delete(f"step:{world.board.pk}:{page.shown + 2}:en")  # one of them is no longer kept

    message = resumed(world, page.shown)
    assert message.startswith(f'<template data-step="{version_of(world.board)}" data-whole>')
    page.receive(message)
    assert page.order() == board_order(world.board)


def test_a_page_more_than_the_resume_limit_behind_gets_the_whole_board(world):
    assert steps.since(world.board.pk, 1, 1 + steps.MAX_RESUME + 1, "en") is None


@pytest.mark.parametrize("shown", ["abc", "-1", "1.5", "9" * 19, "future"])
def test_a_bad_or_future_version_closes_with_4422_and_changes_nothing(world, shown):
    before = version_of(world.board)
    if shown == "future":
        shown = str(before + 1)

    async def scenario():
        communicator = await resume(world.board.pk, world.editor, shown)
        await expect_closed(communicator, protocol.CLOSE_BAD_RESUME)

    run(scenario)
    assert version_of(world.board) == before


def test_a_version_of_another_board_is_only_a_number_of_this_one(world, as_user):
    """Resuming names a version, never a board: the steps come from the socket's own board."""
    services.card_create(pipeline=world.other_pipeline, title="Do not leak either", actor=world.stranger)
    three_moves(world)
    shown = version_of(world.board) - 3

    message = resumed(world, shown)
    assert "Do not leak" not in message and message.count("<template data-step=") == 3


@pytest.mark.redis
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (CI's second run sets it)")
def test_steps_made_through_one_process_resume_a_page_on_another(world):
    redis_url = os.environ["REDIS_URL"]
    cookie_owner, cookie_editor = servers.session_cookie(world.owner), servers.session_cookie(world.editor)
    shown = version_of(world.board)
    with servers.daphne(redis_url=redis_url) as process_a, servers.daphne(redis_url=redis_url) as process_b:
        for _ in range(3):
            path = f"/b/{world.board.pk}/p/{world.todo.pk}/cards/add/"
            assert servers.post(process_a, path, {"title": "Made on A"}, cookie=cookie_owner)[0] == 200
        url = servers.ws_url(process_b, world.board.pk) + f"?v={shown}"
        with connect(url, additional_headers={"Cookie": cookie_editor, "Origin": process_b}, open_timeout=10) as ws:
            message = receive_until(ws, "data-step", timeout=5)
    assert message.count("<template data-step=") == 3 and "data-whole" not in message


def test_after_a_redis_restart_a_page_resumes_with_the_whole_board(world):
    """Redis keeps the steps in memory only: after a restart they are gone, and pages get the board."""
    cookie_owner, cookie_editor = servers.session_cookie(world.owner), servers.session_cookie(world.editor)
    shown = version_of(world.board)
    with servers.redis_server() as redis, servers.daphne(redis_url=redis.url) as server:
        path = f"/b/{world.board.pk}/p/{world.todo.pk}/cards/add/"
        assert servers.post(server, path, {"title": "Before the restart"}, cookie=cookie_owner)[0] == 200
        redis.stop()
        redis.start()
        url = servers.ws_url(server, world.board.pk) + f"?v={shown}"
        with connect(url, additional_headers={"Cookie": cookie_editor, "Origin": server}, open_timeout=10) as ws:
            message = receive_until(ws, "data-step", timeout=10)
    assert message.startswith(f'<template data-step="{version_of(world.board)}" data-whole>')
    assert "Before the restart" in message


# --- the poll, for pages whose sockets cannot open ------------------------------------------------


def changes(client, world, shown):
    return client.get(f"/b/{world.board.pk}/changes/", {"v": shown}, HTTP_HX_REQUEST="true")


def test_the_poll_answers_the_steps_a_page_missed_as_the_socket_would(world, as_user):
    client = as_user(world.viewer)
    page = Page(client.get(f"/b/{world.board.pk}/").content.decode())
    three_moves(world)
    response = changes(client, world, page.shown)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    body = response.content.decode()
    assert body.count("<template data-step=") == 3 and 'id="presence"' in body
    page.receive(body)
    assert page.order() == board_order(world.board)
    caught_up = changes(client, world, page.shown).content.decode()
    assert "data-step" not in caught_up and 'id="presence"' in caught_up  # nothing new: who is here only


def test_the_poll_answers_the_whole_board_when_the_steps_are_no_longer_kept(world, as_user):
    client = as_user(world.viewer)
    shown = version_of(world.board)
    three_moves(world)
    caches[steps.CACHE].clear()
    body = changes(client, world, shown).content.decode()
    assert body.startswith(f'<template data-step="{version_of(world.board)}" data-whole>')


@pytest.mark.parametrize("shown", ["", "abc", "-1", "1.5", str(2**63)])
def test_a_poll_with_a_bad_version_is_refused_with_400_and_changes_nothing(world, as_user, shown):
    before = version_of(world.board)
    response = changes(as_user(world.viewer), world, shown)
    assert response.status_code == 400 and response["X-LiveBoard-Message"]
    assert version_of(world.board) == before


def test_a_poll_from_the_future_is_told_to_reload(world, as_user):
    response = changes(as_user(world.viewer), world, version_of(world.board) + 1)
    assert response.status_code == 409
    assert "reload" in response.content.decode()


@pytest.mark.parametrize("who", ["anonymous", "stranger"])
def test_a_poll_without_a_session_or_membership_gets_nothing(world, as_user, who):
    client = as_user(None if who == "anonymous" else world.stranger)
    response = changes(client, world, 0)
    assert response.status_code == (401 if who == "anonymous" else 404)
    assert "Card 0" not in response.content.decode()

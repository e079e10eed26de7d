"""The board socket through the full ASGI stack: origin check, session auth, fan-out."""

from __future__ import annotations

import asyncio
import time

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from board import services
from board.live import broadcast, healing, protocol
from board.live.hub import Hub, hub
from board.models import Role
from project.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://testserver")
HOST = (b"host", b"testserver")  # a browser opens the socket on the page's own origin


def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode()


async def socket(board_id: int, user=None, *, page: str = "", origin: tuple[bytes, bytes] | None = ORIGIN):
    headers = [HOST, origin] if origin else [HOST]
    if user is not None:
        headers.append((b"cookie", await database_sync_to_async(session_cookie)(user)))
    path = f"/ws/b/{board_id}/" + (f"?page={page}" if page else "")
    return WebsocketCommunicator(application, path, headers=headers)


async def open_socket(board_id: int, user, **kwargs) -> tuple[WebsocketCommunicator, str]:
    """Connect and read the resync the server sends first."""
    communicator = await socket(board_id, user, **kwargs)
    connected, _ = await communicator.connect()
    assert connected
    return communicator, await communicator.receive_from(timeout=5)


def run(scenario):
    """Run an async scenario from a sync test (one event loop per test)."""
    return async_to_sync(scenario)()


def call(service, **kwargs):
    return database_sync_to_async(service)(**kwargs)


async def expect_closed(communicator: WebsocketCommunicator, code: int) -> None:
    while True:
        message = await communicator.receive_output(timeout=5)
        if message["type"] == "websocket.close":
            assert message.get("code") == code
            return


def test_connect_sends_the_whole_board_first(world):
    async def scenario():
        communicator, resync = await open_socket(world.board.pk, world.editor)
        assert 'id="board-head"' in resync
        assert 'id="pipelines"' in resync
        assert f'id="card-{world.cards[0].pk}"' in resync
        assert resync.startswith(f'<template data-step="{world.board.version}" data-whole>')
        await communicator.disconnect()

    run(scenario)


def test_each_kind_of_change_reaches_members_as_its_smallest_fragment(world):
    async def scenario():
        editor, _ = await open_socket(world.board.pk, world.editor)
        viewer, _ = await open_socket(world.board.pk, world.viewer)
        card = world.cards[0]

        await call(services.card_update, card=card, title="Renamed", description="", actor=world.owner)
        for communicator in (editor, viewer):
            html = await communicator.receive_from(timeout=5)
            assert f'id="card-{card.pk}"' in html and "Renamed" in html
            assert 'id="pipeline-' not in html

        await call(services.card_move, card=card, pipeline=world.doing, actor=world.owner)
        html = await viewer.receive_from(timeout=5)
        assert f'<i id="card-{card.pk}" data-in="cards-{world.doing.pk}"' in html
        assert f'id="count-{world.todo.pk}"' in html and f'id="count-{world.doing.pk}"' in html
        assert "<section" not in html
        await editor.receive_from(timeout=5)

        await call(services.pipeline_create, board=world.board, name="Review", actor=world.owner)
        html = await viewer.receive_from(timeout=5)
        assert "beforebegin:#pipelines-end" in html and "Review" in html and 'id="pipelines"' not in html
        await editor.receive_from(timeout=5)

        await call(services.board_rename, board=world.board, name="Roadmap 2", actor=world.owner)
        html = await viewer.receive_from(timeout=5)
        assert 'id="board-head"' in html and "Roadmap 2" in html
        await editor.receive_from(timeout=5)

        await editor.disconnect()
        await viewer.disconnect()

    run(scenario)


def test_changes_reach_members_not_strangers_or_other_boards(world):
    async def scenario():
        member, _ = await open_socket(world.board.pk, world.viewer)
        other, _ = await open_socket(world.other_board.pk, world.stranger)
        await call(services.card_create, pipeline=world.todo, title="Fresh", actor=world.owner)
        assert "Fresh" in await member.receive_from(timeout=5)
        assert await other.receive_nothing(timeout=0.3)
        await member.disconnect()
        await other.disconnect()

    run(scenario)


def test_strangers_and_anonymous_users_are_refused_with_a_close_code(world):
    async def scenario():
        stranger = await socket(world.board.pk, world.stranger)
        connected, _ = await stranger.connect()
        assert connected
        await expect_closed(stranger, protocol.CLOSE_FORBIDDEN)

        anonymous = await socket(world.board.pk, None)
        connected, _ = await anonymous.connect()
        assert connected
        await expect_closed(anonymous, protocol.CLOSE_NOT_LOGGED_IN)

    run(scenario)


def test_a_session_ended_by_a_password_change_or_a_made_up_cookie_is_refused(world):
    async def scenario():
        cookie = await database_sync_to_async(session_cookie)(world.editor)

        def change_password():
            world.editor.set_password("another secret entirely")
            world.editor.save()

        await database_sync_to_async(change_password)()
        for value in (cookie, f"{settings.SESSION_COOKIE_NAME}={'x' * 32}".encode()):
            headers = [HOST, ORIGIN, (b"cookie", value)]
            communicator = WebsocketCommunicator(application, f"/ws/b/{world.board.pk}/", headers=headers)
            connected, _ = await communicator.connect()
            assert connected
            await expect_closed(communicator, protocol.CLOSE_NOT_LOGGED_IN)

    run(scenario)


def test_cross_origin_handshake_is_refused(world):
    async def scenario():
        communicator = await socket(world.board.pk, world.owner, origin=(b"origin", b"http://evil.example"))
        connected, _ = await communicator.connect()
        assert not connected

    run(scenario)


def test_actor_is_not_sent_its_own_change(world):
    page = "actorpage123"

    async def scenario():
        actor, _ = await open_socket(world.board.pk, world.editor, page=page)
        other, _ = await open_socket(world.board.pk, world.owner, page="otherpage456")
        client = Client()
        await database_sync_to_async(client.force_login)(world.editor)
        url = f"/b/{world.board.pk}/p/{world.todo.pk}/cards/add/"
        response = await database_sync_to_async(client.post)(
            url, {"title": "Mine"}, HTTP_HX_REQUEST="true", HTTP_X_LIVEBOARD_PAGE=page
        )
        assert response.status_code == 200
        assert "Mine" in response.content.decode()  # the actor gets it from its HTTP answer
        assert "Mine" in await other.receive_from(timeout=5)
        assert await actor.receive_nothing(timeout=0.3)
        await actor.disconnect()
        await other.disconnect()

    run(scenario)


def test_removed_member_is_told_and_closed(world):
    async def scenario():
        viewer, _ = await open_socket(world.board.pk, world.viewer)
        editor, _ = await open_socket(world.board.pk, world.editor)
        membership = await database_sync_to_async(world.board.memberships.get)(user=world.viewer)
        await call(services.member_remove, membership=membership, actor=world.owner)
        html = await viewer.receive_from(timeout=5)
        if 'id="board-head"' in html:  # the member list changed first
            html = await viewer.receive_from(timeout=5)
        assert "removed" in html
        await expect_closed(viewer, protocol.CLOSE_FORBIDDEN)
        assert 'id="board-head"' in await editor.receive_from(timeout=5)
        assert await editor.receive_nothing(timeout=0.3)
        await editor.disconnect()

    run(scenario)


def test_role_change_closes_the_members_sockets_so_the_page_reloads(world):
    async def scenario():
        viewer, _ = await open_socket(world.board.pk, world.viewer)
        membership = await database_sync_to_async(world.board.memberships.get)(user=world.viewer)
        await call(services.member_set_role, membership=membership, role=Role.EDITOR, actor=world.owner)
        await expect_closed(viewer, protocol.CLOSE_ROLE_CHANGED)

    run(scenario)


def test_deleted_board_tells_open_pages_and_closes_them(world):
    async def scenario():
        editor, _ = await open_socket(world.board.pk, world.editor)
        await call(services.board_delete, board=world.board, actor=world.owner)
        assert "deleted" in await editor.receive_from(timeout=5)
        await expect_closed(editor, protocol.CLOSE_BOARD_GONE)

    run(scenario)


def test_any_client_message_closes_the_socket_with_4400_and_writes_nothing(world):
    async def scenario():
        version = world.board.version
        for text in ('{"type": "card.delete", "id": 1}', "x" * 10_000):
            viewer, _ = await open_socket(world.board.pk, world.viewer)
            await viewer.send_to(text_data=text)
            await expect_closed(viewer, protocol.CLOSE_CLIENT_MESSAGE)
        await database_sync_to_async(world.board.refresh_from_db)()
        assert world.board.version == version

    run(scenario)


def test_a_socket_to_a_board_that_does_not_exist_is_refused_as_a_strangers(world):
    async def scenario():
        missing = await socket(world.board.pk + 1000, world.owner)
        connected, _ = await missing.connect()
        assert connected
        await expect_closed(missing, protocol.CLOSE_FORBIDDEN)

    run(scenario)


def test_a_socket_to_a_path_that_is_no_boards_is_closed_with_4404_not_a_failed_handshake(world):
    async def scenario():
        for path in ("/ws/nothing/", "/ws/b/not-a-number/"):
            communicator = WebsocketCommunicator(application, path, headers=[HOST, ORIGIN])
            connected, _ = await communicator.connect()
            assert connected
            await expect_closed(communicator, protocol.CLOSE_NO_ROUTE)

    run(scenario)


def test_logging_out_closes_that_sessions_sockets_at_once_and_no_other(world):
    async def scenario():
        client = Client()
        await database_sync_to_async(client.force_login)(world.editor)
        cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode()
        tabs = []
        for _ in range(2):  # two tabs of the session that logs out
            communicator = WebsocketCommunicator(
                application, f"/ws/b/{world.board.pk}/", headers=[HOST, ORIGIN, (b"cookie", cookie)]
            )
            assert (await communicator.connect())[0]
            await communicator.receive_from(timeout=5)
            tabs.append(communicator)
        elsewhere, _ = await open_socket(world.board.pk, world.editor)  # the same person, another session
        response = await database_sync_to_async(client.post)("/accounts/logout/")
        assert response.status_code == 302
        for tab in tabs:
            assert "logged out" in await tab.receive_from(timeout=2)
            await expect_closed(tab, protocol.CLOSE_NOT_LOGGED_IN)
        await call(services.card_create, pipeline=world.todo, title="After logout", actor=world.owner)
        assert "After logout" in await elsewhere.receive_from(timeout=5)
        await elsewhere.disconnect()

    run(scenario)


def test_a_socket_that_closes_during_a_broadcast_is_dropped_and_the_others_still_get_it(world):
    class Gone(Exception):
        pass

    async def scenario():
        communicator, _ = await open_socket(world.board.pk, world.editor)
        local = hub()

        class ClosedPage(PageStub):
            async def deliver(self, version: int, html: str) -> None:
                raise Gone("the peer went away mid-broadcast")

        dead = [ClosedPage(i) for i in range(3)]
        local.boards[world.board.pk].update(dead)
        await call(services.card_create, pipeline=world.todo, title="Through", actor=world.owner)
        assert "Through" in await communicator.receive_from(timeout=5)
        assert not set(dead) & local.boards[world.board.pk]
        await call(services.card_create, pipeline=world.todo, title="Again", actor=world.owner)
        assert "Again" in await communicator.receive_from(timeout=5)
        await communicator.disconnect()

    run(scenario)


def test_a_write_made_where_no_broadcast_reaches_this_process_heals_its_pages_within_a_second(world, monkeypatch):
    """As from `manage.py shell` with the in-memory layer: the page gets the whole board again."""

    async def scenario():
        communicator, _ = await open_socket(world.board.pk, world.editor)
        hub()  # started: its version watch is running
        monkeypatch.setattr(broadcast, "publish", lambda group, message: None)
        started = asyncio.get_running_loop().time()
        await call(services.card_create, pipeline=world.todo, title="From the shell", actor=world.owner)
        html = ""
        while 'id="pipelines"' not in html:  # (who is here may come first)
            html = await communicator.receive_from(timeout=2)
        elapsed = asyncio.get_running_loop().time() - started
        assert "From the shell" in html
        assert elapsed < 1.0
        await communicator.disconnect()

    run(scenario)


def test_a_version_missed_between_two_delivered_ones_is_healed(world, monkeypatch):
    """Process B wrote while Redis was away, then A wrote: A's pages must still get B's change."""

    async def scenario():
        communicator, _ = await open_socket(world.board.pk, world.editor)
        real = broadcast.publish
        monkeypatch.setattr(broadcast, "publish", lambda group, message: None)
        await call(services.card_create, pipeline=world.todo, title="Lost on the way", actor=world.owner)
        monkeypatch.setattr(broadcast, "publish", real)
        await call(services.card_create, pipeline=world.doing, title="Came through", actor=world.owner)
        seen = ""
        for _ in range(3):
            seen += await communicator.receive_from(timeout=2)
            if "Lost on the way" in seen:
                break
        assert "Came through" in seen and "Lost on the way" in seen
        await communicator.disconnect()

    run(scenario)


def test_versions_notice_a_hole_only_once_its_grace_is_over():
    versions = healing.Versions()
    versions.delivered(1, 5)
    versions.delivered(1, 7)
    now, later = time.monotonic(), time.monotonic() + healing.GRACE_SECONDS + 0.01
    assert not versions.missed(1, 7, now)
    assert versions.missed(1, 7, later)
    versions.delivered(1, 6)  # it came after all
    assert not versions.missed(1, 7, later)
    assert not versions.missed(1, 8, now) and versions.missed(1, 8, later)
    versions.caught_up(1, 8)
    assert not versions.missed(1, 8, now + 10)


def test_the_hub_sends_one_message_to_all_its_pages_before_it_starts_the_next():
    async def scenario():
        sent: list[tuple[int, int]] = []

        class Page(PageStub):
            async def deliver(self, version: int, html: str) -> None:
                sent.append((version, self.user_id))

        local = Hub()
        local.boards[4244] = {Page(i) for i in range(35)}
        messages = [
            {"type": "board.fragments", "board": 4244, "version": v, "html": {"en": f"<p>{v}</p>"}, "origin": ""}
            for v in (7, 8)
        ]
        await asyncio.gather(local.dispatch(messages[0]), local.dispatch(messages[1]))
        assert [version for version, _ in sent] == [7] * 35 + [8] * 35

    run(scenario)


def test_one_process_subscribes_once_per_board_however_many_sockets(world):
    async def scenario():
        local = hub()
        added: list[str] = []
        original = local.layer.group_add

        async def counting_group_add(group: str, channel: str) -> None:
            added.append(group)
            await original(group, channel)

        local.layer.group_add = counting_group_add
        try:
            sockets = [(await open_socket(world.board.pk, world.editor))[0] for _ in range(5)]
            assert added == [protocol.SESSIONS_GROUP, protocol.group_name(world.board.pk)]
            assert len(local.boards[world.board.pk]) == 5
            await call(services.card_create, pipeline=world.todo, title="Fan", actor=world.owner)
            for communicator in sockets:
                assert "Fan" in await communicator.receive_from(timeout=5)
            for communicator in sockets:
                await communicator.disconnect()
            assert world.board.pk not in local.boards
        finally:
            del local.layer.group_add

    run(scenario)


class PageStub:
    """What the hub needs of an open page, recording what it is sent."""

    def __init__(self, index: int) -> None:
        self.page, self.presence_key, self.user_id = f"page-{index:08d}", f"key-{index}", index
        self.session, self.language = f"session-{index}", "en"
        self.got: list[str] = []

    async def deliver(self, version: int, html: str) -> None:
        self.got.append(html)

    async def end(self, code: int, html: str) -> None:
        self.got.append(f"end {code}")


def test_pages_opening_together_on_a_layer_whose_channels_take_a_moment_all_receive(monkeypatch):
    from channels.layers import InMemoryChannelLayer

    class SubscribingLayer(InMemoryChannelLayer):
        """Like Redis Pub/Sub: making a channel subscribes to it, an await."""

        async def new_channel(self, prefix="specific."):
            await asyncio.sleep(0.01)
            return await super().new_channel(prefix)

    async def scenario():
        hub = Hub()
        hub.layer = SubscribingLayer()
        pages = [PageStub(i) for i in range(5)]
        await asyncio.gather(*(hub.join(4242, page) for page in pages))
        message = {"type": "board.fragments", "board": 4242, "version": 1, "html": {"en": "<p>all</p>"}, "origin": ""}
        await hub.layer.group_send(protocol.group_name(4242), message)
        for _ in range(100):
            if all(page.got for page in pages):
                break
            await asyncio.sleep(0.01)
        assert [page.got for page in pages] == [["<p>all</p>"]] * 5
        await asyncio.gather(*(hub.leave(4242, page) for page in pages))
        assert hub.boards == {}
        for task in hub.tasks:
            task.cancel()

    run(scenario)

"""The board socket through the full ASGI stack: origin check, session auth, fan-out."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from board import live, services
from board.models import Role
from project.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://testserver")


def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode()


async def socket(board_id: int, user=None, *, page: str = "", origin: tuple[bytes, bytes] | None = ORIGIN):
    headers = [origin] if origin else []
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
        assert f'data-v="{world.board.version}"' in resync
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

        await call(services.card_move, card=card, pipeline=world.doing, position=0, actor=world.owner)
        html = await viewer.receive_from(timeout=5)
        assert f'id="pipeline-{world.todo.pk}"' in html and f'id="pipeline-{world.doing.pk}"' in html
        await editor.receive_from(timeout=5)

        await call(services.pipeline_create, board=world.board, name="Review", actor=world.owner)
        html = await viewer.receive_from(timeout=5)
        assert 'id="pipelines"' in html and "Review" in html
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
        await expect_closed(stranger, live.CLOSE_FORBIDDEN)

        anonymous = await socket(world.board.pk, None)
        connected, _ = await anonymous.connect()
        assert connected
        await expect_closed(anonymous, live.CLOSE_NOT_LOGGED_IN)

    run(scenario)


def test_a_session_ended_by_a_password_change_or_a_made_up_cookie_is_refused(world):
    async def scenario():
        cookie = await database_sync_to_async(session_cookie)(world.editor)

        def change_password():
            world.editor.set_password("another secret entirely")
            world.editor.save()

        await database_sync_to_async(change_password)()
        for value in (cookie, f"{settings.SESSION_COOKIE_NAME}={'x' * 32}".encode()):
            headers = [ORIGIN, (b"cookie", value)]
            communicator = WebsocketCommunicator(application, f"/ws/b/{world.board.pk}/", headers=headers)
            connected, _ = await communicator.connect()
            assert connected
            await expect_closed(communicator, live.CLOSE_NOT_LOGGED_IN)

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
        await expect_closed(viewer, live.CLOSE_FORBIDDEN)
        assert 'id="board-head"' in await editor.receive_from(timeout=5)
        assert await editor.receive_nothing(timeout=0.3)
        await editor.disconnect()

    run(scenario)


def test_role_change_closes_the_members_sockets_so_the_page_reloads(world):
    async def scenario():
        viewer, _ = await open_socket(world.board.pk, world.viewer)
        membership = await database_sync_to_async(world.board.memberships.get)(user=world.viewer)
        await call(services.member_set_role, membership=membership, role=Role.EDITOR, actor=world.owner)
        await expect_closed(viewer, live.CLOSE_ROLE_CHANGED)

    run(scenario)


def test_deleted_board_tells_open_pages_and_closes_them(world):
    async def scenario():
        editor, _ = await open_socket(world.board.pk, world.editor)
        await call(services.board_delete, board=world.board, actor=world.owner)
        assert "deleted" in await editor.receive_from(timeout=5)
        await expect_closed(editor, live.CLOSE_BOARD_GONE)

    run(scenario)


def test_client_messages_close_the_socket_and_write_nothing(world):
    async def scenario():
        viewer, _ = await open_socket(world.board.pk, world.viewer)
        version = world.board.version
        await viewer.send_to(text_data='{"type": "card.delete", "id": 1}')
        await expect_closed(viewer, live.CLOSE_CLIENT_MESSAGE)

        editor, _ = await open_socket(world.board.pk, world.editor)
        await editor.send_to(text_data="x" * 10_000)
        await expect_closed(editor, live.CLOSE_TOO_BIG)

        await database_sync_to_async(world.board.refresh_from_db)()
        assert world.board.version == version

    run(scenario)


def test_one_process_subscribes_once_per_board_however_many_sockets(world):
    async def scenario():
        hub = live.hub()
        added: list[str] = []
        original = hub.layer.group_add

        async def counting_group_add(group: str, channel: str) -> None:
            added.append(group)
            await original(group, channel)

        hub.layer.group_add = counting_group_add
        try:
            sockets = [(await open_socket(world.board.pk, world.editor))[0] for _ in range(5)]
            assert added == [live.group_name(world.board.pk)]
            assert len(hub.boards[world.board.pk]) == 5
            await call(services.card_create, pipeline=world.todo, title="Fan", actor=world.owner)
            for communicator in sockets:
                assert "Fan" in await communicator.receive_from(timeout=5)
            for communicator in sockets:
                await communicator.disconnect()
            assert world.board.pk not in hub.boards
        finally:
            del hub.layer.group_add

    run(scenario)


def test_open_socket_keeps_only_ids_of_the_handshake_and_still_receives(world):
    async def scenario():
        communicator, _ = await open_socket(world.board.pk, world.editor)
        (consumer,) = live.hub().boards[world.board.pk]
        scope = consumer.scope
        assert (consumer.board_id, consumer.user_id) == (world.board.pk, world.editor.pk)
        assert consumer.pending is None
        assert "user" not in scope and "session" not in scope
        assert scope["cookies"] == {} and scope["headers"] == []
        await call(services.card_create, pipeline=world.todo, title="Still live", actor=world.owner)
        assert "Still live" in await communicator.receive_from(timeout=5)
        await communicator.disconnect()

    run(scenario)


def test_a_writers_broadcast_returns_once_this_process_pages_were_sent_it_and_they_get_it_once(world):
    async def scenario():
        communicator, _ = await open_socket(world.board.pk, world.editor)
        hub = live.hub()
        (consumer,) = hub.boards[world.board.pk]
        delivered = []
        original = consumer.deliver

        async def deliver(version, html):
            delivered.append(version)
            await original(version, html)

        consumer.deliver = deliver
        version = world.board.version + 1000
        message = {"type": "board.fragments", "board": world.board.pk, "version": version, "html": "<p>x</p>"}
        await live._send(hub.layer, world.board.pk, {**message, "origin": ""})
        assert delivered == [version]  # sent before the writer's side went on
        assert "<p>x</p>" in await communicator.receive_from(timeout=5)
        assert await communicator.receive_nothing(timeout=0.3)  # the layer's copy came back and was skipped
        assert delivered == [version] and hub.own[world.board.pk] == set()
        await hub.layer.group_send(live.group_name(world.board.pk), {**message, "version": version + 1})
        assert "<p>x</p>" in await communicator.receive_from(timeout=5)  # another process's write
        await communicator.disconnect()

    run(scenario)


def test_a_write_reaches_this_process_pages_even_when_the_layer_refuses_it(world, monkeypatch):
    async def scenario():
        communicator, _ = await open_socket(world.board.pk, world.editor)
        hub = live.hub()

        async def refuse(group, message):
            raise ConnectionError("the layer is away")

        monkeypatch.setattr(hub.layer, "group_send", refuse)
        version = world.board.version + 1000
        message = {"type": "board.fragments", "board": world.board.pk, "version": version, "html": "<p>here</p>"}
        await live._send(hub.layer, world.board.pk, {**message, "origin": ""})
        assert "<p>here</p>" in await communicator.receive_from(timeout=5)
        assert hub.own[world.board.pk] == set()  # no copy is due back
        monkeypatch.undo()
        await communicator.disconnect()

    run(scenario)


def test_the_hub_sends_one_message_to_all_its_pages_before_it_starts_the_next():
    async def scenario():
        sent: list[tuple[int, int]] = []

        class Page(PageStub):
            async def deliver(self, version: int, html: str) -> None:
                sent.append((version, self.user_id))

        hub = live.Hub()
        hub.boards[4244] = {Page(i) for i in range(35)}
        messages = [
            {"type": "board.fragments", "board": 4244, "version": v, "html": f"<p>{v}</p>", "origin": ""}
            for v in (7, 8)
        ]
        await asyncio.gather(
            hub.dispatch(messages[0], own=True),  # this process's write
            hub.dispatch(messages[1]),  # another's, arriving meanwhile
        )
        assert [version for version, _ in sent] == [7] * 35 + [8] * 35

    run(scenario)


def test_a_move_posted_through_the_server_reaches_an_open_page_before_its_answer_is_sent(world):
    from channels.testing import HttpCommunicator

    async def scenario():
        communicator, _ = await open_socket(world.board.pk, world.editor)
        (consumer,) = live.hub().boards[world.board.pk]
        events = []
        original = consumer.deliver

        async def deliver(version, html):
            events.append("page sent")
            await original(version, html)

        consumer.deliver = deliver
        cookie = await database_sync_to_async(session_cookie)(world.owner)
        token = "t" * 32
        headers = [
            (b"host", b"testserver"),
            ORIGIN,
            (b"cookie", cookie + f"; {settings.CSRF_COOKIE_NAME}={token}".encode()),
            (b"x-csrftoken", token.encode()),
            (b"hx-request", b"true"),
            (b"content-type", b"application/x-www-form-urlencoded"),
        ]
        card = world.cards[0]
        body = f"pipeline={world.doing.pk}&position=0".encode()
        http = HttpCommunicator(application, "POST", f"/b/{world.board.pk}/c/{card.pk}/move/", body, headers)
        response = await http.get_response(timeout=10)
        events.append("answer")
        assert response["status"] == 200
        assert events == ["page sent", "answer"]
        frame = await communicator.receive_from(timeout=5)
        assert f'id="pipeline-{world.doing.pk}"' in frame and f'id="card-{card.pk}"' in frame
        await communicator.disconnect()

    run(scenario)


class PageStub:
    """What the hub needs of an open page, recording what it is sent."""

    def __init__(self, index: int) -> None:
        self.page, self.presence_key, self.user_id = f"page-{index:08d}", f"key-{index}", index
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
        hub = live.Hub()
        hub.layer = SubscribingLayer()
        pages = [PageStub(i) for i in range(5)]
        await asyncio.gather(*(hub.join(4242, page) for page in pages))
        message = {"type": "board.fragments", "board": 4242, "version": 1, "html": "<p>all</p>", "origin": ""}
        await hub.layer.group_send(live.group_name(4242), message)
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


def test_the_first_page_is_written_its_copy_before_the_hub_serves_the_next():
    import socket

    async def scenario():
        loop = asyncio.get_running_loop()
        ends = socket.socketpair()
        order: list[str] = []

        class WritingPage(PageStub):
            """Writes as daphne's transports do: when the loop next finds the socket writable."""

            async def deliver(self, version: int, html: str) -> None:
                order.append("served")
                if len(order) == 1:

                    def write() -> None:
                        loop.remove_writer(ends[0].fileno())
                        order.append("written")

                    loop.add_writer(ends[0].fileno(), write)

        hub = live.Hub()
        hub.boards[4243] = {WritingPage(i) for i in range(3)}
        message = {"type": "board.fragments", "board": 4243, "version": 1, "html": "<p>x</p>", "origin": ""}
        await hub.dispatch(message)
        assert order[:3] == ["served", "written", "served"]
        for end in ends:
            end.close()

    run(scenario)

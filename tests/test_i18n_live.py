"""Live fragments per language: one rendering per language in use on a board, each page its own."""

from __future__ import annotations

import asyncio
import re

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.cache import cache

from board import services
from board.live import fragments, languages, protocol
from board.models import Board
from project.asgi import application
from tests.test_consumers import HOST, ORIGIN, call, run, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

JA, EN = b"ja,en;q=0.5", b"en-US,en;q=0.9"


async def page_socket(board_id: int, user, accept: bytes, *, shown: int | None = None, page: str = ""):
    cookie = await database_sync_to_async(session_cookie)(user)
    query = f"?page={page or 'p' + user.username + 'page1'}" + (f"&v={shown}" if shown is not None else "")
    headers = [HOST, ORIGIN, (b"cookie", cookie), (b"accept-language", accept)]
    communicator = WebsocketCommunicator(application, f"/ws/b/{board_id}/{query}", headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    return communicator, await communicator.receive_from(timeout=5)


async def step_of(communicator, version: int) -> str:
    """The message carrying the board's step `version` (presence lists may come before it)."""
    while True:
        message = await communicator.receive_from(timeout=5)
        if f'data-step="{version}"' in message:
            return message


def version_of(board) -> int:
    return Board.objects.get(pk=board.pk).version


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """The language of each rendering of an event's fragments."""
    from board import i18n

    seen: list[str] = []
    real = fragments.for_event

    def counting(event, board):
        seen.append(i18n.current())
        return real(event, board)

    monkeypatch.setattr(fragments, "for_event", counting)
    return seen


def test_one_change_is_rendered_once_per_language_and_each_page_gets_its_own(world, renders):
    async def scenario():
        pages = {
            "en1": await page_socket(world.board.pk, world.editor, EN),
            "en2": await page_socket(world.board.pk, world.viewer, EN),
            "ja1": await page_socket(world.board.pk, world.owner, JA),
            "ja2": await page_socket(world.board.pk, world.owner, JA, page="ownersecondtab"),
        }
        assert "閲覧中" not in pages["en1"][1] and "カードを追加…" in pages["ja1"][1]  # the whole board, in each
        await call(services.card_move, card=world.cards[0], pipeline=world.doing, actor=world.editor)
        version = await database_sync_to_async(version_of)(world.board)
        got = {name: await step_of(communicator, version) for name, (communicator, _) in pages.items()}
        for name in ("en1", "en2"):
            assert "<strong>eddie</strong> moved “Card 0” from To do to Doing" in got[name]
        for name in ("ja1", "ja2"):
            assert "<strong>eddie</strong> さんが「Card 0」をTo doからDoingへ移動しました" in got[name]
        assert got["en1"] == got["en2"] and got["ja1"] == got["ja2"]  # the very same bytes per language
        for communicator, _ in pages.values():
            await communicator.disconnect()

    run(scenario)
    assert sorted(renders) == ["en", "ja"]  # four pages, two languages: two renderings


def test_a_board_read_in_one_language_is_rendered_once(world, renders):
    async def scenario():
        first, _ = await page_socket(world.board.pk, world.editor, JA)
        second, _ = await page_socket(world.board.pk, world.viewer, JA)
        with_profile = await call(services.profile_update, user=world.owner, language="ja")
        assert with_profile.language == "ja"
        await call(services.card_create, pipeline=world.todo, title="新しいカード", actor=world.owner)
        for communicator in (first, second):
            assert "コメント" not in await step_of(communicator, await database_sync_to_async(version_of)(world.board))
            await communicator.disconnect()

    run(scenario)
    assert renders == ["ja"]  # a write outside a request, only Japanese pages open: Japanese only


def test_a_saved_language_decides_what_the_socket_is_sent(world):
    async def scenario():
        await call(services.profile_update, user=world.viewer, language="ja")
        communicator, whole = await page_socket(world.board.pk, world.viewer, EN)
        assert "カードを追加…" in whole and "Add a card…" not in whole
        await communicator.disconnect()

    run(scenario)


def test_a_page_that_resumes_gets_the_steps_it_missed_in_its_language(world, as_user):
    shown = version_of(world.board)

    async def scenario():
        watching = [  # both languages are read on the board while it changes
            (await page_socket(world.board.pk, world.owner, JA))[0],
            (await page_socket(world.board.pk, world.editor, EN))[0],
        ]
        for card in world.cards[:2]:
            await call(services.card_move, card=card, pipeline=world.doing, actor=world.editor)
        resumed = {}
        for accept in (JA, EN):
            communicator, resumed[accept] = await page_socket(world.board.pk, world.viewer, accept, shown=shown)
            await communicator.disconnect()
        for communicator in watching:
            await communicator.disconnect()
        return resumed

    resumed = run(scenario)
    for accept, words in ((JA, "さんが「Card 1」を"), (EN, "moved “Card 1”")):
        assert "data-whole" not in resumed[accept]  # only the two steps
        assert re.findall(r'data-step="(\d+)"', resumed[accept]) == [str(shown + 1), str(shown + 2)]
        assert words in resumed[accept]


def test_a_page_whose_language_a_change_was_not_rendered_in_gets_the_board_in_its_language(world, monkeypatch):
    async def scenario():
        communicator, _ = await page_socket(world.board.pk, world.owner, JA)
        # As if it connected just after the change was rendered (and no beat said so meanwhile).
        monkeypatch.setattr(languages, "seen", lambda pairs: None)
        cache.delete(languages._key(world.board.pk, "ja"))
        await call(services.card_create, pipeline=world.todo, title="Late", actor=world.editor)
        version = await database_sync_to_async(version_of)(world.board)
        message = await step_of(communicator, version)
        assert f'<template data-step="{version}" data-whole>' in message and "カードを追加…" in message
        assert "Late" in message
        await communicator.disconnect()

    run(scenario)


def test_close_notices_come_in_the_pages_language(world):
    async def scenario():
        communicator, _ = await page_socket(world.board.pk, world.viewer, JA)
        membership = await database_sync_to_async(world.board.memberships.get)(user=world.viewer)
        await call(services.member_remove, membership=membership, actor=world.owner)
        notices = []
        while True:
            message = await communicator.receive_output(timeout=5)
            if message["type"] == "websocket.close":
                assert message["code"] == protocol.CLOSE_FORBIDDEN
                break
            notices.append(message.get("text", ""))
        assert any("このボードのメンバーから外されたため" in text for text in notices)

    run(scenario)


def test_a_move_stays_within_a_kilobyte_in_either_language(world):
    async def scenario():
        en, _ = await page_socket(world.board.pk, world.editor, EN)
        ja, _ = await page_socket(world.board.pk, world.owner, JA)
        await asyncio.sleep(0.7)  # the presence lists of the two joins go out first
        await call(services.card_move, card=world.cards[1], pipeline=world.doing, actor=world.editor)
        version = await database_sync_to_async(version_of)(world.board)
        sizes = {name: len((await step_of(c, version)).encode()) for name, c in (("en", en), ("ja", ja))}
        await en.disconnect()
        await ja.disconnect()
        return sizes

    sizes = run(scenario)
    print("move bytes", sizes)
    assert sizes["en"] <= 1024 and sizes["ja"] <= 1024, sizes


def test_a_closed_socket_leaves_no_language_behind(world):
    from board.live.hub import hub

    async def scenario():
        communicator, _ = await page_socket(world.board.pk, world.owner, JA)
        local = hub()
        assert local.languages[world.board.pk] == {"ja": 1}
        await communicator.disconnect()
        for _ in range(100):
            if world.board.pk not in local.languages:
                break
            await asyncio.sleep(0.01)
        assert world.board.pk not in local.languages

    run(scenario)


def test_a_change_no_page_reads_is_rendered_once_for_the_pages_that_come_back(world, renders):
    services.card_create(pipeline=world.todo, title="Nobody watching", actor=world.owner)
    assert renders == ["en"]

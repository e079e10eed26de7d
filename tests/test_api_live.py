"""API writes and imports reach open board pages over their sockets, like any write."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async

from board.api.tokens import token_create
from board.transfer import files
from tests.test_api import bearer
from tests.test_consumers import open_socket, run

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_api_move_reaches_an_open_page_as_the_cards_new_place(world):
    raw = token_create(user=world.editor, name="t", scope="write")[1]
    card = world.cards[0]

    def move():
        body = json.dumps({"pipeline": world.doing.pk, "after": None})
        url = f"/api/v1/boards/{world.board.pk}/cards/{card.pk}/move/"
        return bearer(raw).post(url, data=body, content_type="application/json").status_code

    async def scenario():
        viewer, _ = await open_socket(world.board.pk, world.viewer)
        assert await database_sync_to_async(move)() == 200
        html = await viewer.receive_from(timeout=5)
        assert f'<i id="card-{card.pk}" data-in="cards-{world.doing.pk}"' in html
        assert "moved “Card 0” from To do to Doing" in html  # the activity line, as for the web
        await viewer.disconnect()

    run(scenario)


def test_a_csv_import_reaches_an_open_page_once_as_the_whole_board(world):
    data = "title,pipeline\n" + "".join(f"Imported {i},Doing\n" for i in range(30))

    async def scenario():
        viewer, _ = await open_socket(world.board.pk, world.viewer)
        await database_sync_to_async(files.import_cards)(data.encode(), board=world.board, actor=world.editor)
        html = await viewer.receive_from(timeout=5)
        assert " data-whole>" in html.split("\n", 1)[0]
        assert html.count("Imported ") >= 30 and 'id="pipelines"' in html
        assert await viewer.receive_nothing(timeout=0.3)  # one message, not one per card
        await viewer.disconnect()

    run(scenario)

"""A board of 5000 cards (Trello's limit per board) in real Chromium: it loads, stays usable
by keyboard, its moves reach the other member, the filter hides cards, off-screen cards are
left for the browser to skip."""

from __future__ import annotations

import pytest

from board.models import Card, Pipeline
from tests.test_big_boards import board_of

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_5000_card_board_loads_moves_by_keyboard_live_and_filters(world, live_url, open_board):
    board = board_of(world.owner, world.editor, 20, 250)
    first, second = Pipeline.objects.filter(board=board)[:2]
    card = Card.objects.filter(pipeline=first).order_by("position").first()
    mover = open_board(live_url, world.owner, board)
    watcher = open_board(live_url, world.editor, board)
    assert mover.locator(".card").count() == 5000
    # Cards far off-screen are not laid out until they come near: the browser skips them.
    last = Card.objects.filter(board=board).order_by("pk").last()
    assert mover.evaluate(f"getComputedStyle(document.getElementById('card-{last.pk}')).contentVisibility") == "auto"

    mover.focus(f"#card-{card.pk}")
    mover.keyboard.press("Space")
    mover.wait_for_selector("#announcer:has-text('Picked up')", state="attached")
    mover.keyboard.press("ArrowRight")
    mover.wait_for_selector("#announcer:has-text('in Stage 1')", state="attached")
    with mover.expect_response(lambda response: response.url.endswith(f"/c/{card.pk}/move/")) as answer:
        mover.keyboard.press("Enter")
    assert answer.value.status == 200
    watcher.wait_for_selector(f"#pipeline-{second.pk} #card-{card.pk}", state="attached", timeout=2000)
    card.refresh_from_db()
    assert card.pipeline_id == second.pk

    watcher.fill("#filter", "invoice")
    watcher.wait_for_function(f"() => document.getElementById('card-{last.pk}').hidden")
    shown = watcher.evaluate("[...document.querySelectorAll('.card')].filter(c => !c.hidden).length")
    assert shown == 20 * 36  # 36 of each pipeline's 250 cards mention an invoice

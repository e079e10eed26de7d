"""What users saw go wrong before the re-founding, checked in real Chromium."""

from __future__ import annotations

import pytest

from board import services
from board.models import Card, Pipeline

pytestmark = pytest.mark.django_db(transaction=True)

LIVE = 1000  # ms


def test_a_quick_mouse_drop_into_an_empty_pipeline_is_kept(world, live_url, open_board):
    card = world.cards[0]
    empty = services.pipeline_create(board=world.board, name="Empty", actor=world.owner)
    mover = open_board(live_url, world.owner, world.board)
    watcher = open_board(live_url, world.editor, world.board)
    source = mover.locator(f"#card-{card.pk}").bounding_box()
    target = mover.locator(f"#pipeline-{empty.pk} ol.cards").bounding_box()
    mover.mouse.move(source["x"] + 10, source["y"] + source["height"] / 2)
    mover.mouse.down()
    mover.mouse.move(target["x"] + target["width"] / 2, target["y"] + target["height"] / 2, steps=2)
    mover.mouse.up()
    watcher.wait_for_selector(f"#pipeline-{empty.pk} #card-{card.pk}", timeout=LIVE)
    mover.wait_for_selector(f"#pipeline-{empty.pk} #card-{card.pk}")
    assert Card.objects.get(pk=card.pk).pipeline_id == empty.pk


def test_a_keyboard_drop_of_a_card_deleted_meanwhile_is_announced_as_refused(world, live_url, open_board):
    card = world.cards[0]
    page = open_board(live_url, world.owner, world.board)
    page.focus(f"#card-{card.pk}")
    page.keyboard.press("Space")
    page.wait_for_selector(f"#card-{card.pk}.moving")
    page.keyboard.press("ArrowRight")
    services.card_delete(card=card, actor=world.editor)  # while it is picked up here
    with page.expect_response(lambda response: response.url.endswith(f"/c/{card.pk}/move/")) as answer:
        page.keyboard.press("Enter")
    assert answer.value.status == 404
    page.wait_for_selector("#announcer:has-text('refused')", state="attached")
    assert "Dropped" not in page.text_content("#announcer")
    page.wait_for_selector("#flash.error:has-text('No such card')")
    page.wait_for_selector(f"#card-{card.pk}", state="detached")  # the page heals to the board as it is


def test_renaming_the_board_renames_the_tab_and_the_breadcrumb_everywhere(world, live_url, open_board):
    renamer = open_board(live_url, world.owner, world.board)
    watcher = open_board(live_url, world.editor, world.board)
    renamer.click("#board-head details.menu summary")
    renamer.fill("#board-name", "Roadmap 2027")
    renamer.click("#board-head details.menu button")
    for page in (renamer, watcher):
        page.wait_for_function("() => document.title === 'Roadmap 2027 · LiveBoard'", timeout=LIVE)
        page.wait_for_selector("#crumb:has-text('Roadmap 2027')")
        page.wait_for_selector("h1.board-title:has-text('Roadmap 2027')")


def test_logging_out_in_one_tab_stops_the_board_in_the_other(world, live_url, open_board):
    first = open_board(live_url, world.editor, world.board)
    second = first.context.new_page()
    second.js_errors = []
    second.on("pageerror", lambda error: second.js_errors.append(str(error)))
    second.goto(f"{live_url}/b/{world.board.pk}/")
    second.wait_for_selector('#live-status[data-state="live"]', state="attached")
    first.click("nav.topbar form button")
    first.wait_for_url("**/accounts/login/**")
    # Its socket is closed by the server (4401), so nothing more reaches it; the page says why.
    second.wait_for_selector('#live-status[data-state="ended"]:has-text("logged out")', timeout=LIVE)


def test_pipelines_moved_by_keyboard_keep_their_order_for_everyone(world, live_url, open_board):
    page = open_board(live_url, world.owner, world.board)
    watcher = open_board(live_url, world.viewer, world.board)
    page.focus(f"#pipeline-{world.doing.pk}-name")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowLeft")
    with page.expect_response(lambda r: r.url.endswith(f"/p/{world.doing.pk}/move/")) as answer:
        page.keyboard.press("Enter")
    assert answer.value.status == 200
    watcher.wait_for_function(
        f"() => document.querySelector('#pipelines > .pipeline').id === 'pipeline-{world.doing.pk}'", timeout=LIVE
    )
    assert list(Pipeline.objects.filter(board=world.board).values_list("pk", flat=True))[:2] == [
        world.doing.pk,
        world.todo.pk,
    ]

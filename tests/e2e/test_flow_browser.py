"""Work-in-progress limits in real Chromium: the count and its marking live, a hard limit's refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from board import services
from board.models import Card

pytestmark = pytest.mark.django_db(transaction=True)

LIVE = 1000  # ms
SHOTS = Path("/tmp/h/shots-flow")


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def count_text(page, pipeline) -> str:
    return page.inner_text(f"#count-{pipeline.pk}").strip()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_limit_set_in_the_menu_and_a_drag_over_it_mark_the_pipeline_for_everyone(world, live_url, open_board, scheme):
    mover = open_board(live_url, world.editor, world.board, color_scheme=scheme)
    watcher = open_board(live_url, world.viewer, world.board, color_scheme=scheme)
    mover.click(f"#pipeline-{world.doing.pk} details.menu > summary")
    mover.fill(f"#pipeline-{world.doing.pk}-limit", "1")
    mover.press(f"#pipeline-{world.doing.pk}-limit", "Enter")
    watcher.wait_for_selector(f"#count-{world.doing.pk}:text-is('0 / 1')", timeout=LIVE)
    mover.wait_for_selector(f"#count-{world.doing.pk}:text-is('0 / 1')")
    mover.click(f"#pipeline-{world.doing.pk} details.menu > summary")  # closes the menu
    for card in world.cards[:2]:
        mover.drag_and_drop(f"#card-{card.pk}", f"#pipeline-{world.doing.pk} ol.cards")
        mover.wait_for_selector(f"#pipeline-{world.doing.pk} #card-{card.pk}")
    watcher.wait_for_selector(f"#count-{world.doing.pk}.over", timeout=LIVE)
    assert " ".join(count_text(watcher, world.doing).split()) == "2 / 1 over limit"
    assert count_text(watcher, world.todo) == "1"
    # Marked beyond its words: the pipeline is outlined in the danger colour, the others are not.
    outline = watcher.evaluate(f"getComputedStyle(document.querySelector('#pipeline-{world.doing.pk}')).boxShadow")
    plain = watcher.evaluate(f"getComputedStyle(document.querySelector('#pipeline-{world.todo.pk}')).boxShadow")
    assert outline != "none" and plain == "none"
    assert Card.objects.filter(pipeline=world.doing).count() == 2
    shot(watcher, f"over-limit-{scheme}")


def test_a_hard_limit_sends_the_dragged_card_back_and_says_the_limit(world, live_url, open_board):
    services.board_set_limits(board=world.board, hard=True, actor=world.owner)
    services.pipeline_set_limit(pipeline=world.doing, limit=1, actor=world.owner)
    services.card_move(card=world.cards[0], pipeline=world.doing, actor=world.owner)
    card = world.cards[1]
    page = open_board(live_url, world.editor, world.board)
    assert count_text(page, world.doing) == "1 / 1"
    page.drag_and_drop(f"#card-{card.pk}", f"#pipeline-{world.doing.pk} ol.cards")
    page.wait_for_selector("#flash.error:has-text('“Doing” is full: its limit is 1 card.')")
    page.wait_for_selector(f"#pipeline-{world.todo.pk} #card-{card.pk}", state="attached")
    assert page.locator(f"#pipeline-{world.doing.pk} .card").count() == 1
    assert Card.objects.get(pk=card.pk).pipeline_id == world.todo.pk
    # A new card into the full pipeline is refused too, and its text stays to try elsewhere.
    page.fill(f"#pipeline-{world.doing.pk} .add-card input[name=title]", "No room")
    page.press(f"#pipeline-{world.doing.pk} .add-card input[name=title]", "Enter")
    page.wait_for_selector("#flash.error:has-text('its limit is 1 card')")
    assert not Card.objects.filter(title="No room").exists()
    shot(page, "hard-limit-refused")


def test_the_owner_switches_to_hard_limits_with_the_plain_form_without_javascript(world, live_url, open_board):
    page = open_board(live_url, world.owner, world.board, java_script_enabled=False)
    page.click("#board-head details.menu.owner-only > summary")
    page.check("input[name=limits][value=hard]")
    page.click("#board-head details.menu.owner-only button")
    page.wait_for_load_state()
    world.board.refresh_from_db()
    assert world.board.hard_limits is True
    assert page.is_checked("input[name=limits][value=hard]")


def test_a_keyboard_move_into_a_full_pipeline_is_refused_and_the_card_stays_where_it_was(world, live_url, open_board):
    services.board_set_limits(board=world.board, hard=True, actor=world.owner)
    services.pipeline_set_limit(pipeline=world.doing, limit=1, actor=world.owner)
    services.card_move(card=world.cards[2], pipeline=world.doing, actor=world.owner)
    card = world.cards[0]
    page = open_board(live_url, world.editor, world.board)
    page.focus(f"#card-{card.pk}")
    page.keyboard.press("Space")
    page.wait_for_selector("#announcer:has-text('Picked up')", state="attached")
    page.keyboard.press("ArrowRight")
    page.wait_for_selector("#announcer:has-text('in Doing')", state="attached")
    with page.expect_response(lambda response: response.url.endswith(f"/c/{card.pk}/move/")) as answer:
        page.keyboard.press("Enter")
    assert answer.value.status == 400
    page.wait_for_selector("#flash.error:has-text('“Doing” is full: its limit is 1 card.')")
    page.wait_for_selector(f"#pipeline-{world.todo.pk} #card-{card.pk}", state="attached")
    assert Card.objects.get(pk=card.pk).pipeline_id == world.todo.pk
    assert page.inner_text(f"#count-{world.doing.pk}").strip() == "1 / 1"

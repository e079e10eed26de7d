"""Labels in real Chromium: the palette by keyboard, a card's labels, live on another member's page,
the plain forms with JavaScript off, and screenshots in both themes."""

from __future__ import annotations

from pathlib import Path

import pytest

from board import services
from board.models import Profile

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path("/tmp/h/shots-cards1")
CHIPS = "(id) => [...document.querySelectorAll(`#${id} .chips .chip`)].map(c => c.textContent)"
CHIP_PAINT = """(id) => { const c = document.querySelector(`#${id} .chips .chip`);
    const s = getComputedStyle(c); return [s.backgroundColor, s.color]; }"""
VAR = "(name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim()"


def chips(page, card) -> list[str]:
    return page.evaluate(CHIPS, f"card-{card.pk}")


def hex_rgb(value: str) -> str:
    value = value.lstrip("#")
    return "rgb({}, {}, {})".format(*(int(value[i : i + 2], 16) for i in (0, 2, 4)))


def labelled(world) -> None:
    """Three labels on the first card, one on the second (for the audit and the screenshots)."""
    bug = services.label_create(board=world.board, name="Bug", colour="red", actor=world.owner)
    ux = services.label_create(board=world.board, name="Design review", colour="purple", actor=world.owner)
    soon = services.label_create(board=world.board, name="Release 2.1", colour="green", actor=world.owner)
    services.card_labels_set(card=world.cards[0], label_ids=[bug.pk, ux.pk, soon.pk], actor=world.owner)
    services.card_labels_set(card=world.cards[1], label_ids=[soon.pk], actor=world.owner)


def test_labels_made_by_keyboard_reach_another_members_page_live(world, live_url, open_board):
    editor = open_board(live_url, world.editor, world.board)
    viewer = open_board(live_url, world.viewer, world.board)
    card = world.cards[0]
    # The palette, by keyboard only: open the panel, type a name, pick a colour, Enter.
    editor.focus("#labels > summary")
    editor.keyboard.press("Enter")
    editor.focus("#labels-panel input[name=name]")
    editor.keyboard.type("Bug")
    editor.select_option("#labels-panel form:last-child select[name=colour]", "red")
    editor.focus("#labels-panel form:last-child input[name=name]")
    editor.keyboard.press("Enter")
    viewer.wait_for_function("() => document.querySelector('#labels-panel .label-list')?.textContent.includes('Bug')")
    # On the card, from its dialog.
    editor.click(f"#card-{card.pk} .card-link")
    editor.wait_for_selector("#panel[open] .card-labels")
    editor.check("#panel .label-choices input[type=checkbox]")
    editor.click("#panel .card-labels button")
    viewer.wait_for_function(f"() => document.querySelector('#card-{card.pk} .chips')")
    assert chips(viewer, card) == ["Bug"]
    assert viewer.evaluate(CHIP_PAINT, f"card-{card.pk}") == [
        hex_rgb(viewer.evaluate(VAR, "--label-red")),
        hex_rgb(viewer.evaluate(VAR, "--label-red-text")),
    ]
    # A rename and recolour (from the editor's panel) changes the face of every card carrying it, everywhere.
    editor.keyboard.press("Escape")
    editor.fill("#labels-panel .label-row input[name=name]", "Defect")
    editor.select_option("#labels-panel .label-row select[name=colour]", "blue")
    editor.focus("#labels-panel .label-row input[name=name]")
    editor.keyboard.press("Enter")
    viewer.wait_for_function(f"() => document.querySelector('#card-{card.pk} .chip')?.textContent === 'Defect'")
    assert viewer.evaluate(CHIP_PAINT, f"card-{card.pk}")[0] == hex_rgb(viewer.evaluate(VAR, "--label-blue"))
    assert "Defect" in viewer.text_content("#labels-panel")  # its panel is closed, and current
    # Deleting it (confirmed) takes it off the card.
    editor.once("dialog", lambda dialog: dialog.accept())
    editor.click("#labels-panel .label-row button.danger")
    viewer.wait_for_function(f"() => !document.querySelector('#card-{card.pk} .chips')")
    assert "no labels yet" in viewer.text_content("#labels-panel")
    # A page that missed changes and gets the whole board gets the palette too.
    services.label_create(board=world.board, name="Behind", colour="lime", actor=world.owner)
    viewer.reload()
    assert "Behind" in viewer.text_content("#labels-panel")


def test_labels_with_javascript_off(world, live_url, open_board):
    page = open_board(live_url, world.editor, world.board, java_script_enabled=False)
    page.click("#labels > summary")
    page.fill("#labels-panel input[placeholder]", "Later")
    page.select_option("#labels-panel form:last-child select[name=colour]", "yellow")
    page.click("#labels-panel form:last-child button")
    page.wait_for_url("**/?labels=open#labels")
    assert page.is_visible("#labels-panel .label-list >> text=Later")  # the panel is open again
    card = world.cards[2]
    page.click(f"#card-{card.pk} .card-link")
    page.check("#panel .label-choices input[type=checkbox]")
    page.click("#panel .card-labels button")
    page.wait_for_url(f"**/c/{card.pk}/")
    assert page.inner_text("#panel .card-labels .chips") == "Later"
    assert chips(page, card) == ["Later"]
    # A rename from the panel, then the face says it.
    page.goto(f"{live_url}/b/{world.board.pk}/?labels=open")
    page.fill("#labels-panel .label-row input[name=name]", "Someday")
    page.click("#labels-panel .label-row form.row button")
    page.wait_for_url("**/?labels=open#labels")
    assert chips(page, card) == ["Someday"]


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("width", [320, 1440])
def test_screenshots_of_a_board_with_labels(world, live_url, open_board, theme, width):
    """Looked at by a person (saved under /tmp/h/shots-cards1); checked here for what must hold."""
    labelled(world)
    Profile.objects.create(user=world.owner, theme=theme)
    page = open_board(live_url, world.owner, world.board, viewport={"width": width, "height": 800})
    assert chips(page, world.cards[0]) == ["Bug", "Design review", "Release 2.1"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"board-labels-{theme}-{width}.png"))
    page.click("#labels > summary")
    page.screenshot(path=str(SHOTS / f"labels-panel-{theme}-{width}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # the open panel fits too
    page.click(f"#card-{world.cards[0].pk} .card-link")
    page.wait_for_selector("#panel[open] .card-labels")
    page.screenshot(path=str(SHOTS / f"card-labels-{theme}-{width}.png"))

"""Dark mode, screen-reader news of others' changes, and input methods, in real Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest

from board.models import Card, Profile

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path("/tmp/h/shots-theme")
LIGHT_BG, DARK_BG = "rgb(244, 245, 247)", "rgb(29, 33, 37)"
LIGHT_CARD, DARK_CARD = "rgb(255, 255, 255)", "rgb(44, 51, 58)"

# What is painted, and what was painted in the very first frame (before any script of ours ran).
FIRST_FRAME = """requestAnimationFrame(() => {
    window.firstFrame = getComputedStyle(document.documentElement).getPropertyValue('--bg').trim(); });"""
PAINTED = """(card) => [getComputedStyle(document.body).backgroundColor,
    getComputedStyle(document.getElementById(card)).backgroundColor,
    getComputedStyle(document.getElementById(card).querySelector('.card-link')).color]"""


def paint(page, card) -> tuple[str, str, str]:
    return tuple(page.evaluate(PAINTED, f"card-{card.pk}"))


def test_a_member_picks_dark_by_keyboard_and_every_page_is_painted_dark_from_its_first_frame(
    world, live_url, open_board
):
    card = world.cards[0]
    page = open_board(live_url, world.editor, world.board)
    page.add_init_script(FIRST_FRAME)
    body, card_bg, _ = paint(page, card)
    assert (body, card_bg) == (LIGHT_BG, LIGHT_CARD)
    # The control in the top bar, by keyboard: open it, go to "Dark", press it.
    page.focus(".theme-menu > summary")
    page.keyboard.press("Enter")
    page.focus(".theme-menu button[value=dark]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector('#live-status[data-state="live"]', state="attached")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert Profile.objects.get(user=world.editor).theme == "dark"
    body, card_bg, text = paint(page, card)
    assert (body, card_bg) == (DARK_BG, DARK_CARD) and text == "rgb(222, 228, 234)"
    assert page.evaluate("window.firstFrame") == "#1d2125"  # never a light frame first
    # Chosen dark stays dark under a light system; "as the system" follows it.
    page.emulate_media(color_scheme="light")
    assert paint(page, card)[0] == DARK_BG
    page.click(".theme-menu > summary")
    with page.expect_navigation():
        page.click(".theme-menu button[value=system]")
    assert paint(page, card)[:2] == (LIGHT_BG, LIGHT_CARD)
    page.emulate_media(color_scheme="dark")
    assert paint(page, card)[:2] == (DARK_BG, DARK_CARD)
    page.reload()
    assert page.evaluate("window.firstFrame") == "#1d2125"  # the system's dark, from the first frame too


def test_without_javascript_a_visitor_s_choice_paints_the_login_page(world, live_url, open_board):
    page = open_board(live_url, None, java_script_enabled=False)
    page.goto(f"{live_url}/accounts/login/")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == LIGHT_BG
    page.click(".theme-menu > summary")
    page.click(".theme-menu button[value=dark]")
    page.wait_for_url(f"{live_url}/accounts/login/")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == DARK_BG


@pytest.mark.parametrize("width", [320, 1440])
def test_dark_screenshots_of_the_board_and_a_card(world, live_url, open_board, width):
    """Looked at by a person (saved under /tmp/h/shots-theme); checked here for what must hold."""
    Profile.objects.create(user=world.owner, theme="dark")
    page = open_board(live_url, world.owner, world.board, viewport={"width": width, "height": 800})
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"board-dark-{width}.png"), full_page=True)
    assert paint(page, world.cards[0])[:2] == (DARK_BG, DARK_CARD)
    # Nothing wider than the screen but the strip, which scrolls by itself.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.click(f"#card-{world.cards[0].pk} .card-link")
    page.wait_for_selector("#panel[open] .comment-form")
    assert page.evaluate("getComputedStyle(document.getElementById('panel')).backgroundColor") == "rgb(34, 39, 43)"
    page.screenshot(path=str(SHOTS / f"card-dark-{width}.png"))
    page.keyboard.press("Escape")
    page.click(".theme-menu > summary")
    page.screenshot(path=str(SHOTS / f"menu-dark-{width}.png"))


# Every sentence the polite region says, in order (it is emptied before each).
HEAR = """() => { window.heard = []; const news = document.getElementById('news');
    new MutationObserver(() => news.textContent && window.heard.push(news.textContent))
        .observe(news, {childList: true, characterData: true, subtree: true}); }"""
POST = """([url, values]) => htmx.ajax('POST', url, {source: document.getElementById('live'), values, swap: 'none'})"""


def test_others_changes_are_said_politely_a_burst_at_once_and_the_focus_stays(world, live_url, open_board):
    mover = open_board(live_url, world.editor, world.board)
    watcher = open_board(live_url, world.owner, world.board)
    for page in (mover, watcher):
        page.evaluate(HEAR)
    assert watcher.get_attribute("#news", "aria-live") == "polite"
    watcher.focus("#filter")
    card = world.cards[0]
    move_url = mover.get_attribute(f"#card-{card.pk}", "data-move-url")
    mover.evaluate(POST, [move_url, {"pipeline": world.doing.pk, "after": "", "before": ""}])
    watcher.wait_for_function("() => window.heard.length === 1", timeout=5000)
    assert watcher.evaluate("window.heard") == ["eddie moved “Card 0” to Doing."]
    assert watcher.evaluate("document.activeElement.id") == "filter"
    # Three changes in a row: one announcement of all three.
    add_url = f"/b/{world.board.pk}/p/{world.todo.pk}/cards/add/"
    for title in ("Alpha", "Beta", "Gamma"):
        mover.evaluate(POST, [add_url, {"title": title}])
    watcher.wait_for_function("() => window.heard.length === 2", timeout=5000)
    assert watcher.evaluate("window.heard[1]") == (
        "eddie added “Alpha” to To do. eddie added “Beta” to To do. eddie added “Gamma” to To do."
    )
    assert watcher.evaluate("document.activeElement.id") == "filter"
    watcher.wait_for_selector(f"#pipeline-{world.todo.pk} .card:has-text('Gamma')", state="attached")
    # The mover's own changes are not read back to them (their own page says what it says today).
    assert mover.evaluate("window.heard") == []


# Counts the steps the socket brought (whether or not the page has applied them yet).
COUNT_STEPS = """() => { window.stepsIn = 0; document.addEventListener('htmx:wsBeforeMessage',
    e => { window.stepsIn += (e.detail.message.match(/data-step=/g) || []).length; }); }"""
FIELD = """() => { const el = document.activeElement, title = document.querySelector('.board-title');
    return [el.id, el.value, el.selectionStart, el.selectionEnd, title.textContent]; }"""


def test_a_japanese_composition_survives_others_changes_which_apply_after_it_ends(world, live_url, open_board):
    other = open_board(live_url, world.editor, world.board)
    page = open_board(live_url, world.owner, world.board)
    page.evaluate(COUNT_STEPS)
    # The owner renames the board: the header (which other members' renames replace) holds the field.
    page.click(".board-head details.menu > summary")
    page.fill("#board-name", "")
    page.focus("#board-name")
    ime = page.context.new_cdp_session(page)
    ime.send("Input.imeSetComposition", {"text": "かんばん", "selectionStart": 4, "selectionEnd": 4})
    # Meanwhile another member renames the board and adds a card.
    rename_url = other.get_attribute("#board-head form", "action")
    other.evaluate(POST, [rename_url, {"name": "Roadmap 2"}])
    other.evaluate(POST, [f"/b/{world.board.pk}/p/{world.todo.pk}/cards/add/", {"title": "Arrived"}])
    page.wait_for_function("() => window.stepsIn >= 2", timeout=5000)
    # Both arrived; neither is applied while the composition is open, and it is intact.
    assert page.evaluate(FIELD) == ["board-name", "かんばん", 4, 4, "Roadmap"]
    assert page.locator(f"#pipeline-{world.todo.pk} .card:has-text('Arrived')").count() == 0
    ime.send("Input.imeSetComposition", {"text": "かんばんボード", "selectionStart": 7, "selectionEnd": 7})
    ime.send("Input.insertText", {"text": "かんばんボード"})  # the input method commits: compositionend
    page.wait_for_selector(f"#pipeline-{world.todo.pk} .card:has-text('Arrived')", state="attached")
    page.wait_for_function("() => document.querySelector('.board-title').textContent === 'Roadmap 2'")
    # The header was replaced under the field: what was typed, the caret and the focus are kept.
    assert page.evaluate(FIELD) == ["board-name", "かんばんボード", 7, 7, "Roadmap 2"]
    assert page.is_visible("#board-name")
    page.keyboard.type("!")
    assert page.input_value("#board-name") == "かんばんボード!"
    assert Card.objects.filter(board=world.board, title="Arrived").exists()


def test_a_composition_in_a_comment_box_waits_out_another_member_s_comment(world, live_url, open_board):
    card = world.cards[1]
    other = open_board(live_url, world.viewer, world.board)
    page = open_board(live_url, world.editor, world.board)
    page.evaluate(COUNT_STEPS)
    page.click(f"#card-{card.pk} .card-link")
    page.wait_for_selector("#panel[open] .comment-form textarea")
    page.fill("#panel .comment-form textarea", "了解")
    page.focus("#panel .comment-form textarea")
    ime = page.context.new_cdp_session(page)
    ime.send("Input.imeSetComposition", {"text": "です", "selectionStart": 2, "selectionEnd": 2})
    other.evaluate(POST, [f"/b/{world.board.pk}/c/{card.pk}/comments/", {"body": "Shipped"}])
    page.wait_for_function("() => window.stepsIn >= 1", timeout=5000)
    typed = "() => { const t = document.activeElement; return [t.name, t.value, t.selectionStart]; }"
    assert page.evaluate(typed) == ["body", "了解です", 4]
    assert page.locator(f"#comments-{card.pk} .comment").count() == 0
    ime.send("Input.insertText", {"text": "です"})
    page.wait_for_selector(f"#comments-{card.pk} .comment:has-text('Shipped')")
    page.wait_for_selector(f"#card-{card.pk}:has-text('1 comment')", state="attached")
    assert page.evaluate(typed) == ["body", "了解です", 4]

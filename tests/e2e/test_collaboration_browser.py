"""Two people working on one card in real Chromium: live comments and the edit badge."""

from __future__ import annotations

import pytest

from board.models import EditClaim

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_comment_appears_live_for_the_other_person_with_the_card_open(world, live_url, open_board):
    card = world.cards[0]
    writer = open_board(live_url, world.viewer, world.board)  # viewers take part by commenting
    reader = open_board(live_url, world.owner, world.board)
    for page in (writer, reader):
        page.click(f"#card-{card.pk} .card-link")
        page.wait_for_selector(f"#comments-{card.pk}", state="attached")
    writer.fill("#panel .comment-form textarea", "Ship it\nsee https://example.com")
    writer.click("#panel .comment-form button")
    reader.wait_for_selector(f"#comments-{card.pk} .comment:has-text('Ship it')", timeout=1000)
    assert reader.locator(f"#comments-{card.pk} a[href='https://example.com']").count() == 1
    reader.wait_for_selector(f"#card-{card.pk}:has-text('1 comment')")
    # The author sees their own comment once, with its edit control; the owner may delete it.
    writer.wait_for_selector(f"#comments-{card.pk} .comment:has-text('Ship it')")
    assert writer.locator(f"#comments-{card.pk} .comment").count() == 1
    assert writer.locator(f"#comments-{card.pk} .c-edit").is_visible()
    assert reader.locator(f"#comments-{card.pk} .c-delete").is_visible()
    assert not reader.locator(f"#comments-{card.pk} .c-edit").is_visible()


def test_opening_the_edit_form_shows_a_badge_to_the_other_person(world, live_url, open_board):
    card = world.cards[1]
    editor = open_board(live_url, world.editor, world.board)
    watcher = open_board(live_url, world.owner, world.board)
    watcher.wait_for_selector("#presence li[title='eddie has the board open']")
    editor.click(f"#card-{card.pk} .card-link")
    editor.click("#panel a[href$='/edit/']")
    watcher.wait_for_selector(f"#card-{card.pk} .claim:has-text('eddie')", timeout=1000)
    # The second person to open the form is told who is editing.
    watcher.click(f"#card-{card.pk} .card-link")
    watcher.click("#panel a[href$='/edit/']")
    watcher.wait_for_selector("#panel .claim-note:has-text('eddie')")
    # Cancelling ends the claim; the badge goes away on the other page.
    editor.click("#panel .cancel-edit")
    watcher.wait_for_selector(f"#card-{card.pk} .claim", state="detached", timeout=1000)
    assert not EditClaim.objects.filter(card=card).exists()


def test_a_change_by_someone_else_flashes(world, live_url, open_board):
    card = world.cards[2]
    editor = open_board(live_url, world.editor, world.board)
    watcher = open_board(live_url, world.owner, world.board)
    watcher.evaluate(
        """() => { window.flashed = [];
            document.addEventListener('htmx:oobAfterSwap', e => e.target.classList
                && e.target.classList.contains('changed') && window.flashed.push(e.target.id)); }"""
    )
    editor.click(f"#card-{card.pk} .card-link")
    editor.click("#panel a[href$='/edit/']")
    editor.fill("#panel input[name=title]", "Flashing")
    editor.click("#panel button:has-text('Save')")
    watcher.wait_for_selector(f"#card-{card.pk}:has-text('Flashing')", timeout=1000)
    watcher.wait_for_function(f"window.flashed.includes('card-{card.pk}')")
    editor.wait_for_selector(f"#card-{card.pk}:has-text('Flashing')")
    assert not editor.locator(f"#card-{card.pk}.changed").count()  # not for the one who made it

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


# Records the element's resting style, then its style a few frames after a fragment with
# `text` replaced it: what the person looking at the page is shown.
WATCH_PAINT = """([id, text]) => {
    const look = el => { const s = getComputedStyle(el);
        return [s.backgroundColor, s.boxShadow, s.outlineStyle, s.outlineColor].join(' | '); };
    const old = document.getElementById(id);
    window.look = () => look(document.getElementById(id));
    window.rest = look(old);
    window.painted = null;
    const watch = new MutationObserver(() => {
        const el = document.getElementById(id);
        if (!el || el === old || !el.textContent.includes(text)) return;
        watch.disconnect();
        let frames = 0;
        const tick = () => (++frames < 4 ? requestAnimationFrame(tick) : (window.painted = look(el)));
        requestAnimationFrame(tick);
    });
    watch.observe(document.body, {childList: true, subtree: true});
}"""


@pytest.mark.parametrize("motion", ["no-preference", "reduce"])
def test_a_change_by_someone_else_is_highlighted_where_it_is_painted(world, live_url, open_board, motion):
    card = world.cards[2]
    editor = open_board(live_url, world.editor, world.board, reduced_motion=motion)
    watcher = open_board(live_url, world.owner, world.board, reduced_motion=motion)
    for page in (editor, watcher):
        page.evaluate(WATCH_PAINT, [f"card-{card.pk}", "Flashing"])
    editor.click(f"#card-{card.pk} .card-link")
    editor.click("#panel a[href$='/edit/']")
    editor.fill("#panel input[name=title]", "Flashing")
    editor.click("#panel button:has-text('Save')")
    watcher.wait_for_selector(f"#card-{card.pk}:has-text('Flashing')", timeout=1000)
    watcher.wait_for_function("() => window.painted !== null")
    rest, painted = watcher.evaluate("[window.rest, window.painted]")
    assert painted != rest, "the change is not highlighted a few frames after it arrived"
    watcher.wait_for_function("() => window.look() === window.rest", timeout=5000)  # and it fades back
    # Not for the one who made it.
    editor.wait_for_function("() => window.painted !== null")
    assert editor.evaluate("window.painted === window.rest")


LOOK = """id => { const s = getComputedStyle(document.getElementById(id));
    return [s.backgroundColor, s.boxShadow, s.outlineStyle].join(' | '); }"""


def test_a_card_someone_else_moved_is_highlighted_where_it_lands(world, live_url, open_board):
    moved, still = world.cards[0], world.cards[1]
    mover = open_board(live_url, world.editor, world.board)
    watcher = open_board(live_url, world.owner, world.board)
    mover.drag_and_drop(f"#card-{moved.pk}", f"#pipeline-{world.doing.pk} ol.cards")
    watcher.wait_for_selector(f"#cards-{world.doing.pk} #card-{moved.pk}", timeout=1000)
    watcher.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    assert watcher.evaluate(LOOK, f"card-{moved.pk}") != watcher.evaluate(LOOK, f"card-{still.pk}")
    assert watcher.text_content(f"#count-{world.doing.pk}").strip() == "1"
    assert watcher.text_content(f"#count-{world.todo.pk}").strip() == "2"
    mover.wait_for_selector(f"#cards-{world.doing.pk} #card-{moved.pk}")
    assert mover.evaluate(LOOK, f"card-{moved.pk}") == mover.evaluate(LOOK, f"card-{still.pk}")  # not for the mover

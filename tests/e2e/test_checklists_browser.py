"""Checklists and attachments in real Chromium: live on the other page, by mouse and keyboard, and without JS."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from board import services
from board.models import Attachment, Checklist, ChecklistItem, Profile
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

LIVE = 1000  # ms
SHOTS = Path("/tmp/h/shots-cards2")


def with_checklist(world, n: int = 3, ticked: int = 1) -> tuple[Checklist, list[ChecklistItem]]:
    checklist = services.checklist_create(card=world.cards[0], title="Launch", actor=world.owner)
    items = [services.checklist_item_create(checklist=checklist, text=f"Step {i}", actor=world.owner) for i in range(n)]
    for item in items[:ticked]:
        services.checklist_item_tick(item=item, done=True, actor=world.owner)
    return checklist, items


def open_card(page, world) -> None:
    page.click(f"#card-{world.cards[0].pk} .card-link")
    page.wait_for_selector("#panel[open] .checklists")


def order(checklist) -> list[str]:
    return list(
        ChecklistItem.objects.filter(checklist=checklist).order_by("position", "id").values_list("text", flat=True)
    )


def painted_order(page, checklist) -> list[str]:
    return page.eval_on_selector_all(f"#checklist-{checklist.pk} .cl-text", "els => els.map(e => e.textContent)")


def test_a_tick_reaches_the_other_members_face_and_open_dialog_within_a_second(world, live_url, open_board):
    _, items = with_checklist(world)
    ticker = open_board(live_url, world.editor, world.board)
    watcher = open_board(live_url, world.viewer, world.board)
    open_card(ticker, world)
    open_card(watcher, world)
    face = f"#card-{world.cards[0].pk} .n-checks"
    assert watcher.text_content(face).startswith("☑ 1/3")
    ticker.click(f"#tick-{items[1].pk}")
    watcher.wait_for_function(f"() => document.querySelector('{face}').textContent.startsWith('☑ 2/3')", timeout=LIVE)
    watcher.wait_for_selector(f"#item-{items[1].pk}.done", timeout=LIVE)
    assert ticker.get_attribute(f"#tick-{items[1].pk}", "aria-pressed") == "true"
    # The viewer sees the state, not the controls.
    assert not watcher.is_visible(f"#tick-{items[1].pk}") and watcher.is_visible(f"#item-{items[1].pk} .cl-state")
    assert not watcher.is_visible("#panel .checklists form")
    assert ChecklistItem.objects.get(pk=items[1].pk).done


def test_dragging_an_item_reorders_it_for_the_other_member(world, live_url, open_board):
    checklist, items = with_checklist(world)
    mover = open_board(live_url, world.owner, world.board)
    watcher = open_board(live_url, world.editor, world.board)
    open_card(mover, world)
    open_card(watcher, world)
    mover.drag_and_drop(
        f"#item-{items[2].pk} .cl-text", f"#item-{items[0].pk} .cl-text", target_position={"x": 2, "y": 1}
    )
    watcher.wait_for_function(
        f"() => document.querySelector('#checklist-{checklist.pk} .cl-item').id === 'item-{items[2].pk}'",
        timeout=LIVE,
    )
    assert order(checklist) == ["Step 2", "Step 0", "Step 1"]
    assert painted_order(mover, checklist) == ["Step 2", "Step 0", "Step 1"]


def test_the_keyboard_moves_an_item_with_its_down_button_and_the_focus_stays_near(world, live_url, open_board):
    checklist, items = with_checklist(world)
    page = open_board(live_url, world.editor, world.board)
    open_card(page, world)
    page.focus(f"#down-{items[0].pk}")
    page.keyboard.press("Enter")
    page.wait_for_function(
        f"() => document.querySelectorAll('#checklist-{checklist.pk} .cl-item')[1].id === 'item-{items[0].pk}'"
    )
    assert order(checklist) == ["Step 1", "Step 0", "Step 2"]


def test_adding_renaming_and_deleting_live_in_the_dialog(world, live_url, open_board):
    checklist, items = with_checklist(world, n=1, ticked=0)
    page = open_board(live_url, world.editor, world.board)
    watcher = open_board(live_url, world.owner, world.board)
    open_card(page, world)
    open_card(watcher, world)
    page.fill(f"#checklist-{checklist.pk} > form input[name=text]", "Write the notes")
    page.keyboard.press("Enter")
    watcher.wait_for_selector(f"#checklist-{checklist.pk} .cl-text:text('Write the notes')", timeout=LIVE)
    page.fill("#panel .checklists > form input[name=title]", "Release")
    page.keyboard.press("Enter")
    watcher.wait_for_selector("#panel .checklist h4:text('Release')", timeout=LIVE)
    page.click(f"#item-{items[0].pk} summary")
    page.fill(f"#item-{items[0].pk} input[name=text]", "Step zero")
    page.click(f"#item-{items[0].pk} .cl-tools .row button")
    watcher.wait_for_selector(f"#item-{items[0].pk} .cl-text:text('Step zero')", timeout=LIVE)
    page.click(f"#item-{items[0].pk} summary")
    page.click(f"#item-{items[0].pk} button.danger")
    watcher.wait_for_selector(f"#item-{items[0].pk}", state="detached", timeout=LIVE)
    assert list(ChecklistItem.objects.filter(checklist=checklist).values_list("text", flat=True)) == ["Write the notes"]


def test_without_javascript_every_checklist_form_works(world, live_url, open_board):
    page = open_board(live_url, None, java_script_enabled=False)
    page.goto(f"{live_url}/accounts/login/")
    page.fill("input[name=username]", world.editor.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stack button")
    card_url = f"{live_url}/b/{world.board.pk}/c/{world.cards[0].pk}/"
    page.goto(card_url)
    page.fill("#panel .checklists > form input[name=title]", "Launch")
    page.click("#panel .checklists > form button")
    page.wait_for_url(card_url)
    checklist = Checklist.objects.get()
    for text in ("One", "Two"):
        page.fill(f"#checklist-{checklist.pk} > form input[name=text]", text)
        page.click(f"#checklist-{checklist.pk} > form button")
        page.wait_for_url(card_url)
    one, two = ChecklistItem.objects.order_by("id")
    page.click(f"#tick-{one.pk}")
    page.wait_for_url(card_url)
    assert page.get_attribute(f"#tick-{one.pk}", "aria-pressed") == "true"
    page.click(f"#up-{two.pk}")
    page.wait_for_url(card_url)
    assert order(checklist) == ["Two", "One"]
    page.click(f"#item-{two.pk} summary")
    page.fill(f"#item-{two.pk} input[name=position]", "2")
    page.click(f"#item-{two.pk} .cl-tools form:nth-of-type(2) button")
    page.wait_for_url(card_url)
    assert order(checklist) == ["One", "Two"]
    page.goto(f"{live_url}/b/{world.board.pk}/")
    assert page.text_content(f"#card-{world.cards[0].pk} .n-checks").startswith("☑ 1/2")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [320, 1440])
def test_screenshots_of_a_card_with_a_checklist(world, live_url, open_board, width, scheme):
    """Looked at by a person (saved under /tmp/h/shots-cards2); checked here for what must hold."""
    with_checklist(world, n=5, ticked=3)
    services.checklist_item_create(
        checklist=Checklist.objects.get(),
        text="A rather long item that has to wrap on a phone screen",
        actor=world.owner,
    )
    picture = io.BytesIO()
    Image.new("RGB", (640, 480), (40, 120, 200)).save(picture, "PNG")
    for name, content in (("diagram.png", picture.getvalue()), ("議事録 2026年12月.pdf", b"%PDF-1.4")):
        services.attachment_create(card=world.cards[0], upload=SimpleUploadedFile(name, content), actor=world.owner)
    Profile.objects.create(user=world.owner, theme=scheme)
    page = open_board(live_url, world.owner, world.board, viewport={"width": width, "height": 900})
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"board-{scheme}-{width}.png"))
    open_card(page, world)
    page.click("#panel .cl-item:nth-child(2) summary")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#panel img.thumb')].every(i => i.complete && i.naturalWidth)"
    )
    page.screenshot(path=str(SHOTS / f"card-{scheme}-{width}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_an_upload_reaches_the_other_members_face_and_dialog_and_downloads_by_its_name(
    world, live_url, open_board, tmp_path
):
    sender = open_board(live_url, world.editor, world.board, accept_downloads=True)
    watcher = open_board(live_url, world.viewer, world.board, accept_downloads=True)
    open_card(sender, world)
    open_card(watcher, world)
    picture = tmp_path / "写真.png"
    Image.new("RGB", (800, 600), (200, 40, 40)).save(picture)
    sender.set_input_files("#panel .attachments input[type=file]", str(picture))
    sender.click("#panel .attachments form button")
    face = f"#card-{world.cards[0].pk} .n-files"
    watcher.wait_for_selector(face, timeout=LIVE)
    assert watcher.text_content(face) == "11 attachment"  # the count shown, then the one said
    watcher.wait_for_selector("#panel .attachment img.thumb", timeout=LIVE)
    assert watcher.evaluate("document.querySelector('#panel .attachment img.thumb').naturalWidth") > 0
    assert not watcher.is_visible("#panel .attachments form")  # a viewer downloads, never uploads
    with watcher.expect_download() as download:
        watcher.click("#panel .attachment a")
    assert download.value.suggested_filename == "写真.png"
    assert Path(download.value.path()).read_bytes() == picture.read_bytes()


def test_without_javascript_a_file_is_uploaded_and_deleted_with_plain_forms(world, live_url, open_board, tmp_path):
    page = open_board(live_url, None, java_script_enabled=False)
    page.goto(f"{live_url}/accounts/login/")
    page.fill("input[name=username]", world.editor.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stack button")
    card_url = f"{live_url}/b/{world.board.pk}/c/{world.cards[0].pk}/"
    page.goto(card_url)
    notes = tmp_path / "notes.txt"
    notes.write_text("plain")
    page.set_input_files("#panel .attachments input[type=file]", str(notes))
    page.click("#panel .attachments form button")
    page.wait_for_url(card_url)
    assert page.text_content("#panel .attachment a") == "notes.txt"
    page.click("#panel .attachment button.danger")
    page.wait_for_url(card_url)
    assert page.locator("#panel .attachment a").count() == 0 and not Attachment.objects.exists()

"""Checklists on cards: services, refusals, the permission matrix, the card face, the live broadcast."""

from __future__ import annotations

import re

import pytest
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from board import events, services
from board.live import announce, fragments
from board.models import Activity, Card, Checklist, ChecklistItem


def burl(w, name: str, *ids: int) -> str:
    return reverse(name, args=[w.board.pk, *ids])


def face(html: str, card_id: int) -> str:
    found = re.findall(rf'<li id="card-{card_id}" .*?</li>', html, flags=re.S)
    assert len(found) == 1, found
    return found[0]


def kinds_since(board, last_id: int) -> list[str]:
    return list(Activity.objects.filter(board=board, pk__gt=last_id).order_by("id").values_list("kind", flat=True))


def last_activity_id(board) -> int:
    return Activity.objects.filter(board=board).order_by("-id").values_list("id", flat=True).first() or 0


@pytest.fixture
def listed(world):
    """Card 0 with a checklist "Launch" of five items, three ticked."""
    card = world.cards[0]
    checklist = services.checklist_create(card=card, title="Launch", actor=world.owner)
    items = [services.checklist_item_create(checklist=checklist, text=f"Step {i}", actor=world.owner) for i in range(5)]
    for item in items[:3]:
        services.checklist_item_tick(item=item, done=True, actor=world.editor)
    return checklist, items


def order_of(checklist) -> list[str]:
    return list(
        ChecklistItem.objects.filter(checklist=checklist).order_by("position", "id").values_list("text", flat=True)
    )


# --- services ------------------------------------------------------------------------------------


def test_every_checklist_write_records_one_event_and_bumps_the_cards_rev(world):
    card = world.cards[0]
    steps = [
        lambda: services.checklist_create(card=card, title="Launch", actor=world.owner),
        lambda: services.checklist_item_create(checklist=Checklist.objects.get(), text="Write", actor=world.editor),
        lambda: services.checklist_item_rename(item=ChecklistItem.objects.get(), text="Write it", actor=world.editor),
        lambda: services.checklist_item_tick(item=ChecklistItem.objects.get(), done=True, actor=world.editor),
        lambda: services.checklist_item_move(item=ChecklistItem.objects.get(), after=None, actor=world.editor),
        lambda: services.checklist_rename(checklist=Checklist.objects.get(), title="Ship", actor=world.owner),
        lambda: services.checklist_item_delete(item=ChecklistItem.objects.get(), actor=world.owner),
        lambda: services.checklist_delete(checklist=Checklist.objects.get(), actor=world.owner),
    ]
    expected = [
        events.CHECKLIST_CREATED, events.CHECKLIST_ITEM_ADDED, events.CHECKLIST_ITEM_RENAMED,
        events.CHECKLIST_ITEM_TICKED, events.CHECKLIST_ITEM_MOVED, events.CHECKLIST_RENAMED,
        events.CHECKLIST_ITEM_DELETED, events.CHECKLIST_DELETED,
    ]  # fmt: skip
    for step, kind in zip(steps, expected, strict=True):
        before = last_activity_id(world.board)
        step()
        assert kinds_since(world.board, before) == [kind]
        card.refresh_from_db()
        world.board.refresh_from_db()
        assert card.rev == world.board.version
    assert not Checklist.objects.exists() and not ChecklistItem.objects.exists()


def test_an_item_moves_by_neighbours_and_a_stale_neighbour_still_places_it(world, listed):
    checklist, items = listed
    services.checklist_item_move(item=items[4], after=None, actor=world.editor)
    assert order_of(checklist) == ["Step 4", "Step 0", "Step 1", "Step 2", "Step 3"]
    services.checklist_item_move(item=items[4], after=items[1].pk, before=items[2].pk, actor=world.editor)
    assert order_of(checklist) == ["Step 0", "Step 1", "Step 4", "Step 2", "Step 3"]
    gone = items[1].pk
    services.checklist_item_delete(item=items[1], actor=world.owner)
    services.checklist_item_move(item=items[0], after=gone, before=items[3].pk, actor=world.editor)
    assert order_of(checklist) == ["Step 4", "Step 2", "Step 0", "Step 3"]


def test_an_item_moved_into_the_same_gap_many_times_keeps_its_order(world, listed):
    checklist, items = listed
    for _ in range(40):  # more than the gap holds: the siblings are spread out again
        services.checklist_item_move(item=items[4], after=items[0].pk, actor=world.editor)
        services.checklist_item_move(item=items[3], after=items[0].pk, actor=world.editor)
    assert order_of(checklist) == ["Step 0", "Step 3", "Step 4", "Step 1", "Step 2"]


@pytest.mark.parametrize(
    ("text", "says"),
    [("", "cannot be empty"), ("   \n ", "cannot be empty"), ("x" * 1_000_000, "at most 500"), ("a\u202eb", "control")],
)
def test_a_bad_item_text_is_refused_and_writes_nothing(world, listed, text, says):
    checklist, _ = listed
    before = (ChecklistItem.objects.count(), last_activity_id(world.board))
    with pytest.raises(ValidationError, match=says):
        services.checklist_item_create(checklist=checklist, text=text, actor=world.editor)
    assert (ChecklistItem.objects.count(), last_activity_id(world.board)) == before


def test_an_empty_checklist_name_is_refused(world):
    with pytest.raises(ValidationError, match="cannot be empty"):
        services.checklist_create(card=world.cards[0], title="  ", actor=world.owner)
    assert not Checklist.objects.exists()


def test_a_write_to_an_item_deleted_meanwhile_is_refused_as_gone(world, listed):
    _, items = listed
    stale = ChecklistItem.objects.select_related("card").get(pk=items[0].pk)
    services.checklist_item_delete(item=items[0], actor=world.owner)
    with pytest.raises(services.Gone):
        services.checklist_item_tick(item=stale, done=True, actor=world.editor)


# --- views: the permission matrix, plain forms, refusals ----------------------------------------


def endpoints(w, checklist, item):
    return [
        (burl(w, "checklist-create", w.cards[0].pk), {"title": "New"}),
        (burl(w, "checklist-rename", checklist.pk), {"title": "Renamed"}),
        (burl(w, "checklist-item-create", checklist.pk), {"text": "More"}),
        (burl(w, "checklist-item-rename", item.pk), {"text": "Again"}),
        (burl(w, "checklist-item-tick", item.pk), {"done": "0"}),
        (burl(w, "checklist-item-move", item.pk), {"position": "3"}),
        (burl(w, "checklist-item-delete", item.pk), {}),
        (burl(w, "checklist-delete", checklist.pk), {}),
    ]


@pytest.mark.parametrize("who", ["owner", "editor"])
def test_owners_and_editors_can_do_everything_with_plain_forms(world, listed, as_user, who):
    checklist, items = listed
    client = as_user(getattr(world, who))
    for url, data in endpoints(world, checklist, items[0]):
        before = last_activity_id(world.board)
        response = client.post(url, data)
        assert response.status_code == 302, url
        assert response["Location"] == burl(world, "card", world.cards[0].pk)
        assert len(kinds_since(world.board, before)) == 1, url
    assert not Checklist.objects.filter(pk=checklist.pk).exists()


@pytest.mark.parametrize(("who", "status"), [("viewer", 403), ("stranger", 404)])
def test_viewers_and_strangers_change_nothing(world, listed, as_user, who, status):
    checklist, items = listed
    before = last_activity_id(world.board)
    for htmx in (False, True):
        client = as_user(getattr(world, who), htmx=htmx)
        for url, data in endpoints(world, checklist, items[0]):
            assert client.post(url, data).status_code == status, url
    assert last_activity_id(world.board) == before
    assert ChecklistItem.objects.get(pk=items[0].pk).done


def test_anonymous_is_sent_to_log_in_and_changes_nothing(world, listed, as_user):
    checklist, items = listed
    before = last_activity_id(world.board)
    for url, data in endpoints(world, checklist, items[0]):
        assert as_user(None).post(url, data).status_code == 302
        assert as_user(None, htmx=True).post(url, data).status_code == 401
    assert last_activity_id(world.board) == before


def test_a_checklist_or_item_of_another_board_is_not_found(world, listed, as_user):
    other = services.checklist_create(card=world.other_card, title="Secret", actor=world.stranger)
    secret = services.checklist_item_create(checklist=other, text="Hidden", actor=world.stranger)
    client = as_user(world.owner, htmx=True)
    assert client.post(burl(world, "checklist-item-tick", secret.pk), {"done": "1"}).status_code == 404
    assert client.post(burl(world, "checklist-item-create", other.pk), {"text": "x"}).status_code == 404
    assert client.post(burl(world, "checklist-rename", other.pk), {"title": "x"}).status_code == 404
    assert client.post(burl(world, "checklist-create", world.other_card.pk), {"title": "x"}).status_code == 404
    assert not ChecklistItem.objects.get(pk=secret.pk).done


def test_bad_input_is_a_400_with_a_message_the_page_shows(world, listed, as_user):
    checklist, items = listed
    client = as_user(world.editor, htmx=True)
    before = last_activity_id(world.board)
    for url, data in [
        (burl(world, "checklist-item-create", checklist.pk), {"text": "y" * 1_000_000}),
        (burl(world, "checklist-item-create", checklist.pk), {"text": ""}),
        (burl(world, "checklist-item-tick", items[0].pk), {"done": "maybe"}),
        (burl(world, "checklist-item-move", items[0].pk), {"position": "-1"}),
        (burl(world, "checklist-item-move", items[0].pk), {"after": "99999999999999999999999"}),
    ]:
        response = client.post(url, data)
        assert response.status_code == 400, (url, data)
        assert response["X-LiveBoard-Message"] == "1" and 'role="alert"' in response.content.decode()
    assert last_activity_id(world.board) == before


def test_the_up_and_down_buttons_and_the_position_form_reorder(world, listed, as_user):
    checklist, items = listed
    client = as_user(world.editor)
    card_page = client.get(burl(world, "card", world.cards[0].pk)).content.decode()
    down = re.search(rf'id="down-{items[0].pk}" name="position" value="(\d+)"', card_page)
    assert down and down.group(1) == "2"
    client.post(burl(world, "checklist-item-move", items[0].pk), {"position": down.group(1)})
    assert order_of(checklist)[:2] == ["Step 1", "Step 0"]
    client.post(burl(world, "checklist-item-move", items[0].pk), {"position": "99"})
    assert order_of(checklist)[-1] == "Step 0"


def test_the_card_dialog_shows_checklists_and_viewers_get_no_controls_shown(world, listed, as_user):
    html = as_user(world.viewer).get(burl(world, "card", world.cards[0].pk)).content.decode()
    assert "Launch" in html and "Step 4" in html and 'data-role="viewer"' in html
    assert re.search(r'<form class="editor-only" method="post" action="[^"]*/tick/"', html)  # hidden by the role


# --- the card face and its cache -----------------------------------------------------------------


def test_the_card_face_shows_progress_with_a_spoken_label_and_never_goes_stale(world, listed, as_user):
    _, items = listed
    client = as_user(world.viewer)
    shown = face(client.get(f"/b/{world.board.pk}/").content.decode(), world.cards[0].pk)
    assert "☑ 3/5" in shown and "Checklist: 3 of 5 done" in shown
    services.checklist_item_tick(item=items[3], done=True, actor=world.editor)
    shown = face(client.get(f"/b/{world.board.pk}/").content.decode(), world.cards[0].pk)
    assert "☑ 4/5" in shown
    services.checklist_item_tick(item=items[4], done=True, actor=world.editor)
    assert "all-done" in face(client.get(f"/b/{world.board.pk}/").content.decode(), world.cards[0].pk)
    assert "n-checks" not in face(client.get(f"/b/{world.board.pk}/").content.decode(), world.cards[1].pk)


def test_a_tick_written_without_the_services_still_changes_the_face(world, listed, as_user):
    """The face cache keys on what the face shows, the counts included, not only on the card's rev."""
    _, items = listed
    client = as_user(world.owner)
    client.get(f"/b/{world.board.pk}/")
    ChecklistItem.objects.filter(pk=items[4].pk).update(done=True)
    assert "☑ 4/5" in face(client.get(f"/b/{world.board.pk}/").content.decode(), world.cards[0].pk)


def test_the_face_reads_in_japanese(world, listed, as_user):
    caches[fragments.CARDS_CACHE].clear()
    client = as_user(world.owner)
    html = client.get(f"/b/{world.board.pk}/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "チェックリスト: 5 項目中 3 項目完了" in face(html, world.cards[0].pk)


# --- live --------------------------------------------------------------------------------------


def one_broadcast(django_capture_on_commit_callbacks, published, write) -> str:
    published.clear()
    with django_capture_on_commit_callbacks(execute=True):
        write()
    messages = [m for _, m in published if m["type"] == "board.fragments"]
    assert len(messages) == 1
    return messages[0]["html"]["en"]


def test_a_tick_sends_the_face_the_checklist_and_the_activity_line(
    world, listed, published, django_capture_on_commit_callbacks
):
    checklist, items = listed
    html = one_broadcast(
        django_capture_on_commit_callbacks,
        published,
        lambda: services.checklist_item_tick(item=items[3], done=True, actor=world.editor),
    )
    assert "☑ 4/5" in face(html, world.cards[0].pk)
    assert f'<div id="checklist-{checklist.pk}" class="checklist" hx-swap-oob="true" data-opt>' in html
    assert f'id="tick-{items[3].pk}"' in html and 'aria-pressed="true"' in html
    assert "ticked “Step 3” on “Card 0”" in html
    assert 'data-say="eddie ticked “Step 3” on “Card 0”."' in html


def test_a_new_checklist_is_appended_and_a_deleted_one_removed_on_open_dialogs(
    world, published, django_capture_on_commit_callbacks
):
    card = world.cards[0]
    html = one_broadcast(
        django_capture_on_commit_callbacks,
        published,
        lambda: services.checklist_create(card=card, title="Release", actor=world.owner),
    )
    checklist = Checklist.objects.get()
    assert f'<div hx-swap-oob="beforeend:#checklists-{card.pk}" data-opt><div id="checklist-{checklist.pk}"' in html
    html = one_broadcast(
        django_capture_on_commit_callbacks,
        published,
        lambda: services.checklist_delete(checklist=checklist, actor=world.owner),
    )
    assert f'<div id="checklist-{checklist.pk}" hx-swap-oob="delete" data-opt></div>' in html
    assert "deleted the checklist “Release” of “Card 0”" in html


def test_activity_lines_and_spoken_sentences_are_translated(world, listed):
    checklist, items = listed
    services.checklist_item_tick(item=items[0], done=False, actor=world.editor)
    services.checklist_item_rename(item=items[1], text="Step one", actor=world.editor)
    services.checklist_item_move(item=items[1], after=None, actor=world.editor)
    services.checklist_item_delete(item=items[2], actor=world.editor)
    services.checklist_rename(checklist=checklist, title="Ship", actor=world.editor)
    services.checklist_delete(checklist=checklist, actor=world.editor)
    with translation.override("ja"):
        for kind in events.CHECKLIST:
            for event in Activity.objects.filter(kind=kind):
                line, said = str(events.line(event)), announce.say(event)
                assert "チェックリスト" in line or "完了" in line, line
                assert said.startswith(f"{event.actor.username} さんが") and said.endswith("。"), said
                assert "Card 0" in line and "Card 0" in said
    untick = Activity.objects.filter(kind=events.CHECKLIST_ITEM_TICKED).order_by("-id").first()
    with translation.override("ja"):
        assert "「Card 0」の「Step 0」を未完了に戻しました" in str(events.line(untick))


def test_deleting_a_card_deletes_its_checklists(world, listed):
    services.card_delete(card=Card.objects.get(pk=world.cards[0].pk), actor=world.owner)
    assert not Checklist.objects.exists() and not ChecklistItem.objects.exists()

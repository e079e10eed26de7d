"""Labels: a board's palette and the labels on its cards; one event each, live, refusals change nothing."""

from __future__ import annotations

import html
import re

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from board import events, services
from board.live import languages
from board.models import Activity, Card, Label
from tests.conftest import client_for
from tests.test_announce import sent
from tests.test_collaboration import open_socket

pytestmark = pytest.mark.django_db


def state() -> tuple:
    """Labels, which cards carry them, card revs and the events: what a refused write must not touch."""
    return (
        sorted(Label.objects.values_list("id", "board_id", "name", "colour")),
        sorted(Label.cards.through.objects.values_list("card_id", "label_id")),
        sorted(Card.objects.values_list("id", "rev")),
        Activity.objects.count(),
    )


def chips(page: str, card_id: int) -> list[tuple[str, str]]:
    """(colour, name) of the chips on the card's face in this HTML."""
    face = re.search(rf'<li id="card-{card_id}"[^>]*>(<ul class="chips".*?</ul>)?', page, re.S)
    assert face, f"card {card_id} not in the page"
    found = re.findall(r'<li class="chip label-(\w+)">([^<]*)</li>', face.group(1) or "")
    return [(colour, html.unescape(name)) for colour, name in found]


@pytest.fixture
def labelled(world):
    world.bug = services.label_create(board=world.board, name="Bug", colour="red", actor=world.owner)
    world.ux = services.label_create(board=world.board, name="UX", colour="blue", actor=world.owner)
    services.card_labels_set(card=world.cards[0], label_ids=[world.bug.pk, world.ux.pk], actor=world.editor)
    services.card_labels_set(card=world.cards[1], label_ids=[world.bug.pk], actor=world.editor)
    return world


# --- services ------------------------------------------------------------------------------------


def test_each_label_write_records_one_event(world):
    before = Activity.objects.count()
    label = services.label_create(board=world.board, name=" Bug ", colour="red", actor=world.owner)
    assert (label.name, label.colour) == ("Bug", "red")
    services.card_labels_set(card=world.cards[0], label_ids=[label.pk], actor=world.editor)
    services.label_update(label=label, name="Defect", colour="orange", actor=world.editor)
    services.label_delete(label=label, actor=world.owner)
    kinds = list(Activity.objects.order_by("id").values_list("kind", flat=True)[before:])
    assert kinds == [events.LABEL_CREATED, events.CARD_LABELS_SET, events.LABEL_UPDATED, events.LABEL_DELETED]


def test_deleting_a_label_takes_it_off_its_cards_and_moves_their_rev(labelled):
    w = labelled
    revs = dict(Card.objects.values_list("id", "rev"))
    services.label_delete(label=w.bug, actor=w.owner)
    assert list(w.cards[0].labels.values_list("name", flat=True)) == ["UX"]
    assert not w.cards[1].labels.exists()
    now = dict(Card.objects.values_list("id", "rev"))
    assert now[w.cards[0].pk] > revs[w.cards[0].pk] and now[w.cards[1].pk] > revs[w.cards[1].pk]
    assert now[w.cards[2].pk] == revs[w.cards[2].pk]  # a card without it keeps its face
    assert Activity.objects.latest("id").data["cards"] == sorted([w.cards[0].pk, w.cards[1].pk])


def test_setting_labels_says_what_was_added_and_taken_off(labelled):
    w = labelled
    services.card_labels_set(card=w.cards[0], label_ids=[w.ux.pk], actor=w.editor)
    event = Activity.objects.latest("id")
    assert (event.data["added"], event.data["removed"]) == ([], ["Bug"])
    assert html.unescape(events.describe(event)) == "took the labels Bug off “Card 0”"
    with translation.override("ja"):
        assert html.unescape(events.describe(event)) == "「Card 0」からラベル Bug を外しました"


@pytest.mark.parametrize(
    "write, message",
    [
        (lambda w: services.label_create(board=w.board, name="", colour="red"), "cannot be empty"),
        (lambda w: services.label_create(board=w.board, name="x" * 51, colour="red"), "at most 50"),
        (lambda w: services.label_create(board=w.board, name="New", colour="pink"), "not one of the label colours"),
        (lambda w: services.label_create(board=w.board, name="bug", colour="red"), "already has a label"),
        (lambda w: services.label_update(label=w.ux, name="BUG", colour="red"), "already has a label"),
        (lambda w: services.label_update(label=w.ux, name="a\u202eb", colour="red"), "text-direction"),
        (lambda w: services.card_labels_set(card=w.cards[2], label_ids=[w.alien.pk]), "not on this board"),
        (lambda w: services.card_labels_set(card=w.cards[2], label_ids=[w.ux.pk, 10**12]), "not on this board"),
    ],
)
def test_bad_label_writes_are_refused_and_change_nothing(labelled, write, message):
    w = labelled
    w.alien = services.label_create(board=w.other_board, name="Secret", colour="green", actor=w.stranger)
    before = state()
    with pytest.raises(ValidationError) as refused:
        write(w)
    assert message in " ".join(refused.value.messages)
    assert state() == before


# --- what pages show -----------------------------------------------------------------------------


def test_the_board_page_shows_chips_with_names_and_the_palette(labelled, as_user):
    w = labelled
    page = as_user(w.viewer).get(reverse("board", args=[w.board.pk])).content.decode()
    assert chips(page, w.cards[0].pk) == [("red", "Bug"), ("blue", "UX")]
    assert chips(page, w.cards[2].pk) == []
    assert 'id="labels-panel"' in page
    assert "label-create" not in page and "/labels/add/" not in page  # a viewer gets no controls


def test_a_rename_reaches_every_card_face_from_cache_and_live(
    labelled, as_user, published, django_capture_on_commit_callbacks
):
    w = labelled
    client = as_user(w.owner)
    board_url = reverse("board", args=[w.board.pk])
    assert chips(client.get(board_url).content.decode(), w.cards[1].pk) == [("red", "Bug")]  # cached now
    rename = lambda: services.label_update(label=w.bug, name="Defect", colour="orange", actor=w.editor)  # noqa: E731
    _, say, by, step = sent(django_capture_on_commit_callbacks, published, rename)
    assert say == "eddie changed the label “Bug”."
    assert by == str(w.editor.pk)
    assert chips(step, w.cards[0].pk) == [("orange", "Defect"), ("blue", "UX")]
    assert chips(step, w.cards[1].pk) == [("orange", "Defect")]
    assert f'id="card-{w.cards[2].pk}"' not in step  # only the cards carrying it
    assert 'id="labels-panel" class="labels-panel" hx-swap-oob="true"' in step
    assert "renamed the label “Bug” to “Defect”" in html.unescape(step)
    assert chips(client.get(board_url).content.decode(), w.cards[1].pk) == [("orange", "Defect")]


def test_a_page_that_gets_the_whole_board_gets_the_palette(labelled):
    from board.live import fragments

    services.label_update(label=labelled.ux, name="Design", colour="purple", actor=labelled.owner)
    _, whole = fragments.render_resync(labelled.board.pk)
    assert 'id="labels-panel" class="labels-panel" hx-swap-oob="true"' in whole
    assert "Design" in whole and chips(whole, labelled.cards[0].pk) == [("red", "Bug"), ("purple", "Design")]


def test_a_japanese_page_is_told_of_labels_in_japanese(labelled, published, django_capture_on_commit_callbacks):
    w = labelled
    languages.seen([(w.board.pk, "ja")])
    write = lambda: services.card_labels_set(card=w.cards[2], label_ids=[w.ux.pk], actor=w.editor)  # noqa: E731
    _, say, _, step = sent(django_capture_on_commit_callbacks, published, write, "ja")
    assert say == "eddie さんが「Card 2」のラベルを変更しました。"
    assert "「Card 2」にラベル UX を付けました" in html.unescape(step)
    assert chips(step, w.cards[2].pk) == [("blue", "UX")]


def test_a_move_does_not_resend_labels(labelled, published, django_capture_on_commit_callbacks):
    w = labelled
    move = lambda: services.card_move(card=w.cards[0], pipeline=w.doing, actor=w.editor)  # noqa: E731
    _, _, _, step = sent(django_capture_on_commit_callbacks, published, move)
    assert "chip" not in step and len(step.encode()) <= 1024


# --- views ---------------------------------------------------------------------------------------


def test_plain_forms_manage_the_palette_and_a_cards_labels(world, as_user):
    client = as_user(world.editor)
    add = client.post(reverse("label-create", args=[world.board.pk]), {"name": "Idea", "colour": "sky"})
    assert add.status_code == 302 and add["Location"].endswith("?labels=open#labels")
    label = Label.objects.get(board=world.board)
    page = client.get(add["Location"]).content.decode()
    assert '<details id="labels" class="activity-panel labels-details" open>' in page
    card = world.cards[0]
    tick = client.post(reverse("card-labels", args=[world.board.pk, card.pk]), {"label": [label.pk]})
    assert tick.status_code == 302 and tick["Location"] == reverse("card", args=[world.board.pk, card.pk])
    dialog = client.get(tick["Location"]).content.decode()
    assert f'name="label" value="{label.pk}" checked' in dialog
    assert chips(dialog, card.pk) == [("sky", "Idea")]  # the board behind the dialog shows its cards
    client.post(reverse("label-update", args=[world.board.pk, label.pk]), {"name": "Plan", "colour": "lime"})
    assert chips(client.get(reverse("board", args=[world.board.pk])).content.decode(), card.pk) == [("lime", "Plan")]
    client.post(reverse("card-labels", args=[world.board.pk, card.pk]), {})  # nothing ticked: no labels
    assert not card.labels.exists()
    assert client.post(reverse("label-delete", args=[world.board.pk, label.pk])).status_code == 302
    assert not Label.objects.exists()


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_label_of_another_board_is_a_400_with_a_message(labelled, as_user, htmx):
    w = labelled
    alien = services.label_create(board=w.other_board, name="Secret", colour="green", actor=w.stranger)
    client = as_user(w.editor, htmx=htmx)
    before = state()
    cases = [
        (reverse("card-labels", args=[w.board.pk, w.cards[2].pk]), {"label": [alien.pk]}, 400, "not on this board"),
        (reverse("card-labels", args=[w.board.pk, w.cards[2].pk]), {"label": ["abc"]}, 400, "whole number"),
        (reverse("label-create", args=[w.board.pk]), {"name": "X", "colour": "pink"}, 400, "valid choice"),
        (reverse("label-create", args=[w.board.pk]), {"name": "", "colour": "red"}, 400, "required"),
        (reverse("label-update", args=[w.board.pk, alien.pk]), {"name": "Mine", "colour": "red"}, 404, "No such label"),
        (reverse("label-delete", args=[w.board.pk, alien.pk]), {}, 404, "No such label"),
    ]
    for url, data, status, message in cases:
        response = client.post(url, data)
        assert response.status_code == status, url
        assert message in html.unescape(response.content.decode())
        assert "Secret" not in response.content.decode()
    assert state() == before


def test_htmx_answer_carries_the_panel_and_the_faces(labelled, as_user):
    w = labelled
    response = as_user(w.owner, htmx=True).post(
        reverse("label-update", args=[w.board.pk, w.ux.pk]), {"name": "Design", "colour": "purple"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert chips(body, w.cards[0].pk) == [("red", "Bug"), ("purple", "Design")]
    assert 'id="labels-panel"' in body


# --- the socket ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_labels_on_a_card_reach_other_members(world):
    async def scenario():
        watcher, _ = await open_socket(world.board.pk, world.viewer)
        label = await database_sync_to_async(services.label_create)(board=world.board, name="Urgent", colour="red")
        card = world.cards[1]
        await database_sync_to_async(services.card_labels_set)(card=card, label_ids=[label.pk], actor=world.editor)
        seen = ""
        while f'id="card-{card.pk}"' not in seen:
            seen = await watcher.receive_from(timeout=5)
        assert chips(seen, card.pk) == [("red", "Urgent")]
        await watcher.disconnect()

    async_to_sync(scenario)()


# --- the admin -----------------------------------------------------------------------------------


def test_the_admin_writes_labels_through_the_services(labelled):
    w = labelled
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw-123456789")
    client = client_for(admin)
    assert client.get("/admin/board/label/").status_code == 200
    response = client.post(f"/admin/board/label/{w.bug.pk}/change/", {"name": "Defect", "colour": "orange"})
    assert response.status_code == 302
    event = Activity.objects.latest("id")
    assert (event.kind, event.actor_id, event.data["cards"]) == (
        events.LABEL_UPDATED,
        admin.pk,
        sorted([w.cards[0].pk, w.cards[1].pk]),
    )
    client.post(f"/admin/board/label/{w.ux.pk}/delete/", {"post": "yes"})
    assert Activity.objects.latest("id").kind == events.LABEL_DELETED
    assert list(w.cards[0].labels.values_list("name", flat=True)) == ["Defect"]

"""Edits in the Django admin go through the services: versions bump, events are recorded, pages hear."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from board import events, services
from board.models import Activity, Board, Card, Comment, Pipeline
from tests.conftest import client_for


@pytest.fixture
def root(db):
    return get_user_model().objects.create_superuser("root", "root@example.com", "x-root-password-1")


@pytest.fixture
def admin_client(root):
    return client_for(root)


def version_of(board: Board) -> int:
    return Board.objects.values_list("version", flat=True).get(pk=board.pk)


def card_ids(pipeline: Pipeline) -> list[int]:
    return list(Card.objects.filter(pipeline=pipeline).order_by("position", "id").values_list("pk", flat=True))


def kinds_since(board: Board, version: int) -> list[str]:
    return list(
        Activity.objects.filter(board=board, version__gt=version).order_by("version").values_list("kind", flat=True)
    )


def test_every_model_is_registered(admin_client, world):
    Activity.objects.create(board=world.board, kind=events.LEGACY, data={"verb": "x", "text": "an old line"})
    for name in ("board", "membership", "pipeline", "card", "comment", "activity", "editclaim", "presence"):
        assert admin_client.get(f"/admin/board/{name}/").status_code == 200


def test_card_edit_in_the_admin_is_broadcast_and_recorded(
    world, admin_client, root, published, django_capture_on_commit_callbacks
):
    card = world.cards[0]
    version = version_of(world.board)
    data = {"pipeline": world.doing.pk, "title": "Renamed in admin", "description": "", "position": card.position}
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/board/card/{card.pk}/change/", data)
    assert response.status_code == 302
    card.refresh_from_db()
    assert card.title == "Renamed in admin" and card.pipeline_id == world.doing.pk
    assert version_of(world.board) == version + 2  # an update and a move
    assert kinds_since(world.board, version) == [events.CARD_UPDATED, events.CARD_MOVED]
    assert set(Activity.objects.filter(version__gt=version).values_list("actor", flat=True)) == {root.pk}
    assert any("Renamed in admin" in m.get("html", {}).get("en", "") for _, m in published)
    assert card_ids(world.todo) == [world.cards[1].pk, world.cards[2].pk]


def test_a_card_rank_typed_in_the_admin_moves_it_to_that_place(world, admin_client):
    first, _, last = world.cards
    data = {"pipeline": world.todo.pk, "title": first.title, "description": "", "position": last.position + 1}
    response = admin_client.post(f"/admin/board/card/{first.pk}/change/", data)
    assert response.status_code == 302
    assert card_ids(world.todo) == [world.cards[1].pk, last.pk, first.pk]
    assert kinds_since(world.board, world.board.version) == [events.CARD_MOVED]


def test_a_card_added_in_the_admin_goes_at_the_end_of_its_pipeline(world, admin_client, root):
    response = admin_client.post(
        "/admin/board/card/add/", {"pipeline": world.todo.pk, "title": "Added", "description": ""}
    )
    assert response.status_code == 302
    added = Card.objects.get(title="Added")
    assert added.board_id == world.board.pk
    assert card_ids(world.todo) == [*(c.pk for c in world.cards), added.pk]
    event = world.board.activities.first()
    assert (event.kind, event.card_id, event.actor) == (events.CARD_CREATED, added.pk, root)


def test_a_pipeline_moved_in_the_admin_goes_through_the_service(world, admin_client):
    done = services.pipeline_create(board=world.board, name="Done")
    data = {"name": "Done", "position": world.todo.position - 1}  # a rank before every other
    response = admin_client.post(f"/admin/board/pipeline/{done.pk}/change/", data)
    assert response.status_code == 302
    assert list(Pipeline.objects.filter(board=world.board).values_list("pk", flat=True)) == [
        done.pk,
        world.todo.pk,
        world.doing.pk,
    ]
    assert world.board.activities.first().kind == events.PIPELINE_MOVED


def test_a_board_renamed_in_the_admin_is_recorded(world, admin_client):
    version = version_of(world.board)
    response = admin_client.post(f"/admin/board/board/{world.board.pk}/change/", {"name": "Renamed by root"})
    assert response.status_code == 302
    assert Board.objects.get(pk=world.board.pk).name == "Renamed by root"
    assert kinds_since(world.board, version) == [events.BOARD_RENAMED]


def test_a_refused_admin_edit_shows_its_message_and_changes_nothing(world, admin_client):
    version = version_of(world.board)
    data = {"pipeline": world.other_pipeline.pk, "title": "Elsewhere", "description": "", "position": 0}
    response = admin_client.post(f"/admin/board/card/{world.cards[0].pk}/change/", data, follow=True)
    assert response.status_code == 200
    assert Card.objects.get(pk=world.cards[0].pk).pipeline_id == world.todo.pk
    assert "no longer exists" in response.content.decode()
    # The title saved before the refused move stays saved: one write, one version.
    assert version_of(world.board) - version == len(kinds_since(world.board, version))


def test_pipeline_delete_in_the_admin_goes_through_the_service(
    world, admin_client, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/board/pipeline/{world.todo.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert list(Pipeline.objects.filter(board=world.board).values_list("pk", flat=True)) == [world.doing.pk]
    assert not Card.objects.filter(pk__in=[c.pk for c in world.cards]).exists()
    assert any(
        f'<i id="pipeline-{world.todo.pk}" hx-swap-oob="delete">' in m.get("html", {}).get("en", "")
        for _, m in published
    )
    assert world.board.activities.first().kind == events.PIPELINE_DELETED


def test_the_admin_moderates_comments(world, admin_client, root):
    comment = services.comment_create(card=world.cards[0], author=world.viewer, body="spam")
    response = admin_client.post(f"/admin/board/comment/{comment.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Comment.objects.exists()
    event = world.board.activities.first()
    assert (event.kind, event.actor, event.card_id) == (events.COMMENT_DELETED, root, world.cards[0].pk)

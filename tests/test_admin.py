"""Edits in the Django admin go through the services: versions bump and pages hear of them."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from board.models import Activity, Board, Card, Comment, Pipeline
from tests.conftest import client_for


@pytest.fixture
def admin_client(db):
    root = get_user_model().objects.create_superuser("root", "root@example.com", "x-root-password-1")
    return client_for(root)


def test_every_model_is_registered(admin_client):
    for name in ("board", "membership", "pipeline", "card", "comment", "activity", "editclaim", "presence"):
        assert admin_client.get(f"/admin/board/{name}/").status_code == 200


def test_card_edit_in_the_admin_is_broadcast_and_logged(
    world, admin_client, published, django_capture_on_commit_callbacks
):
    card = world.cards[0]
    version = Board.objects.get(pk=world.board.pk).version
    data = {"pipeline": world.doing.pk, "title": "Renamed in admin", "description": "", "position": 0}
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/board/card/{card.pk}/change/", data)
    assert response.status_code == 302
    card.refresh_from_db()
    assert card.title == "Renamed in admin" and card.pipeline_id == world.doing.pk
    assert Board.objects.get(pk=world.board.pk).version == version + 2  # an update and a move
    assert any("Renamed in admin" in m.get("html", "") for _, m in published)
    assert Activity.objects.filter(board=world.board, text__contains="Renamed in admin").exists()
    assert sorted(Card.objects.filter(pipeline=world.todo).values_list("position", flat=True)) == [0, 1]


def test_pipeline_delete_in_the_admin_goes_through_the_service(
    world, admin_client, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/board/pipeline/{world.todo.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert list(Pipeline.objects.filter(board=world.board).values_list("position", flat=True)) == [0]
    assert any('id="pipelines"' in m.get("html", "") for _, m in published)


def test_the_admin_moderates_comments(world, admin_client):
    from board import services

    comment = services.comment_create(card=world.cards[0], author=world.viewer, body="spam")
    response = admin_client.post(f"/admin/board/comment/{comment.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Comment.objects.exists()

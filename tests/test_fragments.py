"""board.live.fragments and broadcast: what a change sends, and a card cache that is never stale.

Rendered cards are cached by everything their fragment shows, so a change made without the
services (`manage.py shell`, a data migration, a hand-written UPDATE) shows at once in the
next page and the next broadcast, while unchanged cards are not rendered again.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.test import RequestFactory
from django.utils import timezone

from board import events, services
from board.live import fragments, origin
from board.models import Board, Card, Comment, EditClaim, Membership

PAGE_ID = "page-abcdefgh1234"


@pytest.fixture(autouse=True)
def _cold_card_cache(world):
    """No card rendered yet (the world's own writes rendered them: forget those too)."""
    caches[fragments.CARDS_CACHE].clear()
    yield
    caches[fragments.CARDS_CACHE].clear()


def page(client, board: Board, query: str = "") -> str:
    response = client.get(f"/b/{board.pk}/{query}")
    assert response.status_code == 200
    return response.content.decode()


def card_html(html: str, card_id: int) -> str:
    """The one <li> of a card in a page or a message."""
    found = re.findall(rf'<li id="card-{card_id}" .*?</li>', html, flags=re.S)
    assert len(found) == 1, found
    return found[0]


def broadcast(django_capture_on_commit_callbacks, published, write) -> dict:
    """Run a write, let it commit, and return the one fragments message it published."""
    published.clear()
    with django_capture_on_commit_callbacks(execute=True):
        write()
    messages = [m for _, m in published if m["type"] == "board.fragments"]
    assert len(messages) == 1
    return messages[0]


# --- changes made without the services are never shown stale ---------------------------------


def test_a_title_updated_in_the_shell_shows_in_the_next_page_and_the_next_broadcast(
    world, as_user, published, django_capture_on_commit_callbacks
):
    client = as_user(world.owner)
    card = world.cards[1]
    assert "Card 1" in page(client, world.board)  # now cached
    Card.objects.filter(pk=card.pk).update(title="Renamed in the shell")  # no service, no event
    shown = card_html(page(client, world.board), card.pk)
    assert "Renamed in the shell" in shown and "Card 1" not in shown
    _, whole = fragments.render_resync(world.board.pk)  # what a (re)connecting page is sent
    sent = card_html(whole, card.pk)
    assert "Renamed in the shell" in sent and "Card 1" not in sent


def test_a_card_saved_in_the_shell_shows_in_the_next_page_and_the_next_broadcast(
    world, as_user, published, django_capture_on_commit_callbacks
):
    client = as_user(world.owner)
    page(client, world.board)
    card = Card.objects.get(pk=world.cards[0].pk)
    card.title, card.description = "Saved by hand", "Now with words"
    card.save()
    shown = card_html(page(client, world.board), card.pk)
    assert "Saved by hand" in shown and 'class="has-desc"' in shown
    _, whole = fragments.render_resync(world.board.pk)
    assert "Saved by hand" in card_html(whole, card.pk)
    message = broadcast(  # the next change of that card sends it as it is now
        django_capture_on_commit_callbacks,
        published,
        lambda: services.comment_create(card=card, author=world.viewer, body="Seen"),
    )
    assert "Saved by hand" in card_html(message["html"]["en"], card.pk)


def test_a_description_cleared_in_the_shell_drops_its_marker(world, as_user):
    services.card_update(card=world.cards[0], title="Card 0", description="Words", actor=world.owner)
    client = as_user(world.owner)
    assert 'class="has-desc"' in card_html(page(client, world.board), world.cards[0].pk)
    Card.objects.filter(pk=world.cards[0].pk).update(description="")
    assert 'class="has-desc"' not in card_html(page(client, world.board), world.cards[0].pk)


def test_a_comment_added_in_the_shell_shows_in_the_cards_count(world, as_user):
    client = as_user(world.owner)
    assert "comment" not in card_html(page(client, world.board), world.cards[0].pk)
    Comment.objects.create(card=world.cards[0], author=world.viewer, body="Hand-made")
    assert "1 comment<" in card_html(page(client, world.board), world.cards[0].pk)


def test_an_editor_renamed_in_the_shell_shows_under_the_cards_they_edited(world, as_user):
    services.card_update(card=world.cards[0], title="Edited", description="", actor=world.editor)
    client = as_user(world.owner)
    assert "edited by eddie" in card_html(page(client, world.board), world.cards[0].pk)
    get_user_model().objects.filter(pk=world.editor.pk).update(username="edward")
    shown = card_html(page(client, world.board), world.cards[0].pk)
    assert "edited by edward" in shown and "eddie" not in shown


def test_an_edit_claim_that_ran_out_stops_showing_without_any_write(world, as_user):
    services.claim_take(card=world.cards[0], user=world.editor, page="page-eddie-1")
    client = as_user(world.owner)
    assert "✎ eddie" in card_html(page(client, world.board), world.cards[0].pk)
    EditClaim.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert "✎ eddie" not in card_html(page(client, world.board), world.cards[0].pk)


def test_a_filtered_page_hides_cards_without_hiding_them_on_the_next_unfiltered_page(world, as_user):
    client = as_user(world.owner)
    filtered = page(client, world.board, "?q=zzz")
    assert all(" hidden>" in card_html(filtered, card.pk) for card in world.cards)
    unfiltered = page(client, world.board)
    assert not any(" hidden" in card_html(unfiltered, card.pk) for card in world.cards)


def test_a_broadcast_card_does_not_leak_its_swap_marks_into_the_next_page(
    world, as_user, published, django_capture_on_commit_callbacks
):
    message = broadcast(
        django_capture_on_commit_callbacks,
        published,
        lambda: services.card_update(card=world.cards[0], title="Swapped", description="", actor=world.editor),
    )
    sent = card_html(message["html"]["en"], world.cards[0].pk)
    assert 'hx-swap-oob="true"' in sent and f'data-by="{world.editor.pk}"' in sent
    shown = card_html(page(as_user(world.owner), world.board), world.cards[0].pk)
    assert "Swapped" in shown and "hx-swap-oob" not in shown and "data-by" not in shown


# --- unchanged cards come from the cache -------------------------------------------------------


def test_an_unchanged_card_is_rendered_once_and_then_taken_from_the_cache(world, as_user, card_renders):
    client = as_user(world.owner)
    first = page(client, world.board)
    assert sorted(card_renders) == sorted(card.pk for card in world.cards)
    card_renders.clear()
    second = page(client, world.board)
    assert card_renders == []
    for card in world.cards:
        assert card_html(first, card.pk) == card_html(second, card.pk)


def test_after_a_change_only_the_changed_card_is_rendered_again(world, as_user, card_renders):
    client = as_user(world.owner)
    page(client, world.board)
    Card.objects.filter(pk=world.cards[2].pk).update(title="Only me")
    card_renders.clear()
    page(client, world.board)
    assert card_renders == [world.cards[2].pk]


def test_a_move_renders_no_card(world, as_user, card_renders, published, django_capture_on_commit_callbacks):
    message = broadcast(
        django_capture_on_commit_callbacks,
        published,
        lambda: services.card_move(card=world.cards[0], pipeline=world.doing, after=None, actor=world.owner),
    )
    # A move changes no card's fragment: the page moves the node it has.
    assert card_renders == []
    assert "<li" not in message["html"]["en"].split('hx-swap-oob="afterbegin:#activity-list')[0]


def test_the_page_and_the_broadcast_show_a_card_with_the_same_bytes(
    world, as_user, published, django_capture_on_commit_callbacks
):
    services.card_update(card=world.cards[1], title="Edited", description="x", actor=world.editor)
    services.claim_take(card=world.cards[2], user=world.editor, page="page-eddie-1")
    services.comment_create(card=world.cards[2], author=world.viewer, body="Note")
    caches[fragments.CARDS_CACHE].clear()
    _, whole = fragments.render_resync(world.board.pk)  # a cold cache: rendered for a socket
    shown = page(as_user(world.viewer), world.board)  # from the cache the socket's board filled
    caches[fragments.CARDS_CACHE].clear()
    fresh = page(as_user(world.viewer), world.board)  # rendered afresh
    for card in world.cards:
        assert card_html(whole, card.pk) == card_html(shown, card.pk) == card_html(fresh, card.pk)
    message = broadcast(
        django_capture_on_commit_callbacks,
        published,
        lambda: services.card_create(pipeline=world.doing, title="New", actor=world.owner),
    )
    (new,) = Card.objects.filter(title="New")
    sent = card_html(message["html"]["en"], new.pk).replace(
        f' data-by="{world.owner.pk}"', ""
    )  # who made it, for the flash
    assert sent == card_html(page(as_user(world.viewer), world.board), new.pk)
    assert "edited by eddie" in card_html(fresh, world.cards[1].pk)
    assert "✎ eddie" in card_html(fresh, world.cards[2].pk) and "1 comment<" in card_html(fresh, world.cards[2].pk)


# --- what each event sends -------------------------------------------------------------------


def _membership(world, user) -> Membership:
    return Membership.objects.select_related("board", "user").get(board=world.board, user=user)


def test_a_card_move_sends_its_place_both_counts_and_its_activity_line(
    world, published, django_capture_on_commit_callbacks
):
    message = broadcast(
        django_capture_on_commit_callbacks,
        published,
        lambda: services.card_move(card=world.cards[0], pipeline=world.doing, after=None, actor=world.owner),
    )
    html = message["html"]["en"]
    card, doing, owner = world.cards[0].pk, world.doing.pk, world.owner.pk
    assert f'<i id="card-{card}" data-in="cards-{doing}" data-by="{owner}" hidden>' in html
    assert re.findall(r'<span id="count-(\d+)"[^>]*>(\d+)<', html) == [
        (str(world.todo.pk), "2"),
        (str(world.doing.pk), "1"),
    ]
    assert "<section" not in html and '<li id="card-' not in html
    assert len(html.encode()) < 1024
    # One copy of its line, for the board's list and the card's history.
    assert html.count(f'hx-swap-oob="afterbegin:#activity-list, #history-{world.cards[0].pk}"') == 1
    assert html.count("activity-item") == 1
    assert "moved “Card 0” from To do to Doing" in html
    assert 'id="pipelines"' not in html  # not the whole strip


def test_a_claim_sends_only_that_card_and_no_activity_line(world, published, django_capture_on_commit_callbacks):
    message = broadcast(
        django_capture_on_commit_callbacks,
        published,
        lambda: services.claim_take(card=world.cards[0], user=world.editor, page="page-eddie-1"),
    )
    html = message["html"]["en"]
    assert re.findall(r'<li id="card-(\d+)"', html) == [str(world.cards[0].pk)]
    assert "✎ eddie" in html
    assert "activity-list" not in html and "<section" not in html


def test_a_board_rename_sends_the_header_and_the_crumb(world, published, django_capture_on_commit_callbacks):
    message = broadcast(
        django_capture_on_commit_callbacks,
        published,
        lambda: services.board_rename(board=world.board, name="Plans", actor=world.owner),
    )
    html = message["html"]["en"]
    assert 'id="board-head"' in html and 'id="crumb"' in html and "/ Plans" in html
    assert "renamed the board from “Roadmap” to “Plans”" in html
    assert "<section" not in html


def test_a_pipeline_rename_sends_only_where_its_name_shows(world, published, django_capture_on_commit_callbacks):
    message = broadcast(
        django_capture_on_commit_callbacks,
        published,
        lambda: services.pipeline_rename(pipeline=world.doing, name="Underway", actor=world.owner),
    )
    html = message["html"]["en"]
    assert re.findall(r'<(\w+) id="pipeline-(\d+)-(\w+)"', html) == [
        ("h2", str(world.doing.pk), "name"),
        ("input", str(world.doing.pk), "rename"),
    ]
    assert "Underway" in html and "<section" not in html and 'id="pipelines"' not in html
    assert len(html.encode()) < 1024


def test_a_comment_is_appended_to_the_cards_thread_and_its_deletion_removes_it(
    world, published, django_capture_on_commit_callbacks
):
    made = broadcast(
        django_capture_on_commit_callbacks,
        published,
        lambda: services.comment_create(card=world.cards[0], author=world.viewer, body="Looks good"),
    )
    comment = Comment.objects.get()
    assert f'hx-swap-oob="beforeend:#comments-{world.cards[0].pk}"' in made["html"]["en"]
    assert "Looks good" in made["html"]["en"] and "1 comment<" in card_html(made["html"]["en"], world.cards[0].pk)
    edited = broadcast(
        django_capture_on_commit_callbacks,
        published,
        lambda: services.comment_update(comment=comment, actor=world.viewer, body="Looks great"),
    )
    assert f'<li id="comment-{comment.pk}"' in edited["html"]["en"] and "Looks great" in edited["html"]["en"]
    assert "activity-list" not in edited["html"]["en"]  # comment edits make no line
    deleted = broadcast(
        django_capture_on_commit_callbacks,
        published,
        lambda: services.comment_delete(comment=Comment.objects.get(pk=comment.pk), actor=world.owner),
    )
    assert f'<li id="comment-{comment.pk}" hx-swap-oob="delete" data-opt></li>' in deleted["html"]["en"]
    assert "comment<" not in card_html(deleted["html"]["en"], world.cards[0].pk)


def test_removing_a_member_sends_the_cards_whose_claims_it_ended(world, published, django_capture_on_commit_callbacks):
    services.claim_take(card=world.cards[1], user=world.editor, page="page-eddie-1")
    message = broadcast(
        django_capture_on_commit_callbacks,
        published,
        lambda: services.member_remove(membership=_membership(world, world.editor), actor=world.owner),
    )
    html = message["html"]["en"]
    assert 'id="board-head"' in html
    assert "✎" not in card_html(html, world.cards[1].pk)
    assert [m["user"] for _, m in published if m["type"] == "board.member"] == [world.editor.pk]


def test_the_message_names_the_page_that_made_the_change(world, published, django_capture_on_commit_callbacks):
    factory = RequestFactory()

    def rename(name):
        return lambda request: services.board_rename(board=world.board, name=name, actor=world.owner)

    with django_capture_on_commit_callbacks(execute=True):
        origin.OriginPageMiddleware(rename("From a page"))(factory.post("/", HTTP_X_LIVEBOARD_PAGE=PAGE_ID))
        origin.OriginPageMiddleware(rename("Made-up page"))(factory.post("/", HTTP_X_LIVEBOARD_PAGE="no spaces!"))
        services.board_rename(board=world.board, name="After the request", actor=world.owner)
    assert [m["origin"] for _, m in published] == [PAGE_ID, "", ""]


def test_each_message_carries_the_version_of_its_write(world, published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.pipeline_rename(pipeline=world.todo, name="One")
        services.pipeline_rename(pipeline=world.todo, name="Two")
    versions = [m["version"] for _, m in published]
    latest = Board.objects.get(pk=world.board.pk).version
    assert versions == [latest - 1, latest]
    assert all(re.match(rf'<template data-step="{m["version"]}"[ >]', m["html"]["en"]) for _, m in published)


def test_for_event_renders_the_database_as_it_is_now_for_any_stored_event(world):
    services.card_update(card=world.cards[0], title="Stored", description="", actor=world.editor)
    event = world.board.activities.first()
    assert event.kind == events.CARD_UPDATED
    Card.objects.filter(pk=world.cards[0].pk).update(title="Changed since")
    html = fragments.for_event(event, Board.objects.get(pk=world.board.pk))
    assert "Changed since" in card_html(html, world.cards[0].pk)
    assert "renamed “Card 0” to “Stored”" in html  # the line says what the event did


def test_a_resync_sends_the_whole_board_or_none_once_it_is_gone(world):
    version, html = fragments.render_resync(world.board.pk)
    assert version == Board.objects.get(pk=world.board.pk).version
    assert 'id="board-head"' in html and 'id="pipelines"' in html
    assert all(card_html(html, card.pk) for card in world.cards)
    assert "Do not leak" not in html
    services.board_delete(board=world.board)
    assert fragments.render_resync(world.board.pk) is None

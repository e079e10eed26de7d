"""What was deleted between a page's click and its write: 404 with a message, and nothing recorded.

Opening a card's edit form while the card is deleted stored an edit claim for a card that
was no longer there; a second delete of one card answered 200 like the first.
"""

from __future__ import annotations

import pytest

from board import events, selectors, services
from board.models import Activity, Board, Card, Comment, EditClaim, Pipeline
from tests.test_views import assert_refusal_shown, burl, flash_text, snapshot, text_of


def version_of(board) -> int:
    return Board.objects.get(pk=board.pk).version


def kinds(board) -> list[str]:
    return list(Activity.objects.filter(board=board).order_by("id").values_list("kind", flat=True))


@pytest.fixture
def found_then_deleted(monkeypatch):
    """found_then_deleted(selector_name, model): the view finds the row, then someone else deletes it."""

    def arrange(name: str, model) -> None:
        found = getattr(selectors, name)

        def find_then_delete(**kwargs):
            row = found(**kwargs)
            model.objects.filter(pk=row.pk).delete()
            return row

        monkeypatch.setattr(selectors, name, find_then_delete)

    return arrange


def test_taking_a_claim_on_a_card_deleted_meanwhile_is_gone_and_stores_nothing(world):
    card = Card.objects.select_related("board").get(pk=world.cards[0].pk)
    Card.objects.filter(pk=card.pk).delete()
    version = version_of(world.board)
    with pytest.raises(services.Gone, match="deleted meanwhile"):
        services.claim_take(card=card, user=world.editor, page="page-1234")
    assert not EditClaim.objects.exists()
    assert version_of(world.board) == version


def test_renewing_ones_claim_on_a_card_deleted_meanwhile_is_gone_too(world, monkeypatch):
    """The claim was read, then the card (and its claim with it) went: saving the claim raised a 500."""
    from board.services import claims

    card = Card.objects.select_related("board").get(pk=world.cards[0].pk)
    services.claim_take(card=card, user=world.editor, page="page-1234")
    read = claims.active_claim

    def read_then_delete(**kwargs):
        claim = read(**kwargs)
        Card.objects.filter(pk=card.pk).delete()
        return claim

    monkeypatch.setattr(claims, "active_claim", read_then_delete)
    version = version_of(world.board)
    with pytest.raises(services.Gone):  # was: DatabaseError, "Save with update_fields did not affect any rows"
        services.claim_take(card=card, user=world.editor, page="page-1234")
    # (The delete above ran inside claim_take's transaction here, so it is rolled back with it.)
    assert version_of(world.board) == version


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_opening_the_edit_form_of_a_card_deleted_meanwhile_is_a_404_with_the_message(
    world, as_user, found_then_deleted, htmx
):
    found_then_deleted("card_of_board", Card)
    before = snapshot()
    response = as_user(world.editor, htmx=htmx).get(burl(world, "card-edit", world.cards[0].pk))
    assert response.status_code == 404
    assert "This card was deleted meanwhile: there is nothing left to edit." in flash_text(response)
    if htmx:
        assert_refusal_shown(response)
    else:
        assert 'id="live"' in text_of(response)  # the board page again, without the card
    after = snapshot()
    assert not after["claims"]
    assert after["boards"] == [row for row in before["boards"]]  # no version bump
    assert len(after["cards"]) == len(before["cards"]) - 1  # only the other person's delete


def test_a_second_delete_of_a_card_is_gone_and_records_nothing(world):
    stale = Card.objects.select_related("board").get(pk=world.cards[0].pk)
    services.card_delete(card=stale, actor=world.owner)
    version, history = version_of(world.board), kinds(world.board)
    with pytest.raises(services.Gone, match="already gone"):
        services.card_delete(card=stale, actor=world.editor)
    assert (version_of(world.board), kinds(world.board)) == (version, history)
    assert kinds(world.board).count(events.CARD_DELETED) == 1


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize(
    ("name", "selector", "model", "subject", "message"),
    [
        ("card-delete", "card_of_board", Card, lambda w: w.cards[0], "This card is already gone"),
        ("pipeline-delete", "pipeline_of_board", Pipeline, lambda w: w.doing, "This pipeline is already gone"),
        ("comment-delete", "comment_of_board", Comment, lambda w: w.comment, "This comment is already gone"),
    ],
    ids=["card", "pipeline", "comment"],
)
def test_a_delete_that_lost_the_race_answers_404_already_gone_and_records_nothing(
    world, as_user, found_then_deleted, htmx, name, selector, model, subject, message
):
    world.comment = services.comment_create(card=world.cards[1], author=world.owner, body="Soon gone")
    found_then_deleted(selector, model)
    version, history = version_of(world.board), kinds(world.board)
    response = as_user(world.owner, htmx=htmx).post(burl(world, name, subject(world).pk))
    assert response.status_code == 404
    assert message in flash_text(response)
    if htmx:
        assert_refusal_shown(response)
    assert (version_of(world.board), kinds(world.board)) == (version, history)


def test_a_second_delete_of_a_pipeline_or_a_comment_is_gone_too(world):
    comment = services.comment_create(card=world.cards[0], author=world.owner, body="Once")
    services.comment_delete(comment=comment, actor=world.owner)
    pipeline = Pipeline.objects.select_related("board").get(pk=world.doing.pk)
    services.pipeline_delete(pipeline=pipeline, actor=world.owner)
    version, history = version_of(world.board), kinds(world.board)
    with pytest.raises(services.Gone, match="comment is already gone"):
        services.comment_delete(comment=comment, actor=world.owner)
    with pytest.raises(services.Gone, match="pipeline is already gone"):
        services.pipeline_delete(pipeline=pipeline, actor=world.owner)
    assert (version_of(world.board), kinds(world.board)) == (version, history)

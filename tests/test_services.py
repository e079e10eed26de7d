"""Every write in board.services: validation, ordering contracts, version bumps, broadcasts.

How moves place cards among stale neighbours, and the property test over random edits, are
in test_ranks.py; the events each write records are in test_events.py.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from board import events, services
from board.live import origin
from board.models import Activity, Board, Card, Comment, EditClaim, Membership, Pipeline, Role
from tests.conftest import make_user

# --- helpers ---------------------------------------------------------------------------------


def card_ids(pipeline: Pipeline | int) -> list[int]:
    """The pipeline's card ids in board order."""
    return list(Card.objects.filter(pipeline=pipeline).order_by("position", "id").values_list("id", flat=True))


def pipeline_ids(board: Board) -> list[int]:
    return list(Pipeline.objects.filter(board=board).order_by("position", "id").values_list("id", flat=True))


def version_of(board: Board) -> int:
    return Board.objects.values_list("version", flat=True).get(pk=board.pk)


def snapshot() -> dict[str, list[tuple]]:
    """Every row the services can touch, to prove a refused write changed nothing."""
    return {
        "boards": list(Board.objects.order_by("id").values_list("id", "name", "version", "owner_id")),
        "pipelines": list(Pipeline.objects.order_by("id").values_list("id", "board_id", "name", "position")),
        "cards": list(
            Card.objects.order_by("id").values_list(
                "id", "board_id", "pipeline_id", "title", "description", "position", "version", "rev", "updated_by_id"
            )
        ),
        "members": list(Membership.objects.order_by("id").values_list("id", "board_id", "user_id", "role")),
        "comments": list(Comment.objects.order_by("id").values_list("id", "card_id", "author_id", "body")),
        "claims": list(EditClaim.objects.order_by("id").values_list("id", "card_id", "user_id", "page")),
        "activities": list(Activity.objects.order_by("id").values_list("id", "board_id", "kind", "version")),
    }


def assert_consistent(board: Board) -> None:
    """Each pipeline's cards (and the board's pipelines) have distinct ranks; each card is on its board."""
    pipes = list(Pipeline.objects.filter(board=board).values_list("id", "position"))
    assert len({position for _, position in pipes}) == len(pipes)
    for pipeline_id, _ in pipes:
        ranks = list(Card.objects.filter(pipeline_id=pipeline_id).values_list("position", flat=True))
        assert len(set(ranks)) == len(ranks), f"two cards share a rank in pipeline {pipeline_id}: {sorted(ranks)}"
    assert not Card.objects.filter(board=board).exclude(pipeline__board=board).exists()
    assert not Card.objects.filter(pipeline__board=board).exclude(board=board).exists()


@pytest.fixture
def doing_cards(world) -> list[Card]:
    """Two cards in the `doing` pipeline of the world's board."""
    return [services.card_create(pipeline=world.doing, title=f"Doing {i}", actor=world.owner) for i in range(2)]


BAD_NAMES = {"empty": "", "whitespace": "  \n\t ", "too long": "x" * 201}


# --- boards ----------------------------------------------------------------------------------


def test_board_create_strips_the_name_and_starts_at_version_zero(db):
    owner = make_user("ann")
    board = services.board_create(owner=owner, name="  Launch  ")
    board.refresh_from_db()
    assert board.name == "Launch"
    assert board.owner == owner
    assert board.version == 0


def test_board_create_accepts_a_name_of_exactly_200_characters(db):
    board = services.board_create(owner=make_user("ann"), name="y" * 200)
    assert Board.objects.get(pk=board.pk).name == "y" * 200


@pytest.mark.parametrize("name", BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_board_create_refuses_a_bad_name_and_creates_nothing(db, name):
    owner = make_user("ann")
    with pytest.raises(ValidationError):
        services.board_create(owner=owner, name=name)
    assert not Board.objects.exists()


def test_board_rename_changes_the_name(world):
    services.board_rename(board=world.board, name=" Plans 2025 ", actor=world.owner)
    assert Board.objects.get(pk=world.board.pk).name == "Plans 2025"
    assert world.board.name == "Plans 2025"


@pytest.mark.parametrize("name", BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_board_rename_refuses_a_bad_name_and_changes_nothing(world, name):
    before = snapshot()
    with pytest.raises(ValidationError):
        services.board_rename(board=world.board, name=name, actor=world.owner)
    assert snapshot() == before


def test_board_delete_removes_its_pipelines_cards_and_members_only(world):
    services.board_delete(board=world.board, actor=world.owner)
    assert not Board.objects.filter(pk=world.board.pk).exists()
    assert not Pipeline.objects.filter(board_id=world.board.pk).exists()
    assert not Card.objects.filter(board_id=world.board.pk).exists()
    assert not Membership.objects.filter(board_id=world.board.pk).exists()
    assert Card.objects.filter(pk=world.other_card.pk).exists()


def test_board_delete_of_a_board_deleted_meanwhile_is_refused(world):
    stale = Board.objects.get(pk=world.board.pk)
    services.board_delete(board=world.board)
    with pytest.raises(ValidationError):
        services.board_delete(board=stale)


# --- members ---------------------------------------------------------------------------------


def test_member_add_gives_the_user_the_role(world):
    membership = services.member_add(board=world.board, username=" stan ", role=Role.VIEWER, actor=world.owner)
    assert membership.user == world.stranger
    assert Membership.objects.get(board=world.board, user=world.stranger).role == Role.VIEWER


@pytest.mark.parametrize(
    ("username", "role"),
    [
        ("nobody", Role.VIEWER),  # unknown username
        ("", Role.VIEWER),
        ("olive", Role.EDITOR),  # the owner
        ("eddie", Role.VIEWER),  # a member already
        ("stan", Role.OWNER),  # owner is not a member role
        ("stan", "admin"),
        ("stan", ""),
    ],
    ids=["unknown user", "empty username", "owner", "duplicate", "role owner", "role admin", "role empty"],
)
def test_member_add_refuses_bad_input_and_changes_nothing(world, username, role):
    before = snapshot()
    with pytest.raises(ValidationError):
        services.member_add(board=world.board, username=username, role=role, actor=world.owner)
    assert snapshot() == before


def test_member_set_role_changes_only_that_member(world):
    membership = Membership.objects.get(board=world.board, user=world.editor)
    services.member_set_role(membership=membership, role=Role.VIEWER, actor=world.owner)
    roles = dict(Membership.objects.filter(board=world.board).values_list("user__username", "role"))
    assert roles == {"eddie": Role.VIEWER, "vera": Role.VIEWER}


@pytest.mark.parametrize("role", [Role.OWNER, "admin", ""])
def test_member_set_role_refuses_a_bad_role_and_changes_nothing(world, role):
    membership = Membership.objects.get(board=world.board, user=world.editor)
    before = snapshot()
    with pytest.raises(ValidationError):
        services.member_set_role(membership=membership, role=role, actor=world.owner)
    assert snapshot() == before


def test_member_set_role_of_a_member_removed_meanwhile_is_refused(world):
    stale = Membership.objects.select_related("board").get(board=world.board, user=world.editor)
    services.member_remove(membership=Membership.objects.select_related("board").get(pk=stale.pk))
    before = snapshot()
    with pytest.raises(ValidationError):
        services.member_set_role(membership=stale, role=Role.VIEWER, actor=world.owner)
    assert snapshot() == before


def test_member_remove_removes_only_that_member(world):
    membership = Membership.objects.get(board=world.board, user=world.viewer)
    services.member_remove(membership=membership, actor=world.owner)
    assert list(Membership.objects.filter(board=world.board).values_list("user__username", flat=True)) == ["eddie"]


def test_member_remove_ends_that_members_edit_claims_only(world):
    services.claim_take(card=world.cards[0], user=world.editor, page="page-eddie-1")
    services.claim_take(card=world.cards[1], user=world.viewer, page="page-vera-1")
    services.member_remove(membership=Membership.objects.get(board=world.board, user=world.editor))
    assert list(EditClaim.objects.values_list("card_id", "user_id")) == [(world.cards[1].pk, world.viewer.pk)]


def test_member_remove_of_a_member_removed_meanwhile_is_refused(world):
    stale = Membership.objects.select_related("board", "user").get(board=world.board, user=world.editor)
    services.member_remove(membership=Membership.objects.select_related("board").get(pk=stale.pk))
    before = snapshot()
    with pytest.raises(ValidationError):
        services.member_remove(membership=stale, actor=world.owner)
    assert snapshot() == before  # no second "removed eddie" line, no second version


# --- pipelines -------------------------------------------------------------------------------


def test_pipeline_create_adds_at_the_end(world):
    pipeline = services.pipeline_create(board=world.board, name=" Done ", actor=world.owner)
    assert pipeline.name == "Done"
    assert pipeline_ids(world.board) == [world.todo.pk, world.doing.pk, pipeline.pk]
    assert_consistent(world.board)


def test_pipeline_create_after_a_pipeline_moved_first_still_adds_at_the_end(world):
    services.pipeline_move(pipeline=world.doing, after=None, before=world.todo.pk)
    pipeline = services.pipeline_create(board=world.board, name="Done")
    assert pipeline_ids(world.board) == [world.doing.pk, world.todo.pk, pipeline.pk]


@pytest.mark.parametrize("name", BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_pipeline_create_refuses_a_bad_name_and_changes_nothing(world, name):
    before = snapshot()
    with pytest.raises(ValidationError):
        services.pipeline_create(board=world.board, name=name, actor=world.owner)
    assert snapshot() == before


def test_pipeline_rename_changes_only_its_name(world):
    services.pipeline_rename(pipeline=world.doing, name="In progress", actor=world.owner)
    names = list(Pipeline.objects.filter(board=world.board).values_list("name", flat=True))
    assert names == ["To do", "In progress"]


@pytest.mark.parametrize("name", BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_pipeline_rename_refuses_a_bad_name_and_changes_nothing(world, name):
    before = snapshot()
    with pytest.raises(ValidationError):
        services.pipeline_rename(pipeline=world.todo, name=name, actor=world.owner)
    assert snapshot() == before


def test_pipeline_rename_of_a_pipeline_deleted_meanwhile_is_refused(world):
    stale = Pipeline.objects.select_related("board").get(pk=world.doing.pk)
    services.pipeline_delete(pipeline=world.doing)
    before = snapshot()
    with pytest.raises(ValidationError):
        services.pipeline_rename(pipeline=stale, name="Ghost")
    assert snapshot() == before


def test_pipeline_delete_removes_its_cards_and_keeps_the_others_in_order(world):
    done = services.pipeline_create(board=world.board, name="Done", actor=world.owner)
    untouched = list(Pipeline.objects.exclude(pk=world.todo.pk).order_by("id").values_list("id", "position"))
    services.pipeline_delete(pipeline=world.todo, actor=world.owner)
    assert pipeline_ids(world.board) == [world.doing.pk, done.pk]
    # Nothing is renumbered: the other pipelines' rows are as they were.
    assert list(Pipeline.objects.order_by("id").values_list("id", "position")) == untouched
    assert not Card.objects.filter(pk__in=[c.pk for c in world.cards]).exists()
    assert Card.objects.filter(pk=world.other_card.pk).exists()


def test_pipeline_delete_of_a_pipeline_deleted_meanwhile_is_refused(world):
    stale = Pipeline.objects.select_related("board").get(pk=world.doing.pk)
    services.pipeline_delete(pipeline=world.doing)
    before = snapshot()
    with pytest.raises(ValidationError):
        services.pipeline_delete(pipeline=stale)
    assert snapshot() == before


@pytest.fixture
def four_pipelines(world) -> list[Pipeline]:
    extra = [services.pipeline_create(board=world.board, name=n, actor=world.owner) for n in ("Review", "Done")]
    return [world.todo, world.doing, *extra]


def neighbours(order: list[int], moved: int) -> tuple[int | None, int | None]:
    """The `after` and `before` a page posts for `moved` once it shows `order`."""
    index = order.index(moved)
    return (order[index - 1] if index else None), (order[index + 1] if index + 1 < len(order) else None)


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        (0, [1, 2, 0, 3]),
        (3, [3, 0, 1, 2]),  # to the top
        (1, [0, 1, 2, 3]),  # dropped where it was
        (0, [1, 2, 3, 0]),  # to the end
        (2, [2, 0, 1, 3]),
    ],
)
def test_pipeline_move_puts_it_between_the_neighbours_the_page_saw(world, four_pipelines, index, expected):
    order = [four_pipelines[i].pk for i in expected]
    after, before = neighbours(order, four_pipelines[index].pk)
    moved = services.pipeline_move(pipeline=four_pipelines[index], after=after, before=before, actor=world.owner)
    assert pipeline_ids(world.board) == order
    assert moved.position == Pipeline.objects.get(pk=moved.pk).position
    assert_consistent(world.board)


def test_pipeline_move_with_only_after_or_only_before_is_understood(world, four_pipelines):
    todo, doing, review, done = four_pipelines
    services.pipeline_move(pipeline=todo, after=review.pk)  # no `before`: right after review
    assert pipeline_ids(world.board) == [doing.pk, review.pk, todo.pk, done.pk]
    services.pipeline_move(pipeline=done, before=doing.pk)  # no `after`: the top
    assert pipeline_ids(world.board) == [done.pk, doing.pk, review.pk, todo.pk]


def test_pipeline_move_from_a_stale_copy_moves_the_pipeline_as_it_is_now(world, four_pipelines):
    stale = Pipeline.objects.select_related("board").get(pk=four_pipelines[3].pk)  # loaded last
    services.pipeline_move(pipeline=four_pipelines[3], after=None)
    services.pipeline_move(pipeline=stale, after=four_pipelines[1].pk, before=four_pipelines[2].pk)
    todo, doing, review, done = (p.pk for p in four_pipelines)
    assert pipeline_ids(world.board) == [todo, doing, done, review]
    assert_consistent(world.board)


def test_pipeline_move_after_a_pipeline_deleted_meanwhile_goes_before_the_other_neighbour(world, four_pipelines):
    todo, doing, review, done = four_pipelines
    services.pipeline_delete(pipeline=doing)
    services.pipeline_move(pipeline=done, after=doing.pk, before=review.pk)  # the page still showed `doing`
    assert pipeline_ids(world.board) == [todo.pk, done.pk, review.pk]


def test_pipeline_move_keeps_pipelines_added_meanwhile_where_they_are(world, four_pipelines):
    todo, doing, review, done = four_pipelines
    added = services.pipeline_create(board=world.board, name="Added meanwhile")  # the page does not show it
    services.pipeline_move(pipeline=todo, after=done.pk, before=None)
    assert pipeline_ids(world.board) == [doing.pk, review.pk, done.pk, todo.pk, added.pk]


def test_pipeline_move_next_to_another_boards_pipeline_changes_nothing_there(world, four_pipelines):
    todo, doing, review, done = four_pipelines
    foreign = list(Pipeline.objects.filter(board=world.other_board).values_list("id", "position"))
    services.pipeline_move(pipeline=todo, after=world.other_pipeline.pk, before=done.pk)
    assert pipeline_ids(world.board) == [doing.pk, review.pk, todo.pk, done.pk]
    assert list(Pipeline.objects.filter(board=world.other_board).values_list("id", "position")) == foreign


def test_pipeline_move_of_a_pipeline_deleted_meanwhile_is_refused(world):
    stale = Pipeline.objects.select_related("board").get(pk=world.doing.pk)
    services.pipeline_delete(pipeline=world.doing)
    before = snapshot()
    with pytest.raises(ValidationError):
        services.pipeline_move(pipeline=stale, after=None)
    assert snapshot() == before


# --- cards: create, update, delete -----------------------------------------------------------


def test_card_create_adds_at_the_end_with_its_author(world):
    card = services.card_create(pipeline=world.todo, title="  New  ", description=" Some\r\ntext ", actor=world.editor)
    card.refresh_from_db()
    assert (card.title, card.description, card.updated_by, card.board) == (
        "New",
        "Some\ntext",
        world.editor,
        world.board,
    )
    assert card_ids(world.todo) == [*(c.pk for c in world.cards), card.pk]
    assert_consistent(world.board)


def test_card_create_after_a_card_moved_to_the_end_still_adds_last(world):
    first = world.cards[0]
    services.card_move(card=first, pipeline=world.todo, after=world.cards[2].pk)
    card = services.card_create(pipeline=world.todo, title="Newest")
    assert card_ids(world.todo) == [world.cards[1].pk, world.cards[2].pk, first.pk, card.pk]


def test_card_create_anonymously_records_no_author(world):
    card = services.card_create(pipeline=world.todo, title="From a script")
    assert Card.objects.get(pk=card.pk).updated_by is None


def test_card_create_accepts_limits_exactly(world):
    card = services.card_create(pipeline=world.doing, title="t" * 200, description="d" * 10_000)
    card.refresh_from_db()
    assert (len(card.title), len(card.description)) == (200, 10_000)


@pytest.mark.parametrize(
    ("title", "description"),
    [("", ""), ("   ", ""), ("t" * 201, ""), ("Fine", "d" * 10_001)],
    ids=["empty title", "whitespace title", "title too long", "description too long"],
)
def test_card_create_refuses_bad_input_and_changes_nothing(world, title, description):
    before = snapshot()
    with pytest.raises(ValidationError):
        services.card_create(pipeline=world.todo, title=title, description=description, actor=world.owner)
    assert snapshot() == before


def test_card_create_in_a_pipeline_deleted_meanwhile_is_refused(world):
    stale = Pipeline.objects.select_related("board").get(pk=world.doing.pk)
    services.pipeline_delete(pipeline=world.doing)
    before = snapshot()
    with pytest.raises(ValidationError):
        services.card_create(pipeline=stale, title="Lost")
    assert snapshot() == before


def test_card_update_changes_text_bumps_card_version_and_records_author(world):
    card = world.cards[1]
    updated = services.card_update(
        card=card, title=" Renamed ", description="Why", actor=world.editor, base_version=card.version
    )
    fresh = Card.objects.get(pk=card.pk)
    assert (fresh.title, fresh.description, fresh.version, fresh.updated_by) == (
        "Renamed",
        "Why",
        card.version + 1,
        world.editor,
    )
    assert updated.version == fresh.version
    assert (fresh.pipeline_id, fresh.position) == (card.pipeline_id, card.position)
    assert fresh.rev == version_of(world.board)  # its fragment changed at this version


def test_card_update_without_base_version_always_saves(world):
    card = world.cards[0]
    services.card_update(card=card, title="One", description="", actor=world.owner)
    services.card_update(card=card, title="Two", description="", actor=world.owner)
    assert Card.objects.get(pk=card.pk).title == "Two"


def test_card_update_based_on_an_old_version_is_refused_as_stale(world):
    card = world.cards[0]
    seen = card.version
    services.card_update(card=card, title="Theirs", description="their text", actor=world.editor)
    before = snapshot()
    with pytest.raises(services.StaleEdit) as refused:
        services.card_update(card=card, title="Mine", description="my text", actor=world.owner, base_version=seen)
    assert snapshot() == before
    assert (refused.value.current.title, refused.value.current.version) == ("Theirs", seen + 1)
    assert isinstance(refused.value, ValidationError)


def test_card_update_over_someone_elses_claim_needs_confirmation(world):
    card = world.cards[0]
    services.claim_take(card=card, user=world.editor, page="page-eddie-1")
    before = snapshot()
    with pytest.raises(services.ClaimHeld) as refused:
        services.card_update(card=card, title="Mine", description="", actor=world.owner, over_claim=False)
    assert refused.value.claim.user == world.editor
    assert snapshot() == before
    services.card_update(card=card, title="Mine", description="", actor=world.owner, over_claim=True)
    assert Card.objects.get(pk=card.pk).title == "Mine"
    assert EditClaim.objects.filter(card=card, user=world.editor).exists()  # still theirs


def test_card_update_ends_the_savers_own_claim(world):
    card = world.cards[0]
    services.claim_take(card=card, user=world.editor, page="page-eddie-1")
    services.card_update(card=card, title="Saved", description="", actor=world.editor, over_claim=False)
    assert not EditClaim.objects.filter(card=card).exists()


@pytest.mark.parametrize(
    ("title", "description"),
    [("", "x"), (" \t", "x"), ("t" * 201, "x"), ("Fine", "d" * 10_001)],
    ids=["empty title", "whitespace title", "title too long", "description too long"],
)
def test_card_update_refuses_bad_input_and_changes_nothing(world, title, description):
    before = snapshot()
    with pytest.raises(ValidationError):
        services.card_update(card=world.cards[0], title=title, description=description, actor=world.owner)
    assert snapshot() == before


def test_card_update_of_a_card_deleted_meanwhile_is_refused(world):
    card = world.cards[0]
    services.card_delete(card=Card.objects.get(pk=card.pk))
    before = snapshot()
    with pytest.raises(ValidationError):
        services.card_update(card=card, title="Ghost", description="")
    assert snapshot() == before


def test_card_delete_keeps_the_order_of_the_others_without_rewriting_them(world):
    first, middle, last = world.cards
    others = list(Card.objects.exclude(pk=middle.pk).order_by("id").values_list("id", "pipeline_id", "position"))
    services.card_delete(card=middle, actor=world.owner)
    assert card_ids(world.todo) == [first.pk, last.pk]
    assert list(Card.objects.order_by("id").values_list("id", "pipeline_id", "position")) == others


def test_card_delete_of_a_card_moved_meanwhile_deletes_it_where_it_is_now(world, doing_cards):
    card = world.cards[0]  # loaded while in `todo`
    services.card_move(card=Card.objects.get(pk=card.pk), pipeline=world.doing, after=doing_cards[0].pk)
    services.card_delete(card=card, actor=world.owner)
    assert card_ids(world.doing) == [c.pk for c in doing_cards]
    assert card_ids(world.todo) == [world.cards[1].pk, world.cards[2].pk]
    assert_consistent(world.board)


def test_card_delete_of_a_card_deleted_meanwhile_is_refused(world):
    card = world.cards[0]
    services.card_delete(card=Card.objects.get(pk=card.pk))
    before = snapshot()
    with pytest.raises(services.Gone, match="This card is already gone"):
        services.card_delete(card=card)
    assert snapshot() == before


# --- cards: card_move ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("index", "expected"),
    [(0, [1, 2, 0]), (2, [2, 0, 1]), (1, [0, 1, 2]), (0, [1, 0, 2])],
    ids=["first to last", "last to first", "dropped in place", "one down"],
)
def test_card_move_within_a_pipeline_puts_it_between_the_neighbours_the_page_saw(world, index, expected):
    order = [world.cards[i].pk for i in expected]
    after, before = neighbours(order, world.cards[index].pk)
    moved = services.card_move(card=world.cards[index], pipeline=world.todo, after=after, before=before)
    assert card_ids(world.todo) == order
    assert (moved.pipeline_id, moved.position) == Card.objects.values_list("pipeline_id", "position").get(pk=moved.pk)
    assert_consistent(world.board)


@pytest.mark.parametrize("slot", [0, 1, 2])
def test_card_move_across_pipelines_inserts_it_and_leaves_the_source_in_order(world, doing_cards, slot):
    moved = world.cards[1]
    expected = [c.pk for c in doing_cards]
    expected.insert(slot, moved.pk)
    after, before = neighbours(expected, moved.pk)
    result = services.card_move(card=moved, pipeline=world.doing, after=after, before=before, actor=world.owner)
    assert card_ids(world.doing) == expected
    assert card_ids(world.todo) == [world.cards[0].pk, world.cards[2].pk]
    assert result is moved
    assert (moved.pipeline_id, moved.position) == Card.objects.values_list("pipeline_id", "position").get(pk=moved.pk)
    assert Card.objects.get(pk=moved.pk).board_id == world.board.pk
    assert_consistent(world.board)


def test_card_move_into_an_empty_pipeline(world):
    done = services.pipeline_create(board=world.board, name="Done")
    services.card_move(card=world.cards[2], pipeline=done, after=None, before=None)
    assert card_ids(done) == [world.cards[2].pk]
    assert card_ids(world.todo) == [world.cards[0].pk, world.cards[1].pk]


def test_card_move_of_a_card_moved_elsewhere_meanwhile_moves_it_from_where_it_is(world, doing_cards):
    done = services.pipeline_create(board=world.board, name="Done", actor=world.owner)
    stale = world.cards[0]  # loaded while in `todo`
    services.card_move(card=Card.objects.get(pk=stale.pk), pipeline=world.doing, after=doing_cards[0].pk)
    services.card_move(card=stale, pipeline=done, after=None, actor=world.owner)
    assert card_ids(done) == [stale.pk]
    assert card_ids(world.doing) == [c.pk for c in doing_cards]
    assert card_ids(world.todo) == [world.cards[1].pk, world.cards[2].pk]
    assert_consistent(world.board)


def test_card_move_does_not_change_what_the_card_says(world):
    card = world.cards[0]
    before = Card.objects.values_list("title", "description", "version", "rev", "updated_by_id").get(pk=card.pk)
    services.card_move(card=card, pipeline=world.doing, actor=world.editor)
    after = Card.objects.values_list("title", "description", "version", "rev", "updated_by_id").get(pk=card.pk)
    assert after == before


def test_card_move_records_the_pipelines_names_as_they_are_under_the_lock(world):
    Pipeline.objects.filter(pk=world.doing.pk).update(name="Doing now")  # renamed after the page loaded
    services.card_move(card=world.cards[0], pipeline=world.doing, after=None, actor=world.owner)
    event = world.board.activities.first()
    assert event.kind == events.CARD_MOVED
    assert str(events.describe(event)) == "moved “Card 0” from To do to Doing now"


def test_card_move_to_another_boards_pipeline_is_refused_and_changes_nothing(world):
    before = snapshot()
    with pytest.raises(ValidationError):
        services.card_move(card=world.cards[0], pipeline=world.other_pipeline, after=None)
    assert snapshot() == before


def test_card_move_of_another_boards_card_into_this_board_is_refused_and_changes_nothing(world):
    before = snapshot()
    with pytest.raises(ValidationError):
        services.card_move(card=world.other_card, pipeline=world.todo, after=world.cards[0].pk)
    assert snapshot() == before


def test_card_move_of_a_card_deleted_meanwhile_is_refused(world):
    card = world.cards[0]
    services.card_delete(card=Card.objects.get(pk=card.pk))
    before = snapshot()
    with pytest.raises(ValidationError, match="This card no longer exists."):
        services.card_move(card=card, pipeline=world.doing, after=None)
    assert snapshot() == before


def test_card_move_into_a_pipeline_deleted_meanwhile_is_refused(world):
    stale = Pipeline.objects.select_related("board").get(pk=world.doing.pk)
    services.pipeline_delete(pipeline=world.doing)
    before = snapshot()
    with pytest.raises(ValidationError, match="That pipeline no longer exists."):
        services.card_move(card=world.cards[0], pipeline=stale, after=None)
    assert snapshot() == before


# --- comments and claims ---------------------------------------------------------------------


def test_comment_create_by_a_viewer_strips_the_body(world):
    comment = services.comment_create(card=world.cards[0], author=world.viewer, body="  Looks good\r\n ")
    assert Comment.objects.get(pk=comment.pk).body == "Looks good"
    assert Card.objects.get(pk=world.cards[0].pk).rev == version_of(world.board)


@pytest.mark.parametrize("body", ["", "  \n ", "c" * 5001], ids=["empty", "blank", "too long"])
def test_comment_create_refuses_a_bad_body_and_changes_nothing(world, body):
    before = snapshot()
    with pytest.raises(ValidationError):
        services.comment_create(card=world.cards[0], author=world.viewer, body=body)
    assert snapshot() == before


def test_comment_on_a_card_deleted_meanwhile_is_refused(world):
    card = world.cards[0]
    services.card_delete(card=Card.objects.get(pk=card.pk))
    before = snapshot()
    with pytest.raises(ValidationError):
        services.comment_create(card=card, author=world.viewer, body="Hello?")
    assert snapshot() == before


def test_comment_update_by_its_author_marks_it_edited(world):
    comment = services.comment_create(card=world.cards[0], author=world.viewer, body="Frist")
    services.comment_update(comment=comment, actor=world.viewer, body="First")
    fresh = Comment.objects.get(pk=comment.pk)
    assert (fresh.body, fresh.edited_at is not None) == ("First", True)


def test_comment_update_by_anyone_else_is_refused(world):
    comment = services.comment_create(card=world.cards[0], author=world.viewer, body="Mine")
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.comment_update(comment=comment, actor=world.owner, body="Not yours")
    assert snapshot() == before


def test_comment_update_of_a_comment_deleted_meanwhile_is_refused(world):
    comment = services.comment_create(card=world.cards[0], author=world.viewer, body="Soon gone")
    services.comment_delete(comment=Comment.objects.select_related("card__board").get(pk=comment.pk), actor=world.owner)
    before = snapshot()
    with pytest.raises(ValidationError):
        services.comment_update(comment=comment, actor=world.viewer, body="Edited")
    assert snapshot() == before


@pytest.mark.parametrize("who", ["viewer", "owner"])
def test_comment_delete_by_its_author_or_the_owner(world, who):
    comment = services.comment_create(card=world.cards[0], author=world.viewer, body="Bye")
    services.comment_delete(comment=comment, actor=getattr(world, who))
    assert not Comment.objects.exists()


def test_comment_delete_by_another_member_is_refused(world):
    comment = services.comment_create(card=world.cards[0], author=world.viewer, body="Stay")
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.comment_delete(comment=comment, actor=world.editor)
    assert snapshot() == before


def test_comment_delete_of_a_comment_deleted_meanwhile_is_refused(world):
    comment = services.comment_create(card=world.cards[0], author=world.viewer, body="Twice?")
    stale = Comment.objects.select_related("card__board").get(pk=comment.pk)  # a second tab
    services.comment_delete(comment=comment, actor=world.viewer)
    before = snapshot()
    with pytest.raises(ValidationError):
        services.comment_delete(comment=stale, actor=world.viewer)
    assert snapshot() == before  # no second "deleted a comment" line, no second version


def test_claim_take_on_a_card_deleted_meanwhile_is_refused(world):
    stale = Card.objects.select_related("board").get(pk=world.cards[0].pk)
    services.card_delete(card=world.cards[0])
    before = snapshot()
    try:
        with pytest.raises(services.Gone, match="This card was deleted meanwhile"):
            services.claim_take(card=stale, user=world.editor, page="page-eddie-1")
        assert snapshot() == before
    finally:  # rows naming no card would break the database's foreign keys at the test's end
        EditClaim.objects.filter(card_id=stale.pk).delete()
        Activity.objects.filter(card_id=stale.pk).delete()


def test_claim_take_gives_the_card_to_the_first_and_tells_the_second_who_has_it(world):
    card = world.cards[0]
    mine = services.claim_take(card=card, user=world.editor, page="page-eddie-1")
    theirs = services.claim_take(card=card, user=world.owner, page="page-olive-1")
    assert mine.user == world.editor and theirs.user == world.editor
    assert list(EditClaim.objects.values_list("card_id", "user_id")) == [(card.pk, world.editor.pk)]


def test_claim_release_ends_only_ones_own_claim(world):
    card = world.cards[0]
    services.claim_take(card=card, user=world.editor, page="page-eddie-1")
    assert services.claim_release(card=card, user=world.owner) is False
    assert EditClaim.objects.filter(card=card).exists()
    assert services.claim_release(card=card, user=world.editor) is True
    assert not EditClaim.objects.exists()


def test_claims_release_page_ends_the_claims_of_that_page_only(world):
    services.claim_take(card=world.cards[0], user=world.editor, page="page-eddie-1")
    services.claim_take(card=world.cards[1], user=world.editor, page="page-eddie-1")
    services.claim_take(card=world.cards[2], user=world.editor, page="page-eddie-2")
    assert services.claims_release_page(page="page-eddie-1") == 2
    assert list(EditClaim.objects.values_list("card_id", flat=True)) == [world.cards[2].pk]


# --- versions and broadcasts -----------------------------------------------------------------


def _membership(world, user) -> Membership:
    return Membership.objects.select_related("board", "user").get(board=world.board, user=user)


@pytest.fixture
def comment(world) -> Comment:
    """A comment by the viewer on the first card (made before a test's write is measured)."""
    made = services.comment_create(card=world.cards[0], author=world.viewer, body="A thought")
    return Comment.objects.select_related("card__board").get(pk=made.pk)


@pytest.fixture
def claimed(world) -> Card:
    """The second card, which the editor is editing."""
    services.claim_take(card=world.cards[1], user=world.editor, page="page-eddie-1")
    return world.cards[1]


WRITES = {
    "board_rename": lambda w, c: services.board_rename(board=w.board, name="Renamed"),
    "member_add": lambda w, c: services.member_add(board=w.board, username="stan", role=Role.EDITOR),
    "member_set_role": lambda w, c: services.member_set_role(membership=_membership(w, w.editor), role=Role.VIEWER),
    "member_remove": lambda w, c: services.member_remove(membership=_membership(w, w.viewer)),
    "pipeline_create": lambda w, c: services.pipeline_create(board=w.board, name="Done"),
    "pipeline_rename": lambda w, c: services.pipeline_rename(pipeline=w.todo, name="Backlog"),
    "pipeline_delete": lambda w, c: services.pipeline_delete(pipeline=w.doing),
    "pipeline_move": lambda w, c: services.pipeline_move(pipeline=w.doing, after=None, before=w.todo.pk),
    "card_create": lambda w, c: services.card_create(pipeline=w.doing, title="Fresh"),
    "card_update": lambda w, c: services.card_update(card=w.cards[0], title="Edited", description="", base_version=1),
    "card_delete": lambda w, c: services.card_delete(card=w.cards[2]),
    "card_move": lambda w, c: services.card_move(card=w.cards[0], pipeline=w.doing, after=None),
    "card_move_within": lambda w, c: services.card_move(card=w.cards[0], pipeline=w.todo, after=w.cards[2].pk),
    "comment_create": lambda w, c: services.comment_create(card=w.cards[2], author=w.editor, body="Hi"),
    "comment_update": lambda w, c: services.comment_update(comment=c, actor=w.viewer, body="A better thought"),
    "comment_delete": lambda w, c: services.comment_delete(comment=c, actor=w.owner),
    "claim_take": lambda w, c: services.claim_take(card=w.cards[2], user=w.owner, page="page-olive-1"),
    "claim_release": lambda w, c: services.claim_release(card=w.cards[1], user=w.editor),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_every_write_bumps_the_version_once_and_publishes_one_fragment_message_after_commit(
    world, comment, claimed, published, django_capture_on_commit_callbacks, write
):
    before = version_of(world.board)
    with django_capture_on_commit_callbacks(execute=True):
        write(world, comment)
        assert published == []  # nothing leaves before the transaction commits
    after = version_of(world.board)
    assert after == before + 1
    fragments = [message for _, message in published if message["type"] == "board.fragments"]
    assert len(fragments) == 1
    assert fragments[0]["version"] == after
    assert fragments[0]["board"] == world.board.pk
    assert fragments[0]["html"]["en"]
    assert fragments[0]["origin"] == ""  # not sent from an open page
    assert {board_id for board_id, _ in published} == {world.board.pk}


def test_member_role_changes_and_removals_also_tell_that_member(world, published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.member_set_role(membership=_membership(world, world.editor), role=Role.VIEWER)
        services.member_remove(membership=_membership(world, world.viewer))
    told = [(m["user"], m["removed"]) for _, m in published if m["type"] == "board.member"]
    assert told == [(world.editor.pk, False), (world.viewer.pk, True)]


def test_board_create_publishes_nothing(db, published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.board_create(owner=make_user("ann"), name="Quiet")
    assert published == []


def test_board_delete_publishes_only_that_the_board_is_gone(world, published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.board_delete(board=world.board)
    assert published == [(world.board.pk, {"type": "board.deleted", "board": world.board.pk})]


FAILING = {
    "bad board name": lambda w: services.board_rename(board=w.board, name=" "),
    "duplicate member": lambda w: services.member_add(board=w.board, username="eddie", role=Role.VIEWER),
    "owner as member": lambda w: services.member_add(board=w.board, username="olive", role=Role.VIEWER),
    "bad role": lambda w: services.member_set_role(membership=_membership(w, w.editor), role="admin"),
    "long pipeline name": lambda w: services.pipeline_create(board=w.board, name="p" * 201),
    "long description": lambda w: services.card_update(card=w.cards[0], title="ok", description="d" * 10_001),
    "stale edit": lambda w: services.card_update(card=w.cards[0], title="ok", description="", base_version=0),
    "move to other board": lambda w: services.card_move(card=w.cards[0], pipeline=w.other_pipeline, after=None),
    "foreign card moved here": lambda w: services.card_move(card=w.other_card, pipeline=w.todo, after=None),
    "empty comment": lambda w: services.comment_create(card=w.cards[0], author=w.viewer, body=" "),
}


@pytest.mark.parametrize("write", FAILING.values(), ids=FAILING.keys())
def test_a_refused_write_publishes_nothing_and_keeps_the_version(
    world, published, django_capture_on_commit_callbacks, write
):
    before = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(ValidationError):
            write(world)
    assert published == []
    assert snapshot() == before


def test_a_write_rolled_back_by_its_caller_publishes_nothing(world, published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            services.pipeline_create(board=world.board, name="Undone")
            transaction.set_rollback(True)
    assert published == []
    assert not Pipeline.objects.filter(name="Undone").exists()


def test_a_card_rename_broadcasts_that_card_fragment(world, published, django_capture_on_commit_callbacks):
    card = world.cards[2]
    with django_capture_on_commit_callbacks(execute=True):
        services.card_update(card=card, title="Ship <it>", description="")
    (_, message), *_ = published
    assert f'id="card-{card.pk}"' in message["html"]["en"]
    assert "Ship &lt;it&gt;" in message["html"]["en"]
    assert 'hx-swap-oob="true"' in message["html"]["en"]
    assert f'data-v="{message["version"]}"' in message["html"]["en"]


def test_a_pipeline_add_broadcasts_the_new_pipeline_at_the_end(world, published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        pipeline = services.pipeline_create(board=world.board, name="Done")
    (_, message), *_ = published
    assert 'id="pipelines"' not in message["html"]["en"]  # not the whole strip
    assert (
        f'<div hx-swap-oob="beforebegin:#pipelines-end">\n<section id="pipeline-{pipeline.pk}"' in message["html"]["en"]
    )
    assert "Do not leak" not in message["html"]["en"]


def test_writes_inside_capture_hand_back_the_rendered_fragments(world, published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with origin.capture() as captured:
            services.pipeline_rename(pipeline=world.doing, name="Underway")
    assert f'id="pipeline-{world.doing.pk}-name"' in captured.html
    assert "Underway" in captured.html
    (_, message), *_ = published
    assert captured.html == message["html"]["en"]  # the HTTP answer and the broadcast carry the same bytes


def test_writes_outside_capture_keep_nothing(world):
    with origin.capture() as captured:
        pass
    services.pipeline_rename(pipeline=world.doing, name="Underway")
    assert captured.html == ""

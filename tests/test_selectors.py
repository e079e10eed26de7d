"""Reads in board/selectors.py: who sees what, search, and a board page whose cost does not grow."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import Http404
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from board import card_cache, live, selectors, services
from board.models import Board, Card, Membership, Role
from tests.conftest import make_user


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Users are created in nearly every test: skip the deliberately slow default hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- board_access and boards_for_user --------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "role", "can_edit", "is_owner"),
    [
        ("owner", Role.OWNER, True, True),
        ("editor", Role.EDITOR, True, False),
        ("viewer", Role.VIEWER, False, False),
    ],
)
def test_board_access_gives_each_member_their_role(world, who, role, can_edit, is_owner, django_assert_num_queries):
    user = getattr(world, who)
    with django_assert_num_queries(1):
        access = selectors.board_access(board_id=world.board.pk, user=user)
    assert access.board == world.board
    assert (access.role, access.can_edit, access.is_owner) == (role, can_edit, is_owner)


def test_board_access_sees_the_owner_of_a_board_without_members(world):
    access = selectors.board_access(board_id=world.other_board.pk, user=world.stranger)
    assert (access.board, access.role) == (world.other_board, Role.OWNER)


def test_board_access_hides_the_board_from_a_stranger(world):
    with pytest.raises(Http404):
        selectors.board_access(board_id=world.board.pk, user=world.stranger)


def test_board_access_hides_the_board_from_an_anonymous_visitor(world):
    with pytest.raises(Http404):
        selectors.board_access(board_id=world.board.pk, user=AnonymousUser())


def test_board_access_404s_for_a_missing_board_even_for_an_owner(world):
    missing = Board.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    with pytest.raises(Http404):
        selectors.board_access(board_id=missing, user=world.owner)


def test_board_access_hides_the_board_from_a_member_once_removed(world):
    membership = Membership.objects.select_related("board").get(board=world.board, user=world.editor)
    services.member_remove(membership=membership, actor=world.owner)
    with pytest.raises(Http404):
        selectors.board_access(board_id=world.board.pk, user=world.editor)


def test_board_access_follows_a_role_change(world):
    membership = Membership.objects.select_related("board").get(board=world.board, user=world.viewer)
    services.member_set_role(membership=membership, role=Role.EDITOR, actor=world.owner)
    assert selectors.board_access(board_id=world.board.pk, user=world.viewer).can_edit


def test_boards_for_user_lists_owned_boards_then_shared_ones_with_roles(world):
    own = services.board_create(owner=world.editor, name="Zebra")
    also_shared = services.board_create(owner=world.stranger, name="Aardvark")
    services.member_add(board=also_shared, username="eddie", role=Role.VIEWER, actor=world.stranger)
    assert selectors.boards_for_user(user=world.editor) == [
        (own, Role.OWNER),
        (also_shared, Role.VIEWER),
        (world.board, Role.EDITOR),
    ]


def test_boards_for_user_lists_only_what_each_user_may_see(world):
    assert selectors.boards_for_user(user=world.owner) == [(world.board, Role.OWNER)]
    assert selectors.boards_for_user(user=world.viewer) == [(world.board, Role.VIEWER)]
    assert selectors.boards_for_user(user=world.stranger) == [(world.other_board, Role.OWNER)]
    assert selectors.boards_for_user(user=make_user("newcomer")) == []


# --- search ----------------------------------------------------------------------------------


@pytest.fixture
def searchable(world) -> dict[str, Card]:
    """Cards whose words sit in the title, the description, or nowhere; a foreign look-alike."""
    cards = {
        "title": services.card_create(pipeline=world.todo, title="Fix LOGIN bug"),
        "description": services.card_create(
            pipeline=world.doing, title="Write docs", description="Explain the Login flow\nstep by step"
        ),
        "neither": services.card_create(pipeline=world.doing, title="Lunch", description="Sandwiches"),
    }
    services.card_create(pipeline=world.other_pipeline, title="login secrets", description="LOGIN")
    return cards


def board_card_ids(board: Board) -> set[int]:
    return set(Card.objects.filter(board=board).values_list("pk", flat=True))


@pytest.mark.parametrize("query", ["login", "LOGIN", "LoGiN", "  login  ", "ogi"])
def test_card_ids_matching_finds_title_and_description_in_any_case(world, searchable, query):
    found = selectors.card_ids_matching(board=world.board, query=query)
    assert sorted(found) == sorted([searchable["title"].pk, searchable["description"].pk])


@pytest.mark.parametrize("query", ["", "   ", "\n"])
def test_card_ids_matching_with_an_empty_query_matches_every_card_of_the_board(world, searchable, query):
    assert set(selectors.card_ids_matching(board=world.board, query=query)) == board_card_ids(world.board)


@pytest.mark.parametrize("query", ["", "login", "secrets", "leak"])
def test_card_ids_matching_never_returns_another_boards_cards(world, searchable, query):
    assert set(selectors.card_ids_matching(board=world.board, query=query)) <= board_card_ids(world.board)


def test_card_ids_matching_finds_nothing_for_an_absent_word(world, searchable):
    assert selectors.card_ids_matching(board=world.board, query="kangaroo") == []


@pytest.mark.parametrize("query", ["login", "LOGIN", " Login ", "step by", "sandwich", "card", "zzz", "", "  "])
def test_hidden_cards_are_exactly_those_card_ids_matching_leaves_out(world, searchable, query):
    matching = set(selectors.card_ids_matching(board=world.board, query=query))
    hidden = selectors.hidden_cards(board=world.board, query=query)
    for card in Card.objects.filter(board=world.board):
        assert (card.pk not in hidden) == (card.pk in matching)


# --- constant query count ----------------------------------------------------------------------


def board_with_cards(owner, member, n_cards: int) -> Board:
    """A board with 5 pipelines, one member and `n_cards` cards spread over the pipelines."""
    board = services.board_create(owner=owner, name=f"{n_cards} cards")
    pipes = [services.pipeline_create(board=board, name=f"Stage {i}") for i in range(5)]
    services.member_add(board=board, username=member.username, role=Role.EDITOR)
    filled = dict.fromkeys((p.pk for p in pipes), 0)
    cards = []
    for i in range(n_cards):
        pipeline = pipes[i % len(pipes)]
        cards.append(
            Card(
                board=board,
                pipeline=pipeline,
                title=f"Card {i}",
                description="Notes" if i % 2 else "",
                position=filled[pipeline.pk],
                updated_by=owner if i % 3 else None,
            )
        )
        filled[pipeline.pk] += 1
    Card.objects.bulk_create(cards)
    return Board.objects.get(pk=board.pk)


@pytest.fixture
def small_and_big(db) -> tuple[object, Board, Board]:
    owner, member = make_user("ola"), make_user("max")
    return owner, board_with_cards(owner, member, 1), board_with_cards(owner, member, 500)


def count_queries(action) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        result = action()
    return len(queries.captured_queries), result


@pytest.mark.parametrize("query", ["", "?q=card+1"])
def test_board_page_costs_the_same_queries_for_1_and_500_cards(
    small_and_big, as_user, django_assert_max_num_queries, query
):
    owner, small, big = small_and_big
    client = as_user(owner)
    small_count, small_page = count_queries(lambda: client.get(f"/b/{small.pk}/{query}"))
    assert small_page.status_code == 200
    with django_assert_max_num_queries(small_count):
        big_count, big_page = count_queries(lambda: client.get(f"/b/{big.pk}/{query}"))
    assert big_page.status_code == 200
    assert big_count == small_count
    assert big_page.content.decode().count('class="card"') == 500
    assert small_page.content.decode().count('class="card"') == 1


def test_strip_render_costs_the_same_queries_for_1_and_500_cards(small_and_big, django_assert_max_num_queries):
    _, small, big = small_and_big
    small_count, small_html = count_queries(lambda: live.render_fragments(small, strip=True, header=True))
    with django_assert_max_num_queries(small_count):
        big_count, big_html = count_queries(lambda: live.render_fragments(big, strip=True, header=True))
    assert big_count == small_count
    assert big_html.count('class="card"') == 500
    assert small_html.count('class="card"') == 1
    assert 'id="pipelines"' in big_html and 'id="board-head"' in big_html


# --- cards of rendered pipelines -------------------------------------------------------------


def test_pipelines_load_whole_rows_only_for_cards_whose_fragment_is_not_rendered(world):
    card_cache._rendered.clear()  # the fixture's writes rendered the pipeline already
    now = timezone.now()
    cold = selectors.pipelines_by_id(board=world.board, ids=[world.todo.pk], now=now)
    assert all(isinstance(card, Card) for card in cold[0].card_list)
    first = live.render_fragments(world.board, pipelines=[world.todo.pk])
    services.card_update(card=world.cards[1], title="Renamed", description="", actor=world.owner)
    world.board.refresh_from_db()
    warm = selectors.pipelines_by_id(board=world.board, ids=[world.todo.pk], now=timezone.now())
    whole = [card.pk for card in warm[0].card_list if isinstance(card, Card)]
    assert whole == [world.cards[1].pk]
    assert [card.pk for card in warm[0].card_list] == [card.pk for card in world.cards]
    second = live.render_fragments(world.board, pipelines=[world.todo.pk])
    assert "Renamed" in second and "Renamed" not in first


def test_a_card_whose_fragment_was_dropped_after_loading_still_renders_whole(world):
    rendered = live.render_fragments(world.board, pipelines=[world.todo.pk])
    now = timezone.now()
    (pipeline,) = selectors.pipelines_by_id(board=world.board, ids=[world.todo.pk], now=now)
    assert not any(isinstance(card, Card) for card in pipeline.card_list)
    card_cache._rendered.clear()
    html = render_to_string(
        "board/board.html#pipeline", {"board": world.board, "pipeline": pipeline, "now": now, "can_edit": True}
    )
    for card in world.cards:
        assert card.title in html and card.title in rendered


def test_pipelines_by_id_gives_cards_in_order_with_aware_times_and_drops_other_boards(world):
    now = timezone.now()
    services.claim_take(card=world.cards[2], user=world.editor, page="page-aaaaaaaa")
    pipelines = selectors.pipelines_by_id(board=world.board, ids=[world.other_pipeline.pk, world.todo.pk], now=now)
    assert [p.pk for p in pipelines] == [world.todo.pk]
    cards = pipelines[0].card_list
    assert [card.pk for card in cards] == [card.pk for card in world.cards]
    assert all(timezone.is_aware(card.updated_at) for card in cards)
    claimed = {card.pk: card.claim_expires_at for card in cards}
    assert claimed[world.cards[2].pk] > now and claimed[world.cards[0].pk] is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("2026-11-21 16:30:00.5", datetime(2026, 11, 21, 16, 30, 0, 500000, tzinfo=UTC)),
        (datetime(2026, 11, 21, 16, 30), datetime(2026, 11, 21, 16, 30, tzinfo=UTC)),
        (
            datetime(2026, 11, 21, 17, 30, tzinfo=timezone.get_fixed_timezone(60)),
            datetime(2026, 11, 21, 16, 30, tzinfo=UTC),
        ),
    ],
)
def test_aware_reads_a_raw_datetime_as_the_orm_would(value, expected):
    found = selectors.aware(value)
    assert found == expected and (found is None or timezone.is_aware(found))


def test_card_place_of_board_loads_where_the_card_is_and_refuses_other_boards(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        card = selectors.card_place_of_board(board=world.board, card_id=world.cards[1].pk)
        assert (card.pk, card.pipeline_id, card.board) == (world.cards[1].pk, world.todo.pk, world.board)
    with pytest.raises(Http404):
        selectors.card_place_of_board(board=world.board, card_id=world.other_card.pk)
    with pytest.raises(Http404):
        selectors.pipeline_of_board(board=world.board, pipeline_id=world.other_pipeline.pk)

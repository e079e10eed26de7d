"""Reads in board.selectors: who sees what, search, and a board page whose cost does not grow."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from board import events, selectors, services
from board.live import fragments
from board.models import Activity, Board, Card, EditClaim, Membership, Presence, Role
from board.services import ranks
from tests.conftest import make_user

# --- board_access, role_of and boards_for_user -----------------------------------------------


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


@pytest.mark.parametrize(
    ("who", "role"),
    [("owner", Role.OWNER), ("editor", Role.EDITOR), ("viewer", Role.VIEWER), ("stranger", None)],
)
def test_role_of_names_each_users_role_or_none(world, who, role):
    assert selectors.role_of(board_id=world.board.pk, user=getattr(world, who)) == role


def test_role_of_an_anonymous_visitor_or_a_missing_board_is_none(world):
    assert selectors.role_of(board_id=world.board.pk, user=AnonymousUser()) is None
    missing = Board.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    assert selectors.role_of(board_id=missing, user=world.owner) is None


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
        filled[pipeline.pk] += 1
        cards.append(
            Card(
                board=board,
                pipeline=pipeline,
                title=f"Card {i}",
                description="Notes" if i % 2 else "",
                position=filled[pipeline.pk] * ranks.STEP,
                updated_by=owner if i % 3 else None,
            )
        )
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
    small_count, (_, small_html) = count_queries(lambda: fragments.render_resync(small.pk))
    with django_assert_max_num_queries(small_count):
        big_count, (big_version, big_html) = count_queries(lambda: fragments.render_resync(big.pk))
    assert big_count == small_count
    assert big_version == big.version
    assert big_html.count('class="card"') == 500
    assert small_html.count('class="card"') == 1
    assert 'id="pipelines"' in big_html and 'id="board-head"' in big_html


def test_a_move_costs_the_same_queries_and_bytes_for_1_and_500_cards(
    small_and_big, django_assert_max_num_queries, published, django_capture_on_commit_callbacks
):
    owner, small, big = small_and_big

    def move(board: Board):
        first, second = list(board.pipelines.all())[:2]
        card = Card.objects.filter(pipeline=first).select_related("board").first()
        with django_capture_on_commit_callbacks(execute=True):
            return services.card_move(card=card, pipeline=second, after=None, actor=owner)

    small_count, _ = count_queries(lambda: move(small))
    with django_assert_max_num_queries(small_count):
        big_count, _ = count_queries(lambda: move(big))
    assert big_count == small_count
    small_step, big_step = published[-2][1]["html"]["en"], published[-1][1]["html"]["en"]
    assert 'class="card"' not in big_step  # the page moves the card it has: no card is sent again
    assert abs(len(big_step) - len(small_step)) < 40  # ids and counts differ in length, nothing else


def test_the_board_page_is_gone_for_a_stranger(small_and_big, as_user):
    _, small, _ = small_and_big
    assert as_user(make_user("nosy")).get(f"/b/{small.pk}/").status_code == 404


# --- pipelines and their cards -----------------------------------------------------------------


def test_board_pipelines_numbers_them_from_1_with_their_cards_in_order(world, django_assert_num_queries):
    services.card_move(card=world.cards[2], pipeline=world.todo, after=None)  # now first
    services.card_move(card=world.cards[0], pipeline=world.doing, after=None)
    with django_assert_num_queries(2):  # the pipelines, then all their cards
        pipelines = selectors.board_pipelines(board=world.board)
    assert [(p.pk, p.number) for p in pipelines] == [(world.todo.pk, 1), (world.doing.pk, 2)]
    assert [row["id"] for row in pipelines[0].card_list] == [world.cards[2].pk, world.cards[1].pk]
    assert [row["id"] for row in pipelines[1].card_list] == [world.cards[0].pk]


def test_board_pipelines_of_an_empty_board_is_empty(db):
    board = services.board_create(owner=make_user("ann"), name="Empty")
    assert selectors.board_pipelines(board=board) == []


def test_card_rows_say_what_each_card_fragment_shows(world):
    plain, described, busy = world.cards
    services.card_update(card=described, title="Described", description="Some words", actor=world.editor)
    services.comment_create(card=busy, author=world.viewer, body="One")
    services.comment_create(card=busy, author=world.owner, body="Two")
    services.claim_take(card=busy, user=world.editor, page="page-eddie-1")
    (todo, _) = selectors.board_pipelines(board=world.board)
    rows = {row["id"]: row for row in todo.card_list}
    assert rows[plain.pk]["editor"] == "olive"  # the fixture's owner made it
    assert (rows[plain.pk]["has_description"], rows[plain.pk]["n_comments"], rows[plain.pk]["claim_user"]) == (
        False,
        0,
        None,
    )
    assert (rows[described.pk]["title"], rows[described.pk]["has_description"]) == ("Described", True)
    assert rows[described.pk]["editor"] == "eddie"
    assert (rows[busy.pk]["n_comments"], rows[busy.pk]["claim_user"]) == (2, "eddie")
    assert rows[busy.pk]["claim_expires_at"] > timezone.now()
    assert rows[busy.pk]["rev"] == Board.objects.get(pk=world.board.pk).version
    assert all(timezone.is_aware(row["updated_at"]) for row in rows.values())
    assert {row["board_id"] for row in rows.values()} == {world.board.pk}


def test_pipelines_by_id_gives_cards_in_order_and_numbers_and_drops_other_boards(world):
    services.claim_take(card=world.cards[2], user=world.editor, page="page-aaaaaaaa")
    pipelines = selectors.pipelines_by_id(
        board=world.board, ids=[world.other_pipeline.pk, world.doing.pk, world.todo.pk]
    )
    assert [(p.pk, p.number) for p in pipelines] == [(world.todo.pk, 1), (world.doing.pk, 2)]
    cards = pipelines[0].card_list
    assert [card["id"] for card in cards] == [card.pk for card in world.cards]
    claimed = {card["id"]: card["claim_expires_at"] for card in cards}
    assert claimed[world.cards[2].pk] > timezone.now() and claimed[world.cards[0].pk] is None
    assert selectors.pipelines_by_id(board=world.board, ids=[]) == []


def test_cards_by_id_drops_other_boards_cards(world, django_assert_num_queries):
    rows = selectors.cards_by_id(board=world.board, ids=[world.cards[1].pk, world.other_card.pk])
    assert [row["id"] for row in rows] == [world.cards[1].pk]
    with django_assert_num_queries(0):
        assert selectors.cards_by_id(board=world.board, ids=[]) == []


def test_pipeline_of_board_finds_this_boards_pipeline_and_refuses_other_boards(world):
    pipeline = selectors.pipeline_of_board(board=world.board, pipeline_id=world.todo.pk)
    assert (pipeline.pk, pipeline.board) == (world.todo.pk, world.board)
    with pytest.raises(Http404):
        selectors.pipeline_of_board(board=world.board, pipeline_id=world.other_pipeline.pk)


def test_board_pipelines_names_lists_them_in_order(world):
    services.pipeline_move(pipeline=world.doing, after=None)
    assert [p.name for p in selectors.board_pipelines_names(board=world.board)] == ["Doing", "To do"]


# --- cards and places by number ----------------------------------------------------------------


def test_card_of_board_loads_the_card_in_one_query_and_refuses_other_boards(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        card = selectors.card_of_board(board=world.board, card_id=world.cards[1].pk)
        assert (card.pk, card.pipeline.pk, card.board) == (world.cards[1].pk, world.todo.pk, world.board)
    with pytest.raises(Http404):
        selectors.card_of_board(board=world.board, card_id=world.other_card.pk)
    with pytest.raises(Http404):
        selectors.card_of_board(board=world.board, card_id=world.other_card.pk + 1000)


def test_card_number_counts_its_place_from_1_in_board_order(world):
    a, b, c = world.cards
    services.card_move(card=c, pipeline=world.todo, after=None)  # c, a, b
    numbers = {card.pk: selectors.card_number(card=Card.objects.get(pk=card.pk)) for card in world.cards}
    assert numbers == {c.pk: 1, a.pk: 2, b.pk: 3}


@pytest.mark.parametrize(
    ("moving", "number", "after"),
    [
        (0, 1, None),  # first: after nothing
        (0, 2, 1),  # the other cards are 1, 2: place 2 is after card 1
        (0, 3, 2),
        (0, 99, 2),  # past the end: after the last
        (2, 1, None),
        (2, 2, 0),
        (1, 3, 2),
    ],
)
def test_card_before_number_names_the_card_a_place_goes_after(world, moving, number, after):
    card = world.cards[moving]
    found = selectors.card_before_number(pipeline=world.todo, number=number, moving=card)
    assert found == (None if after is None else world.cards[after].pk)
    services.card_move(card=card, pipeline=world.todo, after=found)
    assert selectors.card_number(card=Card.objects.get(pk=card.pk)) == min(number, 3)


def test_card_before_number_in_an_empty_pipeline_is_none(world):
    done = services.pipeline_create(board=world.board, name="Done")
    assert selectors.card_before_number(pipeline=done, number=5, moving=world.cards[0]) is None


@pytest.mark.parametrize(("number", "expected"), [(1, [2, 0, 1]), (2, [0, 2, 1]), (3, [0, 1, 2]), (50, [0, 1, 2])])
def test_pipeline_before_number_names_the_pipeline_a_place_goes_after(world, number, expected):
    done = services.pipeline_create(board=world.board, name="Done")
    pipes = [world.todo, world.doing, done]
    after = selectors.pipeline_before_number(board=world.board, number=number, moving=done)
    services.pipeline_move(pipeline=done, after=after)
    assert [p.pk for p in selectors.board_pipelines_names(board=world.board)] == [pipes[i].pk for i in expected]
    numbered = {p.pk: p.number for p in selectors.board_pipelines_names(board=world.board, numbered=True)}
    assert numbered[done.pk] == min(number, 3)


# --- members and who is here -------------------------------------------------------------------


def test_members_lists_the_members_by_name_without_the_owner(world):
    assert [(m.user.username, m.role) for m in selectors.members(board=world.board)] == [
        ("eddie", Role.EDITOR),
        ("vera", Role.VIEWER),
    ]
    assert selectors.members(board=world.other_board) == []


def test_membership_of_board_refuses_a_user_who_is_not_a_member(world):
    membership = selectors.membership_of_board(board=world.board, user_id=world.viewer.pk)
    assert (membership.user, membership.board) == (world.viewer, world.board)
    for user in (world.owner, world.stranger):
        with pytest.raises(Http404):
            selectors.membership_of_board(board=world.board, user_id=user.pk)


def test_online_users_counts_each_person_once_and_forgets_pages_gone_quiet(world):
    services.presence_join(board_id=world.board.pk, user=world.editor, page="page-eddie-1")
    services.presence_join(board_id=world.board.pk, user=world.editor, page="page-eddie-2")
    services.presence_join(board_id=world.board.pk, user=world.viewer, page="page-vera-1")
    services.presence_join(board_id=world.other_board.pk, user=world.stranger, page="page-stan-1")
    Presence.objects.filter(page="page-vera-1").update(seen_at=timezone.now() - timedelta(minutes=10))
    assert selectors.online_users(board_id=world.board.pk) == ([world.editor], 1)


def test_presence_join_and_leave_report_whether_the_people_online_changed(world):
    board_id = world.board.pk
    assert services.presence_join(board_id=board_id, user=world.editor, page="page-eddie-1") is True
    assert services.presence_join(board_id=board_id, user=world.editor, page="page-eddie-2") is False
    assert services.presence_leave(board_id=board_id, user_id=world.editor.pk, page="page-eddie-1") is False
    assert services.presence_leave(board_id=board_id, user_id=world.editor.pk, page="page-eddie-2") is True
    assert selectors.online_users(board_id=board_id) == ([], 0)


def test_presence_heartbeat_keeps_pages_and_their_claims_fresh(world):
    services.presence_join(board_id=world.board.pk, user=world.editor, page="page-eddie-1")
    services.claim_take(card=world.cards[0], user=world.editor, page="page-eddie-1")
    long_ago = timezone.now() - timedelta(hours=1)
    Presence.objects.update(seen_at=long_ago)
    EditClaim.objects.update(expires_at=long_ago)
    assert selectors.online_users(board_id=world.board.pk) == ([], 0)
    services.presence_heartbeat(pages=["page-eddie-1"])
    assert selectors.online_users(board_id=world.board.pk) == ([world.editor], 1)
    assert services.active_claim(card=world.cards[0]).user == world.editor


# --- comments and the activity list -------------------------------------------------------------


def test_card_comments_are_in_order_and_comment_of_board_refuses_other_boards(world):
    first = services.comment_create(card=world.cards[0], author=world.viewer, body="First")
    second = services.comment_create(card=world.cards[0], author=world.owner, body="Second")
    foreign = services.comment_create(card=world.other_card, author=world.stranger, body="Elsewhere")
    assert [c.pk for c in selectors.card_comments(card=world.cards[0])] == [first.pk, second.pk]
    found = selectors.comment_of_board(board=world.board, comment_id=second.pk)
    assert (found.pk, found.card.board) == (second.pk, world.board)
    with pytest.raises(Http404):
        selectors.comment_of_board(board=world.board, comment_id=foreign.pk)
    assert [c.pk for c in selectors.comments_by_id(board=world.board, ids=[foreign.pk, first.pk])] == [first.pk]


def test_activity_page_lists_newest_first_without_claims_or_comment_edits(world):
    card = world.cards[0]
    services.claim_take(card=card, user=world.editor, page="page-eddie-1")
    services.claim_release(card=card, user=world.editor)
    comment = services.comment_create(card=card, author=world.viewer, body="Hm")
    services.comment_update(comment=comment, actor=world.viewer, body="Hmm")
    services.card_update(card=card, title="Renamed", description="", actor=world.owner)
    items, more = selectors.activity_page(board=world.board)
    kinds = [item.kind for item in items]
    assert kinds[:2] == [events.CARD_UPDATED, events.COMMENT_CREATED]
    assert not set(kinds) & set(events.UNLISTED)
    assert more is False
    assert [item.pk for item in items] == sorted((item.pk for item in items), reverse=True)


def test_activity_page_pages_through_the_history_twenty_at_a_time(world):
    for i in range(25):
        services.pipeline_rename(pipeline=world.todo, name=f"Name {i}")
    listed = Activity.objects.filter(board=world.board).exclude(kind__in=events.UNLISTED).count()
    first, more = selectors.activity_page(board=world.board, page=1)
    second, more_after = selectors.activity_page(board=world.board, page=2)
    assert (len(first), more) == (selectors.ACTIVITY_PAGE, True)
    assert len(first) + len(second) <= listed
    assert first[0].data["new"] == "Name 24"
    assert not {a.pk for a in first} & {a.pk for a in second}
    assert min(a.pk for a in first) > max(a.pk for a in second)
    everything = []
    page = 1
    while True:
        items, more = selectors.activity_page(board=world.board, page=page)
        everything += items
        if not more:
            break
        page += 1
    assert len(everything) == listed
    assert selectors.activity_page(board=world.board, page=0)[0] == first  # pages start at 1


def test_activity_page_of_a_card_lists_only_that_cards_events_of_this_board(world):
    card = world.cards[1]
    services.card_update(card=card, title="Once", description="", actor=world.owner)
    services.card_update(card=world.cards[0], title="Other card", description="", actor=world.owner)
    services.comment_create(card=card, author=world.viewer, body="Twice")
    items, _ = selectors.activity_page(board=world.board, card=card)
    assert [item.kind for item in items] == [events.COMMENT_CREATED, events.CARD_UPDATED, events.CARD_CREATED]
    assert {item.card_id for item in items} == {card.pk}
    assert selectors.activity_page(board=world.other_board, card=card) == ([], False)


def test_activity_page_keeps_the_line_of_a_deleted_card(world):
    card = world.cards[0]
    services.card_update(card=card, title="Doomed", description="", actor=world.owner)
    services.card_delete(card=card, actor=world.owner)
    items, _ = selectors.activity_page(board=world.board)
    assert [str(events.describe(item)) for item in items[:2]] == ["deleted “Doomed”", "renamed “Card 0” to “Doomed”"]
    assert items[1].card_id is None  # the card went; its line stays


def test_a_board_watched_by_many_shows_the_first_faces_and_how_many_more(world):
    from django.contrib.auth import get_user_model

    from board.models import Presence

    people = get_user_model().objects.bulk_create([get_user_model()(username=f"watcher-{i:04d}") for i in range(300)])
    now = timezone.now()
    Presence.objects.bulk_create(
        Presence(board=world.board, user=person, page=f"page-{person.username}-{tab}", seen_at=now)
        for person in people
        for tab in range(2)  # each in two tabs: counted once
    )
    shown, here = selectors.online_users(board_id=world.board.pk)
    assert [p.username for p in shown] == [f"watcher-{i:04d}" for i in range(8)]
    assert here == 300
    html = fragments.render_presence(world.board.pk)
    assert html.count('class="avatar here"') == 8 and ">+292</li>" in html
    assert len(html.encode()) < 1500  # whatever the audience

"""The one move path over HTTP: cards and pipelines, by neighbours (drag, touch, keyboard) or by a
position counted from 1 (the plain form); stale pages, refusals, and the authoritative answer.

Ranks are gapped, so these tests compare the ORDER of ids, never position values.
"""

from __future__ import annotations

import re

import pytest

from board import selectors, services
from board.models import Card, Pipeline
from tests.pages import board_order, page_of, step_of
from tests.test_views import (
    alerts,
    assert_refusal_shown,
    b,
    burl,
    card_order,
    flash_text,
    fragment,
    oob_ids,
    pipeline_order,
    snapshot,
    text_of,
)

NOT_THERE = 987_654  # an id no card or pipeline has


def ranks_of(pipeline: Pipeline) -> dict[int, int]:
    return dict(Card.objects.filter(pipeline=pipeline).values_list("id", "position"))


def near(after=None, before=None) -> dict[str, object]:
    """The drag/keyboard fields: the card's new neighbours as the page saw them ('' for none)."""
    return {"after": getattr(after, "pk", after) or "", "before": getattr(before, "pk", before) or ""}


def move_card(client, w, card, pipeline, **fields):
    return client.post(burl(w, "card-move", card.pk), {"pipeline": getattr(pipeline, "pk", pipeline), **fields})


def move_pipeline(client, w, pipeline, **fields):
    return client.post(burl(w, "pipeline-move", pipeline.pk), fields)


def fragment_form(body: str, action: str) -> str:
    """The form posting to `action` (up to its end)."""
    start = body.index(f'action="{action}"')
    return body[start : body.index("</form>", start)]


def pipelines_answered(response) -> list[str]:
    return [i for i in oob_ids(response) if i.startswith("pipeline-")]


@pytest.fixture
def four(world):
    """To do holds c0..c3 (c3 added last); Doing holds d0 and d1."""
    c3 = services.card_create(pipeline=world.todo, title="Card 3", actor=world.owner)
    d0 = services.card_create(pipeline=world.doing, title="Doing 0", actor=world.owner)
    d1 = services.card_create(pipeline=world.doing, title="Doing 1", actor=world.owner)
    return [*world.cards, c3], [d0, d1]


# --- the plain form: a position counted from 1 ---------------------------------------------------------


def test_plain_move_form_moves_a_card_to_the_top_of_another_pipeline(world, as_user):
    c0, c1, c2 = world.cards
    response = move_card(as_user(world.editor), world, c1, world.doing, position=1)
    assert response.status_code == 302
    assert response["Location"] == b(world)
    assert card_order(world.todo) == [c0.pk, c2.pk]
    assert card_order(world.doing) == [c1.pk]


@pytest.mark.parametrize(
    ("position", "expected"),
    [(1, [0, 1, 2]), (2, [1, 0, 2]), (3, [1, 2, 0]), (4, [1, 2, 0]), (99, [1, 2, 0])],
)
def test_plain_move_form_within_a_pipeline_counts_from_1_and_clamps(world, as_user, position, expected):
    c = world.cards
    assert move_card(as_user(world.editor), world, c[0], world.todo, position=position).status_code == 302
    assert card_order(world.todo) == [c[i].pk for i in expected]


@pytest.mark.parametrize(("position", "index"), [(1, 0), (2, 1), (3, 2), (50, 2)])
def test_plain_move_form_into_another_pipeline_puts_the_card_at_that_number(world, as_user, four, position, index):
    (c0, *_), (d0, d1) = four
    move_card(as_user(world.editor), world, c0, world.doing, position=position)
    order = card_order(world.doing)
    assert order.index(c0.pk) == index
    assert [i for i in order if i != c0.pk] == [d0.pk, d1.pk]


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("position", [0, -3])
def test_position_0_or_less_is_refused_with_400_and_moves_nothing(world, as_user, htmx, position):
    before = snapshot()
    response = move_card(as_user(world.editor, htmx=htmx), world, world.cards[2], world.todo, position=position)
    assert response.status_code == 400
    message = "Position: Ensure this value is greater than or equal to 1."
    if htmx:
        assert_refusal_shown(response)  # defect 1: a refused move is a message, not a crash page
        assert flash_text(response) == message
    else:
        assert 'id="live"' in text_of(response)
        assert flash_text(response) == message
    response = move_pipeline(as_user(world.editor, htmx=htmx), world, world.doing, position=position)
    assert response.status_code == 400
    if htmx:
        assert_refusal_shown(response)
    assert flash_text(response) == message
    assert snapshot() == before


def test_card_detail_move_form_shows_the_cards_place_from_1(world, as_user):
    client = as_user(world.editor)
    for number, card in enumerate(world.cards, 1):
        for htmx in (False, True):
            body = text_of(as_user(world.editor, htmx=htmx).get(burl(world, "card", card.pk)))
            form = fragment_form(body, burl(world, "card-move", card.pk))
            assert f'name="position" type="number" min="1" value="{number}"' in form
            assert f'<option value="{world.todo.pk}" selected>' in form
    move_card(client, world, world.cards[0], world.doing, position=1)
    form = fragment_form(
        text_of(client.get(burl(world, "card", world.cards[0].pk))), burl(world, "card-move", world.cards[0].pk)
    )
    assert 'min="1" value="1"' in form and f'<option value="{world.doing.pk}" selected>' in form
    form = fragment_form(
        text_of(client.get(burl(world, "card", world.cards[2].pk))), burl(world, "card-move", world.cards[2].pk)
    )
    assert 'min="1" value="2"' in form  # Card 2 is now second in To do


def test_card_detail_page_offers_the_move_form_with_the_boards_pipelines_only(world, as_user):
    card = world.cards[0]
    body = text_of(as_user(world.editor).get(burl(world, "card", card.pk)))
    action = burl(world, "card-move", card.pk)
    assert f'<form class="move-form row editor-only" method="post" action="{action}" hx-post="{action}"' in body
    form = fragment_form(body, action)
    assert f'<option value="{world.todo.pk}" selected>' in form
    assert f'<option value="{world.doing.pk}">' in form
    assert f'<option value="{world.other_pipeline.pk}"' not in form


def test_pipeline_menu_move_form_shows_its_number_from_1(world, as_user):
    client = as_user(world.editor)
    body = text_of(client.get(b(world)))
    for number, pipeline in ((1, world.todo), (2, world.doing)):
        form = fragment_form(body, burl(world, "pipeline-move", pipeline.pk))
        assert f'name="position" type="number" min="1" value="{number}"' in form
    move_pipeline(client, world, world.todo, position=2)
    body = text_of(client.get(b(world)))
    assert 'min="1" value="1"' in fragment_form(body, burl(world, "pipeline-move", world.doing.pk))
    assert 'min="1" value="2"' in fragment_form(body, burl(world, "pipeline-move", world.todo.pk))


def test_each_pipelines_move_form_on_the_page_shows_its_number_from_1(world, as_user):
    services.pipeline_create(board=world.board, name="Done", actor=world.owner)
    body = text_of(as_user(world.editor).get(b(world)))
    for number, pipeline in enumerate(Pipeline.objects.filter(board=world.board).order_by("position"), 1):
        form = fragment_form(fragment(body, f"pipeline-{pipeline.pk}-head"), burl(world, "pipeline-move", pipeline.pk))
        assert f'min="1" value="{number}"' in form


@pytest.mark.parametrize(
    ("position", "expected"), [(1, ["doing", "todo"]), (2, ["todo", "doing"]), (9, ["todo", "doing"])]
)
def test_plain_pipeline_move_form_counts_from_1(world, as_user, position, expected):
    response = move_pipeline(as_user(world.editor), world, world.doing, position=position)
    assert response.status_code == 302
    assert response["Location"] == b(world)
    assert pipeline_order(world.board) == [getattr(world, name).pk for name in expected]


# --- drag, touch and keyboard: the new neighbours ------------------------------------------------------


@pytest.mark.parametrize(
    ("moving", "after", "before", "expected"),
    [
        (2, 0, 1, [0, 2, 1]),  # between two
        (2, None, 0, [2, 0, 1]),  # to the top
        (0, 2, None, [1, 2, 0]),  # to the end
        (1, 0, 2, [0, 1, 2]),  # where it already is
    ],
    ids=["between", "top", "end", "same-place"],
)
def test_a_card_moves_between_the_neighbours_the_page_posts(world, as_user, moving, after, before, expected):
    c = world.cards
    pick = lambda i: None if i is None else c[i]  # noqa: E731
    response = move_card(as_user(world.editor), world, c[moving], world.todo, **near(pick(after), pick(before)))
    assert response.status_code == 302
    assert card_order(world.todo) == [c[i].pk for i in expected]


def test_a_card_dragged_into_another_pipeline_lands_between_its_neighbours(world, as_user, four):
    (c0, c1, c2, c3), (d0, d1) = four
    move_card(as_user(world.editor), world, c1, world.doing, **near(d0, d1))
    assert card_order(world.doing) == [d0.pk, c1.pk, d1.pk]
    assert card_order(world.todo) == [c0.pk, c2.pk, c3.pk]
    move_card(as_user(world.editor), world, c3, world.doing, **near())  # an empty "after": first
    assert card_order(world.doing) == [c3.pk, d0.pk, c1.pk, d1.pk]


def test_a_move_writes_only_the_moved_cards_row(world, as_user, four):
    (c0, c1, c2, c3), (d0, d1) = four
    services.card_move(card=d1, pipeline=world.doing, after=None, actor=world.owner)  # ranks no longer evenly spaced
    services.card_move(card=c0, pipeline=world.todo, after=c1.pk, actor=world.owner)
    todo, doing = ranks_of(world.todo), ranks_of(world.doing)
    move_card(as_user(world.editor), world, c2, world.doing, **near(d0, d1))
    assert ranks_of(world.todo) == {k: v for k, v in todo.items() if k != c2.pk}
    assert {k: v for k, v in ranks_of(world.doing).items() if k != c2.pk} == doing


def test_htmx_card_move_across_pipelines_answers_with_the_cards_place_and_both_counts(world, as_user):
    c0, c1, c2 = world.cards
    client = as_user(world.editor, htmx=True)
    page = page_of(client, world.board)
    response = move_card(client, world, c1, world.doing, **near())
    assert response.status_code == 200
    body = text_of(response)
    assert f'<i id="card-{c1.pk}" data-in="cards-{world.doing.pk}"' in body  # the page moves its own node
    assert "Card 1</a>" not in body  # neither the card nor its pipelines are sent again
    page.receive(body)
    assert page.order() == board_order(world.board) == {world.todo.pk: [c0.pk, c2.pk], world.doing.pk: [c1.pk]}
    assert page.counts == {world.todo.pk: 2, world.doing.pk: 1}
    assert "moved “Card 1” from To do to Doing" in body  # its activity line, from the event's data
    assert '<div id="panel" hx-swap-oob="innerHTML"></div>' in body  # a move from the card's panel closes it
    assert flash_text(response) == ""  # any earlier error message is cleared


def test_htmx_plain_form_move_answers_like_a_drag(world, as_user):
    c0, c1, c2 = world.cards
    client = as_user(world.editor, htmx=True)
    page = page_of(client, world.board)
    response = move_card(client, world, c0, world.doing, position=1)
    assert response.status_code == 200
    page.receive(text_of(response))
    assert page.order() == board_order(world.board) == {world.todo.pk: [c1.pk, c2.pk], world.doing.pk: [c0.pk]}


def test_htmx_card_move_within_one_pipeline_answers_with_its_place_and_one_count(world, as_user):
    c0, c1, c2 = world.cards
    client = as_user(world.editor, htmx=True)
    page = page_of(client, world.board)
    response = move_card(client, world, c2, world.todo, **near(None, c0))
    assert re.findall(r'id="count-(\d+)"', text_of(response)) == [str(world.todo.pk)]
    page.receive(text_of(response))
    assert page.order()[world.todo.pk] == [c2.pk, c0.pk, c1.pk] == card_order(world.todo)
    assert "moved “Card 2” within To do" in text_of(response)


def test_htmx_move_answer_is_what_the_other_pages_are_sent(
    world, as_user, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = move_card(as_user(world.editor, htmx=True), world, world.cards[0], world.doing, **near())
    ((board_id, message),) = published
    assert board_id == world.board.pk and message["type"] == "board.fragments"
    assert message["html"]["en"] in text_of(response)


def test_many_moves_into_the_same_gap_keep_the_order(world, as_user):
    """Ranks run out between two neighbours after a few halvings: the siblings are spread again."""
    client = as_user(world.editor, htmx=True)
    extra = [services.card_create(pipeline=world.todo, title=f"More {i}", actor=world.owner) for i in range(3)]
    page = page_of(client, world.board)
    expected = card_order(world.todo)
    for _ in range(40):
        moving, first, second = expected[-1], expected[0], expected[1]
        response = move_card(client, world, Card(pk=moving), world.todo, after=first, before=second)
        assert response.status_code == 200
        expected = [first, moving, *expected[1:-1]]
        assert card_order(world.todo) == expected
        page.receive(text_of(response))
        assert page.order()[world.todo.pk] == expected
    assert len(set(ranks_of(world.todo).values())) == 3 + len(extra)


# --- stale pages: the neighbours the page saw may have changed ----------------------------------------


def test_stale_neighbours_naming_a_deleted_card_place_it_before_the_other_and_answer_with_the_truth(
    world, as_user, four
):
    (c0, c1, c2, c3), _ = four
    client = as_user(world.editor, htmx=True)
    page = page_of(client, world.board)
    deletion = step_of(lambda: services.card_delete(card=c1, actor=world.owner))  # on its way to the page
    response = move_card(client, world, c3, world.todo, **near(c1, c2))
    assert response.status_code == 200
    assert card_order(world.todo) == [c0.pk, c3.pk, c2.pk]  # right before the neighbour that is still there
    page.receive(text_of(response))  # the answer may come before the socket's step: it waits for it
    assert page.waiting
    page.receive(deletion)
    assert not page.waiting and page.order() == board_order(world.board)


def test_stale_neighbours_both_gone_put_the_card_at_the_end(world, as_user, four):
    (c0, c1, c2, c3), (d0, d1) = four
    client = as_user(world.editor, htmx=True)
    page = page_of(client, world.board)
    meanwhile = [
        step_of(lambda: services.card_delete(card=d0, actor=world.owner)),
        step_of(lambda: services.card_delete(card=d1, actor=world.owner)),
        step_of(lambda: services.card_create(pipeline=world.doing, title="New meanwhile", actor=world.owner)),
    ]
    response = move_card(client, world, c0, world.doing, **near(d0, d1))
    assert response.status_code == 200
    assert card_order(world.doing)[-1] == c0.pk
    for html in meanwhile:
        page.receive(html)
    page.receive(text_of(response))
    assert page.order() == board_order(world.board)
    assert page.order()[world.todo.pk] == [c1.pk, c2.pk, c3.pk]


def test_a_card_someone_moved_meanwhile_is_answered_from_where_it_really_was(world, as_user, four):
    """B's page still shows c0 in To do, but A put it in Doing: B's answer counts Doing too."""
    (c0, c1, c2, c3), (d0, d1) = four
    client = as_user(world.editor, htmx=True)
    page = page_of(client, world.board)
    moved = step_of(lambda: services.card_move(card=c0, pipeline=world.doing, after=d0.pk, actor=world.owner))
    response = move_card(client, world, c0, world.todo, **near(c2, c3))
    assert response.status_code == 200
    body = text_of(response)
    assert sorted(re.findall(r'id="count-(\d+)"', body)) == sorted([str(world.todo.pk), str(world.doing.pk)])
    assert "moved “Card 0” from Doing to To do" in body
    page.receive(moved)
    page.receive(body)
    assert page.order() == board_order(world.board)
    assert page.order()[world.todo.pk] == [c1.pk, c2.pk, c0.pk, c3.pk]
    assert page.counts == {world.todo.pk: 4, world.doing.pk: 2}


def test_a_neighbour_moved_to_another_pipeline_meanwhile_counts_as_gone(world, as_user, four):
    (c0, c1, c2, c3), (d0, d1) = four
    client = as_user(world.editor, htmx=True)
    page = page_of(client, world.board)
    page.receive(step_of(lambda: services.card_move(card=c1, pipeline=world.doing, after=d1.pk, actor=world.owner)))
    response = move_card(client, world, c3, world.todo, **near(c1, c2))
    assert card_order(world.todo) == [c0.pk, c3.pk, c2.pk]
    assert card_order(world.doing) == [d0.pk, d1.pk, c1.pk]  # the neighbour itself stays where it went
    page.receive(text_of(response))
    assert page.order() == board_order(world.board)


@pytest.mark.parametrize("foreign", ["unknown", "other-board"])
def test_neighbour_ids_not_in_the_pipeline_are_only_hints(world, as_user, foreign):
    """An unknown id, or another board's card, as a neighbour: treated as gone, nothing leaks or changes there."""
    c0, c1, c2 = world.cards
    stranger = NOT_THERE if foreign == "unknown" else world.other_card.pk
    other_before = list(Card.objects.filter(board=world.other_board).values_list("id", "pipeline_id", "position"))
    response = move_card(as_user(world.editor, htmx=True), world, c2, world.todo, after=stranger, before=c0.pk)
    assert response.status_code == 200
    assert card_order(world.todo) == [c2.pk, c0.pk, c1.pk]
    assert world.other_card.title not in text_of(response)
    assert list(Card.objects.filter(board=world.other_board).values_list("id", "pipeline_id", "position")) == (
        other_before
    )


def test_a_card_added_meanwhile_stays_after_its_predecessor(world, as_user):
    c0, c1, c2 = world.cards
    client = as_user(world.editor, htmx=True)
    page = page_of(client, world.board)
    added = step_of(lambda: services.card_create(pipeline=world.todo, title="Added meanwhile", actor=world.owner))
    c3 = Card.objects.get(title="Added meanwhile")
    response = move_card(client, world, c2, world.todo, **near(None, c0))
    assert card_order(world.todo) == [c2.pk, c0.pk, c1.pk, c3.pk]
    page.receive(added)
    page.receive(text_of(response))
    assert page.order()[world.todo.pk] == [c2.pk, c0.pk, c1.pk, c3.pk]


@pytest.mark.parametrize("where", ["other-pipeline", "same-pipeline"])
def test_a_stale_page_moving_one_card_never_moves_the_card_someone_else_moved(world, as_user, where):
    """Issue defect 17: A moves X; B's page still shows X in P and B moves Z, posting Z's neighbours
    (X among them). Only Z changes place: X stays where A put it."""
    x, y, z = world.cards  # P = To do: X, Y, Z
    a, b_ = as_user(world.owner, htmx=True), as_user(world.editor, htmx=True)
    page_b = page_of(b_, world.board)
    if where == "other-pipeline":
        step_a = text_of(move_card(a, world, x, world.doing, **near()))
    else:
        step_a = text_of(move_card(a, world, x, world.todo, **near(z, None)))  # X to the end of P
    x_after_a = Card.objects.values_list("pipeline_id", "position").get(pk=x.pk)
    y_after_a = Card.objects.values_list("pipeline_id", "position").get(pk=y.pk)

    # B's page shows X, Y, Z in P: B drags Z between X and Y.
    response = move_card(b_, world, z, world.todo, **near(x, y))
    assert response.status_code == 200
    assert Card.objects.values_list("pipeline_id", "position").get(pk=x.pk) == x_after_a
    assert Card.objects.values_list("pipeline_id", "position").get(pk=y.pk) == y_after_a
    if where == "other-pipeline":
        assert card_order(world.todo) == [z.pk, y.pk]  # X is gone from P: Z goes right before Y
        assert card_order(world.doing) == [x.pk]
    else:
        assert card_order(world.todo) == [y.pk, x.pk, z.pk]  # right after X, wherever A put it
    # B's page gets A's step over its socket, and its own answer: it ends where the database is.
    page_b.receive(step_a)
    page_b.receive(text_of(response))
    assert page_b.order() == board_order(world.board)


# --- refusals -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_card_of_another_board_is_not_found_and_nothing_moves(world, as_user, htmx):
    before = snapshot()
    client = as_user(world.owner, htmx=htmx)
    for fields in ({"position": 1}, near(world.cards[0], world.cards[1])):
        response = move_card(client, world, world.other_card, world.todo, **fields)
        assert response.status_code == 404
        assert "No such card" in (flash_text(response) if htmx else alerts(response))
        assert world.other_card.title not in text_of(response)
        if htmx:
            assert_refusal_shown(response)
    assert snapshot() == before


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_pipeline_of_another_board_is_not_found_and_nothing_moves(world, as_user, htmx):
    before = snapshot()
    client = as_user(world.owner, htmx=htmx)
    for fields in ({"position": 1}, near()):
        response = move_card(client, world, world.cards[0], world.other_pipeline, **fields)
        assert response.status_code == 404
        assert "No such pipeline" in (flash_text(response) if htmx else alerts(response))
        response = move_pipeline(client, world, world.other_pipeline, **fields)
        assert response.status_code == 404
        assert "No such pipeline" in (flash_text(response) if htmx else alerts(response))
        assert world.other_pipeline.name not in text_of(response)
        if htmx:
            assert_refusal_shown(response)
    assert snapshot() == before


def test_another_boards_pipeline_as_a_neighbour_is_only_a_hint(world, as_user):
    other = list(Pipeline.objects.filter(board=world.other_board).values_list("id", "position"))
    response = move_pipeline(as_user(world.editor, htmx=True), world, world.todo, after=world.other_pipeline.pk)
    assert response.status_code == 200
    assert pipeline_order(world.board) == [world.doing.pk, world.todo.pk]  # not found among ours: the end
    assert list(Pipeline.objects.filter(board=world.other_board).values_list("id", "position")) == other
    assert world.other_pipeline.name not in text_of(response)


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_viewer_may_not_move_anything(world, as_user, htmx):
    before = snapshot()
    client = as_user(world.viewer, htmx=htmx)
    for response in (
        move_card(client, world, world.cards[0], world.doing, position=1),
        move_card(client, world, world.cards[0], world.todo, **near(world.cards[2])),
        move_pipeline(client, world, world.todo, position=2),
        move_pipeline(client, world, world.todo, **near(world.doing)),
    ):
        assert response.status_code == 403
        assert "Viewers cannot change this board." in (flash_text(response) if htmx else alerts(response))
        if htmx:
            assert_refusal_shown(response)
    assert snapshot() == before


@pytest.fixture
def deleted_meanwhile(world, monkeypatch):
    """The card is deleted by someone else after the view found it, before the move is written."""
    found = selectors.pipeline_of_board

    def pipeline_then_delete(**kwargs):
        pipeline = found(**kwargs)
        Card.objects.filter(pk=world.cards[1].pk).delete()
        return pipeline

    monkeypatch.setattr(selectors, "pipeline_of_board", pipeline_then_delete)
    return world.cards[1]


@pytest.mark.parametrize("fields", [{"position": 1}, {"after": "", "before": ""}], ids=["position", "neighbours"])
def test_htmx_move_of_a_card_deleted_meanwhile_is_refused_with_the_message(world, as_user, deleted_meanwhile, fields):
    response = move_card(as_user(world.editor, htmx=True), world, deleted_meanwhile, world.doing, **fields)
    assert response.status_code == 400
    assert_refusal_shown(response)
    assert flash_text(response) == "This card no longer exists."
    assert 'id="flash"' in text_of(response) and 'hx-swap-oob="true"' in text_of(response)
    assert card_order(world.doing) == []


@pytest.mark.parametrize("fields", [{"position": 1}, {"after": "", "before": ""}], ids=["position", "neighbours"])
def test_plain_move_of_a_card_deleted_meanwhile_shows_the_board_again_with_the_message(
    world, as_user, deleted_meanwhile, fields
):
    response = move_card(as_user(world.editor), world, deleted_meanwhile, world.doing, **fields)
    assert response.status_code == 400
    body = text_of(response)
    assert 'id="live"' in body  # the board page again
    assert flash_text(response) == "This card no longer exists."
    assert f'id="card-{deleted_meanwhile.pk}"' not in body
    assert card_order(world.todo) == [world.cards[0].pk, world.cards[2].pk]


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_move_of_a_card_already_gone_when_asked_is_not_found(world, as_user, htmx):
    card = world.cards[1]
    services.card_delete(card=card, actor=world.owner)
    response = move_card(as_user(world.editor, htmx=htmx), world, card, world.doing, **near())
    assert response.status_code == 404
    assert "No such card" in (flash_text(response) if htmx else alerts(response))
    if htmx:
        assert_refusal_shown(response)


# --- pipelines ----------------------------------------------------------------------------------------


@pytest.fixture
def strip(world):
    """Pipelines To do, Doing, Done, Later, in that order."""
    done = services.pipeline_create(board=world.board, name="Done", actor=world.owner)
    later = services.pipeline_create(board=world.board, name="Later", actor=world.owner)
    return [world.todo, world.doing, done, later]


def test_htmx_pipeline_move_by_neighbours_answers_with_the_pipelines_place(world, as_user, strip):
    todo, doing, done, later = strip
    client = as_user(world.editor, htmx=True)
    page = page_of(client, world.board)
    response = move_pipeline(client, world, later, **near(todo, doing))
    assert response.status_code == 200
    body = text_of(response)
    assert f'<i id="pipeline-{later.pk}" data-in="pipelines" data-after="pipeline-{todo.pk}"' in body
    assert "<section" not in body  # no pipeline is sent again
    expected = [todo.pk, later.pk, doing.pk, done.pk]
    assert pipeline_order(world.board) == expected
    page.receive(body)
    assert page.pipelines == expected
    assert "moved the pipeline “Later”" in body
    page.receive(text_of(move_pipeline(client, world, todo, **near(done, None))))
    assert pipeline_order(world.board) == page.pipelines == [later.pk, doing.pk, done.pk, todo.pk]


def test_htmx_pipeline_move_by_position_answers_like_a_drag(world, as_user, strip):
    todo, doing, done, later = strip
    client = as_user(world.editor, htmx=True)
    page = page_of(client, world.board)
    response = move_pipeline(client, world, todo, position=3)
    assert response.status_code == 200
    assert pipeline_order(world.board) == [doing.pk, done.pk, todo.pk, later.pk]
    page.receive(text_of(response))
    assert page.pipelines == [doing.pk, done.pk, todo.pk, later.pk]


def test_stale_pipeline_neighbours_naming_a_deleted_pipeline_still_give_a_sensible_place(world, as_user, strip):
    todo, doing, done, later = strip
    client = as_user(world.editor, htmx=True)
    page = page_of(client, world.board)
    deletion = step_of(lambda: services.pipeline_delete(pipeline=todo, actor=world.owner))  # not shown yet
    response = move_pipeline(client, world, later, **near(todo, doing))
    assert response.status_code == 200
    assert pipeline_order(world.board) == [later.pk, doing.pk, done.pk]  # right before Doing
    page.receive(text_of(response))
    page.receive(deletion)
    assert page.pipelines == [later.pk, doing.pk, done.pk]  # the truth, once both steps are in
    response = move_pipeline(client, world, later, after=todo.pk, before=NOT_THERE)
    assert pipeline_order(world.board) == [doing.pk, done.pk, later.pk]  # both gone: the end


def test_a_pipeline_deleted_before_the_move_is_not_found(world, as_user, strip):
    todo, doing, done, later = strip
    services.pipeline_delete(pipeline=done, actor=world.owner)
    before = snapshot()
    response = move_pipeline(as_user(world.editor, htmx=True), world, done, **near(todo))
    assert response.status_code == 404
    assert_refusal_shown(response)
    assert "No such pipeline" in flash_text(response)
    response = move_card(as_user(world.editor, htmx=True), world, world.cards[0], done, position=1)
    assert response.status_code == 404
    assert snapshot() == before

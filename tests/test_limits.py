"""Work-in-progress limits: a pipeline's limit, soft and hard limits, the count and its marking, live."""

from __future__ import annotations

import html
import re

import pytest
from django.core.exceptions import ValidationError

from board import selectors, services
from board.live import announce
from board.models import Activity, Card, Pipeline
from tests.pages import board_order, page_of, step_of
from tests.test_views import alerts, burl, flash_text, snapshot, text_of


def count_of(html: str, pipeline: Pipeline) -> str:
    """The count fragment of `pipeline` in `html`, as its words read (tags dropped)."""
    match = re.search(rf'<span id="count-{pipeline.pk}"[^>]*>(.*?)</span>', html)
    assert match, html
    return re.sub(r"<[^>]+>", "", match.group(1))


def count_tag(html: str, pipeline: Pipeline) -> str:
    return re.search(rf'<span id="count-{pipeline.pk}"[^>]*>', html).group(0)


def test_a_limit_shows_as_count_over_limit_and_over_it_is_said_in_words(world, as_user):
    services.pipeline_set_limit(pipeline=world.todo, limit=3, actor=world.owner)
    page = text_of(as_user(world.viewer).get(burl(world, "board")))
    assert count_of(page, world.todo) == "3 / 3"
    assert "over" not in count_tag(page, world.todo)
    assert count_of(page, world.doing) == "0"  # no limit: the count alone
    services.pipeline_set_limit(pipeline=world.todo, limit=2, actor=world.owner)  # soft: lowering marks it
    page = text_of(as_user(world.viewer).get(burl(world, "board")))
    assert count_of(page, world.todo) == "3 / 2 over limit"
    assert 'class="count over"' in count_tag(page, world.todo)


def test_soft_limits_let_a_card_in_and_mark_the_pipeline_for_every_page(world):
    services.pipeline_set_limit(pipeline=world.doing, limit=1, actor=world.owner)
    services.card_create(pipeline=world.doing, title="First", actor=world.editor)
    step = step_of(lambda: services.card_move(card=world.cards[0], pipeline=world.doing, actor=world.editor))
    assert Card.objects.filter(pipeline=world.doing).count() == 2
    assert count_of(step, world.doing) == "2 / 1 over limit"
    assert count_of(step, world.todo) == "2"
    assert len(step.encode()) <= 1024  # a move stays small with the limit in its counts


def test_hard_limits_refuse_a_move_into_a_full_pipeline_naming_the_limit_and_change_nothing(world):
    services.board_set_limits(board=world.board, hard=True, actor=world.owner)
    services.pipeline_set_limit(pipeline=world.doing, limit=1, actor=world.owner)
    services.card_move(card=world.cards[0], pipeline=world.doing, actor=world.editor)  # fills it
    before, events = board_order(world.board), Activity.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.card_move(card=world.cards[1], pipeline=world.doing, actor=world.editor)
    assert refused.value.messages == ["“Doing” is full: its limit is 1 card."]
    with pytest.raises(ValidationError):
        services.card_create(pipeline=world.doing, title="One too many", actor=world.editor)
    assert board_order(world.board) == before and Activity.objects.count() == events
    # A move within the full pipeline is no new card in it.
    services.card_create(pipeline=world.todo, title="x", actor=world.editor)
    services.card_move(card=world.cards[0], pipeline=world.doing, after=None, actor=world.editor)


def test_hard_limits_leave_room_when_a_card_leaves_and_soft_limits_come_back(world):
    services.board_set_limits(board=world.board, hard=True, actor=world.owner)
    services.pipeline_set_limit(pipeline=world.todo, limit=3, actor=world.owner)
    with pytest.raises(ValidationError):
        services.card_create(pipeline=world.todo, title="Fourth", actor=world.editor)
    services.card_move(card=world.cards[0], pipeline=world.doing, actor=world.editor)
    services.card_create(pipeline=world.todo, title="Fourth", actor=world.editor)
    services.board_set_limits(board=world.board, hard=False, actor=world.owner)
    services.card_create(pipeline=world.todo, title="Fifth", actor=world.editor)
    assert Card.objects.filter(pipeline=world.todo).count() == 4


@pytest.mark.parametrize("bad", [0, -1, 10**9, 1001, True, "3"])
def test_a_limit_out_of_range_is_refused_and_changes_nothing(world, bad):
    before = snapshot()
    with pytest.raises(ValidationError):
        services.pipeline_set_limit(pipeline=world.todo, limit=bad, actor=world.owner)
    assert snapshot() == before
    assert Pipeline.objects.get(pk=world.todo.pk).wip_limit is None


def test_setting_a_limit_records_one_event_with_its_line_and_sentence(world):
    before = Activity.objects.count()
    services.pipeline_set_limit(pipeline=world.todo, limit=5, actor=world.editor)
    services.pipeline_set_limit(pipeline=world.todo, limit=None, actor=world.editor)
    services.board_set_limits(board=world.board, hard=True, actor=world.owner)
    assert Activity.objects.count() == before + 3
    hard, cleared, limited = Activity.objects.filter(board=world.board)[:3]
    assert (limited.kind, limited.data["limit"], cleared.data["limit"]) == ("pipeline.limit_set", 5, None)
    assert announce.say(limited) == "eddie set the limit of “To do” to 5."
    assert announce.say(cleared) == "eddie removed the limit of “To do”."
    assert announce.say(hard) == "olive made the board’s limits hard."
    history = text_of_activity(world)
    assert "set the limit of the pipeline “To do” to 5" in history
    assert "removed the limit of the pipeline “To do”" in history
    assert "made the board’s limits hard" in history


def text_of_activity(world) -> str:
    from django.test import Client

    client = Client()
    client.force_login(world.owner)
    return html.unescape(text_of(client.get(burl(world, "activity"))))


def test_a_limit_reaches_open_pages_as_the_count_and_the_menus_field(world):
    step = step_of(lambda: services.pipeline_set_limit(pipeline=world.todo, limit=2, actor=world.editor))
    assert count_of(step, world.todo) == "3 / 2 over limit"
    assert f'id="pipeline-{world.todo.pk}-limit"' in step and 'value="2"' in step
    assert 'class="card"' not in step  # no card is sent again


def test_a_limit_in_japanese(world, settings):
    from django.utils import translation

    services.pipeline_set_limit(pipeline=world.todo, limit=2, actor=world.editor)
    event = Activity.objects.filter(board=world.board).first()
    with translation.override("ja"):
        assert "上限" in announce.say(event)
        html = step_of(lambda: services.pipeline_set_limit(pipeline=world.todo, limit=1, actor=world.editor))
    assert "上限超過" in html


# --- over HTTP: the plain form, htmx, refusals ------------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_the_pipeline_menu_sets_and_clears_a_limit(world, as_user, htmx):
    client = as_user(world.editor, htmx=htmx)
    response = client.post(burl(world, "pipeline-limit", world.todo.pk), {"limit": "4"})
    assert response.status_code == (200 if htmx else 302)
    assert Pipeline.objects.get(pk=world.todo.pk).wip_limit == 4
    if htmx:
        assert count_of(text_of(response), world.todo) == "3 / 4"
    page = text_of(as_user(world.editor).get(burl(world, "board")))
    assert f'id="pipeline-{world.todo.pk}-limit" name="limit" type="number" min="1" max="1000" value="4"' in page
    client.post(burl(world, "pipeline-limit", world.todo.pk), {"limit": ""})
    assert Pipeline.objects.get(pk=world.todo.pk).wip_limit is None


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("bad", ["-1", "0", "1000000000", "many"])
def test_a_bad_limit_is_a_400_the_page_shows_with_nothing_changed(world, as_user, htmx, bad):
    before = snapshot()
    response = as_user(world.editor, htmx=htmx).post(burl(world, "pipeline-limit", world.todo.pk), {"limit": bad})
    assert response.status_code == 400
    assert "Limit" in (flash_text(response) if htmx else alerts(response))
    assert snapshot() == before


def test_a_limit_on_another_boards_pipeline_is_a_404(world, as_user):
    response = as_user(world.owner).post(burl(world, "pipeline-limit", world.other_pipeline.pk), {"limit": "1"})
    assert response.status_code == 404
    assert Pipeline.objects.get(pk=world.other_pipeline.pk).wip_limit is None


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_hard_limit_refuses_a_drag_and_a_new_card_with_a_message_naming_it(world, as_user, htmx):
    as_user(world.owner).post(burl(world, "board-limits"), {"limits": "hard"})
    as_user(world.owner).post(burl(world, "pipeline-limit", world.doing.pk), {"limit": "1"})
    client = as_user(world.editor, htmx=htmx)
    assert client.post(burl(world, "card-move", world.cards[0].pk), {"pipeline": world.doing.pk}).status_code in (
        200,
        302,
    )
    before = snapshot()
    moved = client.post(burl(world, "card-move", world.cards[1].pk), {"pipeline": world.doing.pk, "position": 1})
    created = client.post(burl(world, "card-create", world.doing.pk), {"title": "No room"})
    for response in (moved, created):
        assert response.status_code == 400
        said = flash_text(response) if htmx else alerts(response)
        assert "“Doing” is full: its limit is 1 card." in said
    assert snapshot() == before


def test_the_owner_chooses_hard_or_soft_limits_and_others_cannot(world, as_user):
    assert as_user(world.editor).post(burl(world, "board-limits"), {"limits": "hard"}).status_code == 403
    assert selectors.board_access(board_id=world.board.pk, user=world.owner).board.hard_limits is False
    page = text_of(as_user(world.owner).get(burl(world, "board")))
    assert 'name="limits" value="soft" checked' in page
    assert as_user(world.owner).post(burl(world, "board-limits"), {"limits": "hard"}).status_code == 302
    page = text_of(as_user(world.owner).get(burl(world, "board")))
    assert 'name="limits" value="hard" checked' in page
    response = as_user(world.owner, htmx=True).post(burl(world, "board-limits"), {"limits": "sideways"})
    assert response.status_code == 400


def test_a_page_applies_the_limit_and_the_move_over_it(world, as_user):
    client = as_user(world.editor, htmx=True)
    page = page_of(client, world.board)
    page.receive(text_of(client.post(burl(world, "pipeline-limit", world.doing.pk), {"limit": "1"})))
    page.receive(text_of(client.post(burl(world, "card-move", world.cards[0].pk), {"pipeline": world.doing.pk})))
    page.receive(text_of(client.post(burl(world, "card-move", world.cards[1].pk), {"pipeline": world.doing.pk})))
    assert page.counts == {world.todo.pk: 1, world.doing.pk: 2}
    assert page.order() == board_order(world.board)

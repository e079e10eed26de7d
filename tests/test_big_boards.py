"""Boards of thousands of cards (5000 is Trello's limit per board): the same queries as a
board of 1000, and a page put together from whole pipelines that is never stale."""

from __future__ import annotations

import json

import pytest
from django.core.cache import caches
from django.urls import reverse

from board import services
from board.live import fragments
from board.models import Board, Card, Role
from board.search import card_text
from board.services import ranks
from tests.conftest import make_user
from tests.test_selectors import count_queries


def board_of(owner, member, n_pipelines: int, per_pipeline: int) -> Board:
    """A board of n_pipelines x per_pipeline cards, bulk-created as bench/data.py does."""
    board = services.board_create(owner=owner, name=f"{n_pipelines * per_pipeline} cards")
    pipes = [services.pipeline_create(board=board, name=f"Stage {i}") for i in range(n_pipelines)]
    services.member_add(board=board, username=member.username, role=Role.EDITOR)
    cards = [
        Card(
            board=board,
            pipeline=pipeline,
            title=f"Card {p}-{i}" + (" invoice" if i % 7 == 0 else ""),
            description="Notes" if i % 2 else "",
            position=(i + 1) * ranks.STEP,
            updated_by=owner if i % 3 else None,
        )
        for p, pipeline in enumerate(pipes)
        for i in range(per_pipeline)
    ]
    for card in cards:  # what card_create stores for the filter
        card.search = card_text(card.title, card.description)
    Card.objects.bulk_create(cards, 1000)
    return Board.objects.get(pk=board.pk)


@pytest.fixture(scope="module")
def big_boards(django_db_setup, django_db_blocker):
    """A 1000-card and a 5000-card board (20 pipelines each), built once for this module."""
    with django_db_blocker.unblock():
        owner, member = make_user("bigowner"), make_user("bigmember")
        boards = board_of(owner, member, 20, 50), board_of(owner, member, 20, 250)
        yield owner, *boards
        Board.objects.filter(pk__in=[b.pk for b in boards]).delete()
        owner.delete()
        member.delete()


@pytest.fixture
def client_of(big_boards, client):
    client.force_login(big_boards[0])
    return client


@pytest.mark.parametrize("query", ["", "?q=invoice"])
def test_board_page_costs_the_same_queries_for_1000_and_5000_cards(
    db, big_boards, client_of, django_assert_max_num_queries, query
):
    _, thousand, five_thousand = big_boards
    small_count, small_page = count_queries(lambda: client_of.get(reverse("board", args=[thousand.pk]) + query))
    assert small_page.status_code == 200
    with django_assert_max_num_queries(small_count):
        big_count, big_page = count_queries(lambda: client_of.get(reverse("board", args=[five_thousand.pk]) + query))
    assert big_page.status_code == 200
    assert big_count == small_count
    html = big_page.content.decode()
    assert html.count('class="card"') == 5000
    assert html.count(" hidden><a") == (5000 - 20 * 36 if query else 0)  # 36 of each 250 mention an invoice


def test_the_filter_costs_the_same_queries_for_1000_and_5000_cards(
    db, big_boards, client_of, django_assert_max_num_queries
):
    _, thousand, five_thousand = big_boards
    ask = lambda board: client_of.get(reverse("board-filter", args=[board.pk]), {"q": "invoice"})  # noqa: E731
    small_count, small = count_queries(lambda: ask(thousand))
    with django_assert_max_num_queries(small_count):
        big_count, big = count_queries(lambda: ask(five_thousand))
    assert big_count == small_count
    assert len(json.loads(small.content)["ids"]) == 20 * 8
    assert len(json.loads(big.content)["ids"]) == 20 * 36


def test_a_second_page_renders_no_card_and_one_changed_card_alone_is_rendered_again(
    db, big_boards, client_of, card_renders
):
    _, _, board = big_boards
    caches[fragments.CARDS_CACHE].clear()
    rendered = card_renders
    url = reverse("board", args=[board.pk])
    first = client_of.get(url).content.decode()
    assert len(rendered) == 5000
    rendered.clear()
    assert client_of.get(url).content.decode().count('class="card"') == first.count('class="card"') == 5000
    assert rendered == []
    card = Card.objects.filter(board=board).order_by("pk").last()
    Card.objects.filter(pk=card.pk).update(title="Renamed in the shell")  # no service, no event
    shown = client_of.get(url).content.decode()
    assert rendered == [card.pk]
    assert "Renamed in the shell" in shown


def test_a_filtered_page_and_the_plain_page_each_show_their_own_cards(db, big_boards, client_of):
    _, _, board = big_boards
    url = reverse("board", args=[board.pk])
    plain = client_of.get(url).content.decode()
    filtered = client_of.get(url, {"q": "invoice"}).content.decode()
    again = client_of.get(url).content.decode()
    assert plain.count(" hidden><a") == again.count(" hidden><a") == 0
    assert filtered.count(" hidden><a") == 5000 - 20 * 36
    assert client_of.get(url, {"q": "Card 3-"}).content.decode().count(" hidden><a") == 5000 - 250

"""The card filter matches the way people type: any case, any width (NFKC), the same on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse

from board import selectors, services
from board.models import Card
from board.search import card_text, normalized


@pytest.fixture
def cards(world) -> dict[str, Card]:
    made = {}
    for title, description in [
        ("abc report", ""),
        ("カナの整理", ""),
        ("Straße plan", ""),
        ("Ｑ３ ＲＯＡＤＭＡＰ", ""),
        ("Invoice", "Send the ﾃｽﾄ results"),
        ("unrelated", "nothing here"),
    ]:
        card = services.card_create(pipeline=world.todo, title=title, actor=world.owner)
        if description:
            card = services.card_update(card=card, title=title, description=description, actor=world.owner)
        made[title] = card
    return made


def matching(world, query: str) -> set[str]:
    ids = selectors.card_ids_matching(board=world.board, query=query)
    return set(Card.objects.filter(pk__in=ids).values_list("title", flat=True))


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("ＡＢＣ", {"abc report"}),  # full-width Latin finds half-width
        ("ABC", {"abc report"}),  # any case
        ("ｶﾅ", {"カナの整理"}),  # half-width katakana finds full-width
        ("q3 roadmap", {"Ｑ３ ＲＯＡＤＭＡＰ"}),  # and the other way round
        ("STRASSE", {"Straße plan"}),  # case folding, not just lower case
        ("テスト", {"Invoice"}),  # descriptions too
        ("ｉｎｖｏｉｃｅ", {"Invoice"}),
        ("no match at all", set()),
    ],
)
def test_the_filter_is_case_and_width_insensitive(world, cards, query, titles):
    assert matching(world, query) == titles
    hidden = selectors.hidden_cards(board=world.board, query=query)
    shown = set(Card.objects.filter(board=world.board).exclude(pk__in=hidden).values_list("title", flat=True))
    assert shown == titles  # the board page hides exactly the others


def test_the_filter_answer_and_the_filtered_page_agree(world, cards, as_user):
    client = as_user(world.viewer)
    answer = client.get(reverse("board-filter", args=[world.board.pk]), {"q": "ｶﾅ"}).json()
    assert answer["ids"] == [cards["カナの整理"].pk]
    page = client.get(reverse("board", args=[world.board.pk]), {"q": "ｶﾅ"}).content.decode()
    assert f'id="card-{cards["カナの整理"].pk}"' in page
    assert page.count(" hidden><a") == Card.objects.filter(board=world.board).count() - 1


def test_the_filter_never_reaches_another_boards_cards(world, cards):
    assert matching(world, "Do not leak") == set()
    assert selectors.card_ids_matching(board=world.other_board, query="ＤＯ ＮＯＴ") == [world.other_card.pk]


def test_every_card_write_keeps_its_search_text(world):
    card = services.card_create(pipeline=world.todo, title="ﾊﾝｶｸ", actor=world.owner)
    assert Card.objects.get(pk=card.pk).search == "ハンカク\n"
    services.card_update(card=card, title="Ａ", description="Ｂ", actor=world.owner)
    assert Card.objects.get(pk=card.pk).search == "a\nb"
    assert normalized("ﬁ") == "fi" and card_text("Ⅻ", "") == "xii\n"


def test_the_migration_fills_the_search_text_of_existing_cards(world):
    Card.objects.update(search="")  # as rows were before the column
    migration = importlib.import_module("board.migrations.0006_i18n_search")
    migration.fill(apps, SimpleNamespace(connection=connection))  # all it asks of the schema editor
    for card in Card.objects.all():
        assert card.search == card_text(card.title, card.description)
    assert matching(world, "ｃａｒｄ ０") == {"Card 0"}

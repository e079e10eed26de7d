"""Malformed requests, as a black-box test sends them: a clear 4xx every time, and nothing written.

Ids too large for any id, a NUL in the filter, a form in UTF-16, more fields than Django
reads, and a pipeline of 5000 cards that must stay reorderable.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from board import services
from board.models import Card
from board.services import ranks
from tests.test_views import (
    ENDPOINTS,
    MESSAGE_HEADER,
    assert_refusal_shown,
    b,
    burl,
    card_order,
    csrf_client,
    flash_text,
    snapshot,
    text_of,
)

TOO_LARGE = ["99999999999999999999", "9223372036854775808"]  # 20 digits; 2**63, one past the largest id


@pytest.fixture
def commented(world):
    """The world, with a comment by the editor on the first card (as tests/test_views.py has it)."""
    world.comment = services.comment_create(card=world.cards[0], author=world.editor, body="First!")
    world.label = services.label_create(board=world.board, name="Bug", colour="red", actor=world.owner)
    return world


def with_csrf(user, *, htmx: bool) -> tuple[Client, str]:
    """A client that checks CSRF as production does (the token in the header, as the page's htmx sends it)."""
    client = csrf_client(user, htmx=htmx)
    client.get(reverse("home"))
    return client, client.cookies["csrftoken"].value


def id_variants(path: str) -> list[str]:
    """The path with each of its ids in turn replaced by a number too large for an id."""
    spans = [m.span(1) for m in re.finditer(r"/(\d+)(?=/)", path)]
    return [path[:start] + big + path[end:] for start, end in spans for big in TOO_LARGE]


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_ids_too_large_for_any_id_in_the_url_are_not_found_and_change_nothing(commented, endpoint):
    client = Client()
    client.force_login(commented.owner)
    endpoint.prepare(commented, commented.owner)
    url = endpoint.url(commented)
    path, _, query = url.partition("?")
    variants = id_variants(path)
    if not variants:
        pytest.skip("no id in this URL")
    before = snapshot()
    for variant in variants:
        call = client.get if endpoint.method == "GET" else client.post
        response = call(variant + (f"?{query}" if query else ""), endpoint.data(commented))
        assert response.status_code == 404, variant
        assert "There is nothing at this address" in text_of(response)
    assert snapshot() == before


def test_a_socket_path_with_an_id_too_large_is_no_boards():
    from board import routing

    assert [p for p in routing.websocket_urlpatterns if p.pattern.match(f"ws/b/{TOO_LARGE[1]}/")][0].name is None


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("big", TOO_LARGE)
@pytest.mark.parametrize(
    "name,data",
    [
        ("card-move", lambda w, big: {"pipeline": big, "after": "", "before": ""}),
        ("card-move", lambda w, big: {"pipeline": w.todo.pk, "after": big, "before": ""}),
        ("card-move", lambda w, big: {"pipeline": w.todo.pk, "after": w.cards[2].pk, "before": big}),
        ("card-move", lambda w, big: {"pipeline": big, "position": 1}),
        ("pipeline-move", lambda w, big: {"after": big, "before": ""}),
        ("pipeline-move", lambda w, big: {"after": w.doing.pk, "before": big}),
    ],
)
def test_ids_too_large_in_a_field_are_refused_before_anything_moves(world, as_user, name, data, big, htmx):
    """On PostgreSQL such an order answered 200, moved the card to the end and bumped the version."""
    subject = world.cards[0] if name == "card-move" else world.todo
    before = snapshot()
    response = as_user(world.editor, htmx=htmx).post(burl(world, name, subject.pk), data(world, big))
    assert response.status_code == 400
    assert "no id is that large" in flash_text(response)
    if htmx:
        assert_refusal_shown(response)
    assert snapshot() == before


@pytest.mark.parametrize("big", TOO_LARGE)
def test_a_card_history_asked_for_by_an_id_too_large_is_refused(world, as_user, big):
    response = as_user(world.viewer, htmx=True).get(burl(world, "activity") + f"?card={big}")
    assert response.status_code == 400
    assert "no id is that large" in flash_text(response)


def test_a_nul_in_the_filter_is_refused_clearly_and_the_board_page_ignores_it(world, as_user):
    response = as_user(world.viewer).get(burl(world, "board-filter") + "?q=%00")
    assert response.status_code == 400
    assert response.json() == {"error": "Filter: Null characters are not allowed."}
    assert response[MESSAGE_HEADER] == "1"
    page = as_user(world.viewer).get(b(world) + "?q=Card%001")
    assert page.status_code == 200
    assert as_user(world.viewer).get(burl(world, "board-filter") + "?q=card").json()["ids"]


POSTS = [e for e in ENDPOINTS if e.method == "POST"]


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("charset", ["utf-16", "latin-1"])
@pytest.mark.parametrize("endpoint", POSTS, ids=[e.name for e in POSTS])
def test_a_form_not_sent_as_utf8_is_refused_with_a_message_not_a_500(commented, endpoint, charset, htmx):
    """Django refuses to read it; its own 400 handler read it again and raised inside (a 500)."""
    client, token = with_csrf(commented.owner, htmx=htmx)
    endpoint.prepare(commented, commented.owner)
    before = snapshot()
    response = client.post(
        endpoint.url(commented),
        "name=x&title=x&body=x",
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 400
    message = f"Forms must be sent as UTF-8 (this one said charset={charset}). Nothing was changed."
    assert message in (flash_text(response) if htmx else text_of(response))
    if htmx:
        assert_refusal_shown(response)
    assert snapshot() == before


def test_a_login_form_not_sent_as_utf8_is_refused_with_a_message():
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("login"))
    response = client.post(
        reverse("login"),
        "username=a",
        content_type="application/x-www-form-urlencoded; charset=utf-16",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )
    assert response.status_code == 400
    assert "Forms must be sent as UTF-8" in text_of(response)


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("csrf", [False, True], ids=["test-client", "csrf-checked"])
def test_an_order_of_more_fields_than_django_reads_gets_one_clear_message(world, as_user, htmx, csrf):
    """1001 ids (Django reads at most 1000 fields): our message, not Django's bare 'Bad Request (400)'."""
    client, token = with_csrf(world.editor, htmx=htmx) if csrf else (as_user(world.editor, htmx=htmx), "")
    before = snapshot()
    ids = "&".join(f"order={i}" for i in range(1001))
    response = client.post(
        burl(world, "card-move", world.cards[0].pk),
        f"pipeline={world.todo.pk}&{ids}",
        content_type="application/x-www-form-urlencoded",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 400
    message = "This request sends more than 1000 fields, more than any form here has. Nothing was changed."
    assert message in (flash_text(response) if htmx else text_of(response))
    if htmx:
        assert_refusal_shown(response)
    assert snapshot() == before


def test_a_pipeline_of_5000_cards_stays_reorderable_by_neighbours_and_by_number(world, as_user):
    pipeline = world.doing
    Card.objects.bulk_create(
        Card(board=world.board, pipeline=pipeline, title=f"Bulk {i}", position=(i + 1) * ranks.STEP)
        for i in range(5000)
    )
    order = card_order(pipeline)
    assert len(order) == 5000
    client = as_user(world.editor, htmx=True)
    # A drag posts the card and its new neighbours: three fields, however long the pipeline.
    last, first = order[-1], order[0]
    response = client.post(burl(world, "card-move", last), {"pipeline": pipeline.pk, "after": "", "before": first})
    assert response.status_code == 200
    assert card_order(pipeline)[:2] == [last, first]
    # The plain form posts a number.
    response = client.post(burl(world, "card-move", last), {"pipeline": pipeline.pk, "position": 2500})
    assert response.status_code == 200
    assert card_order(pipeline).index(last) == 2499
    # A card from elsewhere dropped between two of them.
    middle = card_order(pipeline)[3000:3002]
    response = client.post(
        burl(world, "card-move", world.cards[0].pk), {"pipeline": pipeline.pk, "after": middle[0], "before": middle[1]}
    )
    assert response.status_code == 200
    assert card_order(pipeline)[3000:3003] == [middle[0], world.cards[0].pk, middle[1]]


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_an_address_that_is_nothing_gets_a_clear_404(world, as_user, htmx):
    response = as_user(world.viewer, htmx=htmx).get("/no/such/page/")
    assert response.status_code == 404
    assert "There is nothing at this address" in (flash_text(response) if htmx else text_of(response))


UNREADABLE = [
    ("application/x-www-form-urlencoded; charset=utf-16", "name=x", "Forms must be sent as UTF-8"),
    ("application/x-www-form-urlencoded", "&".join(f"a={i}" for i in range(1001)), "more than 1000 fields"),
    ("application/x-www-form-urlencoded", "name=" + "x" * (2_621_440 + 1), "larger than 2560 KB"),
    ("multipart/form-data; boundary=", "--\r\nname", "could not be read"),
]


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
@pytest.mark.parametrize(("content_type", "body", "message"), UNREADABLE, ids=["utf16", "fields", "size", "multipart"])
def test_unreadable_forms_get_our_message_whether_debugging_or_not(world, settings, debug, content_type, body, message):
    """When debugging, Django's error page read the form again too (a 500 for UTF-16)."""
    settings.DEBUG = debug
    client, token = with_csrf(world.owner, htmx=True)
    before = snapshot()
    response = client.post(reverse("home"), body, content_type=content_type, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 400
    assert_refusal_shown(response)
    assert message in flash_text(response)
    assert snapshot() == before

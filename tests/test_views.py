"""HTTP views: who may do what, bad input, the no-JavaScript path, htmx fragments, escaping, filter, accounts."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from board import services
from board.models import Activity, Board, Card, Comment, EditClaim, Membership, Pipeline, Role
from tests.conftest import PASSWORD, positions

XSS = "<script>alert(1)</script>"
XSS_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


# --- helpers ------------------------------------------------------------------------------------


def snapshot(*, content_only: bool = False) -> dict[str, list[tuple]]:
    """Everything a write could touch, to compare before and after a refused request.

    `content_only` leaves out board versions and edit claims, which opening an edit form changes.
    """
    version = () if content_only else ("version",)
    state = {
        "users": sorted(get_user_model().objects.values_list("id", "username")),
        "boards": sorted(Board.objects.values_list("id", "name", "owner_id", *version)),
        "pipelines": sorted(Pipeline.objects.values_list("id", "board_id", "name", "position")),
        "cards": sorted(
            Card.objects.values_list("id", "board_id", "pipeline_id", "position", "title", "description", "version")
        ),
        "memberships": sorted(Membership.objects.values_list("board_id", "user_id", "role")),
        "comments": sorted(Comment.objects.values_list("id", "card_id", "author_id", "body")),
        "activities": sorted(Activity.objects.values_list("id", "board_id", "verb")),
    }
    if not content_only:
        state["claims"] = sorted(EditClaim.objects.values_list("card_id", "user_id"))
    return state


def text_of(response) -> str:
    return response.content.decode()


def strip_tags(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def flash_text(response) -> str:
    """The text of the page's message area (`id="flash"`), or '' if the body has none."""
    found = re.search(r'<div id="flash"[^>]*>(.*?)</div>', text_of(response), re.S)
    return strip_tags(found.group(1)) if found else ""


def alerts(response) -> str:
    """Every message shown to the user: the flash area and any role="alert" element."""
    body = text_of(response)
    found = re.findall(r'<(\w+)\b[^>]*\b(?:role="alert"|id="flash")[^>]*>(.*?)</\1>', body, re.S)
    return " | ".join(strip_tags(inner) for _, inner in found)


def oob_ids(response) -> list[str]:
    """Ids of the elements a response swaps out of band, in order."""
    return re.findall(r'<\w+ id="([^"]+)"[^>]*\bhx-swap-oob=', text_of(response))


def fragment(body: str, element_id: str) -> str:
    """The markup of one pipeline/strip fragment in a body (up to its closing tag)."""
    tag = "section" if element_id.startswith("pipeline-") else "div"
    found = re.search(rf'<{tag} id="{element_id}"[^>]*>.*?</{tag}>', body, re.S)
    assert found, f"no {element_id} in the body"
    return found.group(0)


def card_ids_in(markup: str) -> list[int]:
    return [int(i) for i in re.findall(r'<li id="card-(\d+)"', markup)]


def hidden_cards(body: str) -> set[int]:
    return {int(i) for i, attrs in re.findall(r'<li id="card-(\d+)"([^>]*)>', body) if " hidden" in attrs}


def description_html(body: str) -> str:
    found = re.search(r'<div class="description">(.*?)</div>', body, re.S)
    assert found, "no description in the body"
    return found.group(1)


def csrf_client(user, *, htmx: bool = False) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    if htmx:
        client.defaults["HTTP_HX_REQUEST"] = "true"
    return client


# --- the permission matrix ------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    url: Callable[[Any], str]
    # "login", "read", "edit", "owner"; for the comment (written by the editor) "author" or "author-or-owner"
    need: str
    data: Callable[[Any], dict] = lambda w: {}
    plain_get: int = 200  # the status of a successful GET without htmx
    prepare: Callable[[Any, Any], None] = lambda w, user: None  # set the stage for this user, before the snapshot


def claim_for(w, user) -> None:
    """The user has the first card's edit form open (so releasing it changes something)."""
    if user is not None:
        services.claim_take(card=w.cards[0], user=user)


def b(w) -> str:
    return f"/b/{w.board.pk}/"


ENDPOINTS = [
    Endpoint("home", "GET", lambda w: "/", "login"),
    Endpoint("home-create", "POST", lambda w: "/", "login", lambda w: {"name": "Fresh board"}),
    Endpoint("board", "GET", b, "read"),
    Endpoint("filter", "GET", lambda w: f"{b(w)}filter/?q=card", "read"),
    Endpoint("board-rename", "POST", lambda w: f"{b(w)}rename/", "edit", lambda w: {"name": "Renamed"}),
    Endpoint("board-delete-confirm", "GET", lambda w: f"{b(w)}delete/", "owner"),
    Endpoint("board-delete", "POST", lambda w: f"{b(w)}delete/", "owner"),
    Endpoint("pipeline-add", "POST", lambda w: f"{b(w)}pipelines/add/", "edit", lambda w: {"name": "Done"}),
    Endpoint(
        "pipelines-order",
        "POST",
        lambda w: f"{b(w)}pipelines/order/",
        "edit",
        lambda w: {"pipeline": [w.doing.pk, w.todo.pk]},
    ),
    Endpoint(
        "pipeline-rename", "POST", lambda w: f"{b(w)}p/{w.todo.pk}/rename/", "edit", lambda w: {"name": "Backlog"}
    ),
    Endpoint("pipeline-move", "POST", lambda w: f"{b(w)}p/{w.todo.pk}/move/", "edit", lambda w: {"position": 1}),
    Endpoint("pipeline-delete-confirm", "GET", lambda w: f"{b(w)}p/{w.doing.pk}/delete/", "edit"),
    Endpoint("pipeline-delete", "POST", lambda w: f"{b(w)}p/{w.doing.pk}/delete/", "edit"),
    Endpoint(
        "pipeline-card-order",
        "POST",
        lambda w: f"{b(w)}p/{w.todo.pk}/order/",
        "edit",
        lambda w: {"card": [c.pk for c in reversed(w.cards)]},
    ),
    Endpoint("card-add", "POST", lambda w: f"{b(w)}p/{w.todo.pk}/cards/add/", "edit", lambda w: {"title": "New card"}),
    Endpoint("card-detail", "GET", lambda w: f"{b(w)}c/{w.cards[0].pk}/", "read"),
    Endpoint("card-edit-form", "GET", lambda w: f"{b(w)}c/{w.cards[0].pk}/edit/", "edit"),
    Endpoint(
        "card-edit",
        "POST",
        lambda w: f"{b(w)}c/{w.cards[0].pk}/edit/",
        "edit",
        lambda w: {"title": "Edited", "description": "Now with text", "version": 1},
    ),
    Endpoint("card-delete-confirm", "GET", lambda w: f"{b(w)}c/{w.cards[0].pk}/delete/", "edit"),
    Endpoint("card-delete", "POST", lambda w: f"{b(w)}c/{w.cards[0].pk}/delete/", "edit"),
    Endpoint(
        "card-move",
        "POST",
        lambda w: f"{b(w)}c/{w.cards[0].pk}/move/",
        "edit",
        lambda w: {"pipeline": w.doing.pk, "position": 0},
    ),
    Endpoint("members", "GET", lambda w: f"{b(w)}members/", "read"),
    Endpoint(
        "member-add", "POST", lambda w: f"{b(w)}members/add/", "owner", lambda w: {"username": "stan", "role": "viewer"}
    ),
    Endpoint(
        "member-role",
        "POST",
        lambda w: f"{b(w)}members/{w.editor.pk}/role/",
        "owner",
        lambda w: {"role": "viewer"},
    ),
    Endpoint("member-remove", "POST", lambda w: f"{b(w)}members/{w.viewer.pk}/remove/", "owner"),
    Endpoint("card-release", "POST", lambda w: f"{b(w)}c/{w.cards[0].pk}/release/", "edit", prepare=claim_for),
    Endpoint(
        "comment-create", "POST", lambda w: f"{b(w)}c/{w.cards[0].pk}/comments/", "read", lambda w: {"body": "Hi"}
    ),
    Endpoint("comment", "GET", lambda w: f"{b(w)}comments/{w.comment.pk}/", "read", plain_get=302),
    Endpoint("comment-edit-form", "GET", lambda w: f"{b(w)}comments/{w.comment.pk}/edit/", "author"),
    Endpoint(
        "comment-edit", "POST", lambda w: f"{b(w)}comments/{w.comment.pk}/edit/", "author", lambda w: {"body": "Fixed"}
    ),
    Endpoint("comment-delete-confirm", "GET", lambda w: f"{b(w)}comments/{w.comment.pk}/delete/", "author-or-owner"),
    Endpoint("comment-delete", "POST", lambda w: f"{b(w)}comments/{w.comment.pk}/delete/", "author-or-owner"),
    Endpoint("activity", "GET", lambda w: f"{b(w)}activity/", "read"),
    Endpoint("card-history", "GET", lambda w: f"{b(w)}activity/?card={w.cards[0].pk}", "read"),
]

ROLES = ["owner", "editor", "viewer", "stranger", "anonymous"]


@pytest.fixture
def commented(world):
    """The world, with a comment by the editor on the first card (for the comment endpoints)."""
    world.comment = services.comment_create(card=world.cards[0], author=world.editor, body="First!")
    return world


def expected_outcome(role: str, need: str) -> str | int:
    if role == "anonymous":
        return "login"
    if need == "login":
        return "ok"
    if role == "stranger":
        return 404
    allowed = {
        "read": ("owner", "editor", "viewer"),
        "edit": ("owner", "editor"),
        "owner": ("owner",),
        "author": ("editor",),
        "author-or-owner": ("editor", "owner"),
    }[need]
    return "ok" if role in allowed else 403


def request(client: Client, endpoint: Endpoint, world):
    call = client.get if endpoint.method == "GET" else client.post
    return call(endpoint.url(world), endpoint.data(world))


def test_every_board_url_is_in_the_permission_matrix():
    from board.urls import urlpatterns

    names = {p.name for p in urlpatterns} - {"signup"}
    covered = {
        {
            "board-delete-confirm": "board-delete",
            "pipeline-delete-confirm": "pipeline-delete",
            "pipeline-card-order": "pipeline-order",
            "pipeline-add": "pipeline-create",
            "card-add": "card-create",
            "card-detail": "card",
            "card-edit-form": "card-edit",
            "card-delete-confirm": "card-delete",
            "home-create": "home",
            "filter": "board-filter",
            "comment-edit-form": "comment-edit",
            "comment-delete-confirm": "comment-delete",
            "card-history": "activity",
        }.get(e.name, e.name)
        for e in ENDPOINTS
    }
    assert names <= covered


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_its_rights_on_every_endpoint(commented, as_user, role, endpoint, htmx):
    world = commented
    user = None if role == "anonymous" else getattr(world, role)
    endpoint.prepare(world, user)
    before, before_content = snapshot(), snapshot(content_only=True)
    response = request(as_user(user, htmx=htmx), endpoint, world)
    outcome = expected_outcome(role, endpoint.need)

    if outcome == "login":
        if htmx:
            assert response.status_code == 401
            assert "log in again" in flash_text(response)
        else:
            assert response.status_code == 302
            assert response["Location"].startswith("/accounts/login/?next=")
        assert snapshot() == before
    elif outcome in (403, 404):
        assert response.status_code == outcome
        message = flash_text(response) if htmx else alerts(response)
        if outcome == 404:
            assert "not a member" in message
            assert world.board.name not in text_of(response)  # a stranger learns nothing about the board
        else:
            assert message in (
                "Viewers cannot change this board.",
                "Only the board's owner can do that.",
                "Only its author can edit a comment.",
                "Only its author or the board's owner can delete a comment.",
            )
        assert snapshot() == before
    elif endpoint.method == "GET":
        assert response.status_code == (200 if htmx else endpoint.plain_get)
        assert snapshot(content_only=True) == before_content  # reading changes nothing (an edit form claims)
    else:
        if htmx:
            assert response.status_code == 200
            assert "hx-swap-oob" in text_of(response) or response.has_header("HX-Redirect")
        else:
            assert response.status_code == 302
            assert response["Location"].startswith(("/b/", "/"))
        assert snapshot() != before


# --- bad input ----------------------------------------------------------------------------------------


def long(n: int) -> str:
    return "x" * n


BAD_INPUT = [
    # (case id, url, data, status, part of the message)
    ("board-rename-empty", lambda w: f"{b(w)}rename/", lambda w: {"name": ""}, 400, "required"),
    ("board-rename-blank", lambda w: f"{b(w)}rename/", lambda w: {"name": "   "}, 400, "required"),
    ("board-rename-201", lambda w: f"{b(w)}rename/", lambda w: {"name": long(201)}, 400, "at most 200"),
    ("pipeline-add-empty", lambda w: f"{b(w)}pipelines/add/", lambda w: {"name": ""}, 400, "required"),
    ("pipeline-add-201", lambda w: f"{b(w)}pipelines/add/", lambda w: {"name": long(201)}, 400, "at most 200"),
    ("pipeline-rename-empty", lambda w: f"{b(w)}p/{w.todo.pk}/rename/", lambda w: {"name": ""}, 400, "required"),
    (
        "pipeline-rename-201",
        lambda w: f"{b(w)}p/{w.todo.pk}/rename/",
        lambda w: {"name": long(201)},
        400,
        "at most 200",
    ),
    ("card-add-empty", lambda w: f"{b(w)}p/{w.todo.pk}/cards/add/", lambda w: {"title": ""}, 400, "required"),
    ("card-add-201", lambda w: f"{b(w)}p/{w.todo.pk}/cards/add/", lambda w: {"title": long(201)}, 400, "at most 200"),
    ("card-order-abc", lambda w: f"{b(w)}p/{w.todo.pk}/order/", lambda w: {"card": ["abc"]}, 400, "not a number"),
    ("card-order-zero", lambda w: f"{b(w)}p/{w.todo.pk}/order/", lambda w: {"card": ["0"]}, 400, "not valid"),
    (
        "card-order-twice",
        lambda w: f"{b(w)}p/{w.todo.pk}/order/",
        lambda w: {"card": [w.cards[0].pk, w.cards[0].pk]},
        400,
        "twice",
    ),
    (
        "card-order-other-board",
        lambda w: f"{b(w)}p/{w.todo.pk}/order/",
        lambda w: {"card": [w.cards[1].pk, w.other_card.pk, w.cards[0].pk]},
        400,
        "another board",
    ),
    ("pipelines-order-abc", lambda w: f"{b(w)}pipelines/order/", lambda w: {"pipeline": ["abc"]}, 400, "not a number"),
    (
        "pipelines-order-other-board",
        lambda w: f"{b(w)}pipelines/order/",
        lambda w: {"pipeline": [w.other_pipeline.pk, w.doing.pk, w.todo.pk]},
        400,
        "another board",
    ),
    ("pipeline-move-abc", lambda w: f"{b(w)}p/{w.todo.pk}/move/", lambda w: {"position": "abc"}, 400, "number"),
    ("pipeline-move-negative", lambda w: f"{b(w)}p/{w.todo.pk}/move/", lambda w: {"position": -1}, 400, "0"),
    (
        "card-move-no-position",
        lambda w: f"{b(w)}c/{w.cards[0].pk}/move/",
        lambda w: {"pipeline": w.doing.pk},
        400,
        "required",
    ),
    (
        "card-move-abc-pipeline",
        lambda w: f"{b(w)}c/{w.cards[0].pk}/move/",
        lambda w: {"pipeline": "abc", "position": 0},
        400,
        "number",
    ),
    (
        "card-move-to-other-boards-pipeline",
        lambda w: f"{b(w)}c/{w.cards[0].pk}/move/",
        lambda w: {"pipeline": w.other_pipeline.pk, "position": 0},
        404,
        "No such pipeline",
    ),
    (
        "other-boards-pipeline-rename",
        lambda w: f"{b(w)}p/{w.other_pipeline.pk}/rename/",
        lambda w: {"name": "Mine"},
        404,
        "No such pipeline",
    ),
    (
        "other-boards-pipeline-order",
        lambda w: f"{b(w)}p/{w.other_pipeline.pk}/order/",
        lambda w: {"card": []},
        404,
        "No such pipeline",
    ),
    (
        "other-boards-pipeline-delete",
        lambda w: f"{b(w)}p/{w.other_pipeline.pk}/delete/",
        lambda w: {},
        404,
        "No such pipeline",
    ),
    (
        "other-boards-pipeline-card-add",
        lambda w: f"{b(w)}p/{w.other_pipeline.pk}/cards/add/",
        lambda w: {"title": "Sneaky"},
        404,
        "No such pipeline",
    ),
    (
        "other-boards-card-edit",
        lambda w: f"{b(w)}c/{w.other_card.pk}/edit/",
        lambda w: {"title": "Mine", "description": "", "version": 1},
        404,
        "No such card",
    ),
    ("other-boards-card-delete", lambda w: f"{b(w)}c/{w.other_card.pk}/delete/", lambda w: {}, 404, "No such card"),
    (
        "other-boards-card-move",
        lambda w: f"{b(w)}c/{w.other_card.pk}/move/",
        lambda w: {"pipeline": w.todo.pk, "position": 0},
        404,
        "No such card",
    ),
    ("missing-pipeline-rename", lambda w: f"{b(w)}p/999999/rename/", lambda w: {"name": "X"}, 404, "No such pipeline"),
    ("missing-card-delete", lambda w: f"{b(w)}c/999999/delete/", lambda w: {}, 404, "No such card"),
    (
        "member-add-empty",
        lambda w: f"{b(w)}members/add/",
        lambda w: {"username": "", "role": "editor"},
        400,
        "required",
    ),
    (
        "member-add-unknown",
        lambda w: f"{b(w)}members/add/",
        lambda w: {"username": "nobody", "role": "editor"},
        400,
        "No user is called",
    ),
    (
        "member-add-owner",
        lambda w: f"{b(w)}members/add/",
        lambda w: {"username": "olive", "role": "editor"},
        400,
        "owns this board",
    ),
    (
        "member-add-twice",
        lambda w: f"{b(w)}members/add/",
        lambda w: {"username": "eddie", "role": "viewer"},
        400,
        "member already",
    ),
    (
        "member-add-as-owner",
        lambda w: f"{b(w)}members/add/",
        lambda w: {"username": "stan", "role": "owner"},
        400,
        "valid choice",
    ),
    (
        "member-role-owner",
        lambda w: f"{b(w)}members/{w.editor.pk}/role/",
        lambda w: {"role": "owner"},
        400,
        "valid choice",
    ),
    (
        "member-role-stranger",
        lambda w: f"{b(w)}members/{w.stranger.pk}/role/",
        lambda w: {"role": "viewer"},
        404,
        "No such member",
    ),
    ("member-remove-owner", lambda w: f"{b(w)}members/{w.owner.pk}/remove/", lambda w: {}, 404, "No such member"),
]


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize(
    ("url", "data", "status", "message"), [c[1:] for c in BAD_INPUT], ids=[c[0] for c in BAD_INPUT]
)
def test_bad_input_is_refused_with_a_message_and_changes_nothing(world, as_user, url, data, status, message, htmx):
    before = snapshot()
    response = as_user(world.owner, htmx=htmx).post(url(world), data(world))
    assert response.status_code == status
    if htmx:
        assert message in flash_text(response)
    elif status == 400:
        assert 'id="live"' in text_of(response)  # the board page again, with the message
        assert message in flash_text(response)
    else:
        assert message in alerts(response)
        assert world.other_card.title not in text_of(response)
    assert snapshot() == before


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_other_boards_card_in_the_url_is_not_found_even_for_reading(world, as_user, htmx):
    response = as_user(world.owner, htmx=htmx).get(f"{b(world)}c/{world.other_card.pk}/")
    assert response.status_code == 404
    assert "No such card" in (flash_text(response) if htmx else alerts(response))
    assert world.other_card.title not in text_of(response)


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_home_refuses_an_empty_or_too_long_board_name(world, as_user, htmx):
    client = as_user(world.owner, htmx=htmx)
    before = snapshot()
    for name, message in (("", "required"), (long(201), "at most 200")):
        response = client.post("/", {"name": name})
        assert response.status_code == 400
        assert message in flash_text(response)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "", "description": "", "version": 1}, "required"),
        ({"title": long(201), "description": "", "version": 1}, "at most 200"),
        ({"title": "Fine", "description": long(10_001), "version": 1}, "at most 10000"),
        ({"title": "Fine", "description": "", "version": "abc"}, "whole number"),
    ],
    ids=["empty-title", "title-201", "description-10001", "version-abc"],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_card_edit_with_bad_input_shows_the_form_again_with_the_error(world, as_user, data, message, htmx):
    card = world.cards[0]
    before = snapshot()
    response = as_user(world.editor, htmx=htmx).post(f"{b(world)}c/{card.pk}/edit/", data)
    assert response.status_code == 400
    body = text_of(response)
    assert message in alerts(response)
    assert f'action="{b(world)}c/{card.pk}/edit/"' in body  # the form is there to fix and resend
    if data["title"]:
        assert f'value="{data["title"]}"' in body  # what was typed is kept
    if htmx:
        assert '<div id="panel" hx-swap-oob="innerHTML">' in body
    assert snapshot() == before


def test_description_of_exactly_10000_characters_is_accepted(world, as_user):
    card = world.cards[0]
    response = as_user(world.editor).post(
        f"{b(world)}c/{card.pk}/edit/", {"title": "T", "description": long(10_000), "version": 1}
    )
    assert response.status_code == 302
    card.refresh_from_db()
    assert len(card.description) == 10_000


@pytest.mark.parametrize(
    "endpoint", [e for e in ENDPOINTS if e.method == "POST"], ids=[e.name for e in ENDPOINTS if e.method == "POST"]
)
def test_post_without_csrf_token_is_refused_with_a_message(commented, endpoint):
    world = commented
    before = snapshot()
    response = csrf_client(world.editor).post(endpoint.url(world), endpoint.data(world))
    assert response.status_code == 403
    assert "security token" in alerts(response)
    assert snapshot() == before


def test_htmx_post_without_csrf_token_answers_with_the_flash_message(world):
    before = snapshot()
    response = csrf_client(world.owner, htmx=True).post(f"{b(world)}p/{world.todo.pk}/cards/add/", {"title": "X"})
    assert response.status_code == 403
    assert "security token" in flash_text(response)
    assert 'hx-swap-oob="true"' in text_of(response)
    assert snapshot() == before


def test_htmx_post_with_the_csrf_header_is_accepted(world):
    client = csrf_client(world.owner, htmx=True)
    client.get(b(world))  # sets the csrf cookie, as the page does
    token = client.cookies["csrftoken"].value
    response = client.post(f"{b(world)}p/{world.todo.pk}/cards/add/", {"title": "X"}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200


def test_wrong_http_method_is_refused(world, as_user):
    client = as_user(world.owner)
    assert client.get(f"{b(world)}rename/").status_code == 405
    assert client.post(b(world)).status_code == 405
    assert client.post(f"{b(world)}c/{world.cards[0].pk}/").status_code == 405


# --- the no-JavaScript path -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["board-rename", "pipeline-add", "pipelines-order", "pipeline-rename", "pipeline-move", "pipeline-delete"]
    + ["pipeline-card-order", "card-add", "card-delete", "card-move"],
)
def test_plain_form_posts_redirect_back_to_the_board_page(world, as_user, name):
    endpoint = next(e for e in ENDPOINTS if e.name == name)
    response = request(as_user(world.editor), endpoint, world)
    assert response.status_code == 302
    assert response["Location"] == b(world)


def test_plain_card_edit_redirects_to_the_card_and_member_changes_to_the_members_page(world, as_user):
    client = as_user(world.owner)
    card = world.cards[0]
    response = client.post(f"{b(world)}c/{card.pk}/edit/", {"title": "Edited", "description": "", "version": 1})
    assert response["Location"] == f"{b(world)}c/{card.pk}/"
    response = client.post(f"{b(world)}members/add/", {"username": "stan", "role": "viewer"})
    assert response["Location"] == f"{b(world)}members/"
    assert client.get(response["Location"]).status_code == 200


def test_plain_move_form_moves_a_card_to_another_pipeline_and_closes_gaps(world, as_user):
    c0, c1, c2 = world.cards
    response = as_user(world.editor).post(f"{b(world)}c/{c1.pk}/move/", {"pipeline": world.doing.pk, "position": 0})
    assert response.status_code == 302
    assert positions(world.todo) == [(c0.pk, 0), (c2.pk, 1)]
    assert positions(world.doing) == [(c1.pk, 0)]


def test_plain_move_form_within_a_pipeline_clamps_the_position(world, as_user):
    c0, c1, c2 = world.cards
    as_user(world.editor).post(f"{b(world)}c/{c0.pk}/move/", {"pipeline": world.todo.pk, "position": 99})
    assert positions(world.todo) == [(c1.pk, 0), (c2.pk, 1), (c0.pk, 2)]


def test_card_detail_page_offers_the_move_form_with_the_boards_pipelines(world, as_user):
    card = world.cards[0]
    body = text_of(as_user(world.editor).get(f"{b(world)}c/{card.pk}/"))
    assert f'<form class="move-form row editor-only" method="post" action="{b(world)}c/{card.pk}/move/"' in body
    assert f'<option value="{world.todo.pk}" selected>' in body
    assert f'<option value="{world.doing.pk}">' in body
    assert f'<option value="{world.other_pipeline.pk}"' not in body


@pytest.mark.parametrize(
    ("url", "action", "question"),
    [
        (lambda w: f"{b(w)}delete/", lambda w: f"{b(w)}delete/", "Delete the board “Roadmap”"),
        (lambda w: f"{b(w)}p/{w.todo.pk}/delete/", lambda w: f"{b(w)}p/{w.todo.pk}/delete/", "and its 3 cards?"),
        (lambda w: f"{b(w)}c/{w.cards[1].pk}/delete/", lambda w: f"{b(w)}c/{w.cards[1].pk}/delete/", "“Card 1”?"),
    ],
    ids=["board", "pipeline", "card"],
)
def test_delete_confirm_pages_render_a_form_that_posts_the_delete(world, as_user, url, action, question):
    before = snapshot()
    response = as_user(world.owner).get(url(world))
    body = text_of(response)
    assert response.status_code == 200
    assert '<dialog id="panel" class="panel" open' in body
    assert question in body
    form = re.search(rf'<form method="post" action="{re.escape(action(world))}"[^>]*>(.*?)</form>', body, re.S)
    assert form
    assert 'name="csrfmiddlewaretoken"' in form.group(1)
    assert snapshot() == before  # asking is not doing


def test_delete_confirm_over_htmx_opens_the_panel(world, as_user):
    response = as_user(world.owner, htmx=True).get(f"{b(world)}c/{world.cards[1].pk}/delete/")
    body = text_of(response)
    assert body.startswith('<div id="panel" hx-swap-oob="innerHTML">')
    assert f'hx-post="{b(world)}c/{world.cards[1].pk}/delete/"' in body


def test_confirmed_plain_deletes_remove_and_renumber(world, as_user):
    client = as_user(world.owner)
    c0, c1, c2 = world.cards
    assert client.post(f"{b(world)}c/{c1.pk}/delete/").status_code == 302
    assert positions(world.todo) == [(c0.pk, 0), (c2.pk, 1)]
    assert client.post(f"{b(world)}p/{world.todo.pk}/delete/").status_code == 302
    assert list(Pipeline.objects.filter(board=world.board).values_list("id", "position")) == [(world.doing.pk, 0)]
    assert not Card.objects.filter(board=world.board).exists()
    response = client.post(f"{b(world)}delete/")
    assert response["Location"] == "/"
    assert not Board.objects.filter(pk=world.board.pk).exists()
    assert client.get(b(world)).status_code == 404


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_card_edit_from_an_outdated_version_is_refused_showing_the_current_text(world, as_user, htmx):
    card = world.cards[0]
    services.card_update(card=card, title="Their title", description="Their **words**", actor=world.owner)
    before = snapshot()
    client = as_user(world.editor, htmx=htmx)
    response = client.post(f"{b(world)}c/{card.pk}/edit/", {"title": "My title", "description": "Mine", "version": 1})
    body = text_of(response)
    assert response.status_code == 409
    assert "Someone else changed this card" in alerts(response)
    assert "Their title" in body
    assert "<strong>words</strong>" in body
    assert 'value="My title"' in body  # the user's text is kept in the form
    assert '<input type="hidden" name="version" value="2"' in body  # saving again is based on what they saw
    assert snapshot() == before

    response = client.post(f"{b(world)}c/{card.pk}/edit/", {"title": "My title", "description": "Mine", "version": 2})
    assert response.status_code == (200 if htmx else 302)
    card.refresh_from_db()
    assert (card.title, card.description, card.version) == ("My title", "Mine", 3)


def test_card_edit_page_prefills_the_current_text_and_version(world, as_user):
    card = world.cards[0]
    services.card_update(card=card, title="Shown", description="Body text", actor=world.owner)
    body = text_of(as_user(world.editor).get(f"{b(world)}c/{card.pk}/edit/"))
    assert 'value="Shown"' in body
    assert ">Body text</textarea>" in body
    assert '<input type="hidden" name="version" value="2"' in body


# --- htmx answers ------------------------------------------------------------------------------------


def test_htmx_card_move_answers_with_both_changed_pipelines(world, as_user):
    c0, c1, c2 = world.cards
    response = as_user(world.editor, htmx=True).post(
        f"{b(world)}c/{c1.pk}/move/", {"pipeline": world.doing.pk, "position": 0}
    )
    assert response.status_code == 200
    ids = oob_ids(response)
    assert f"pipeline-{world.todo.pk}" in ids
    assert f"pipeline-{world.doing.pk}" in ids
    body = text_of(response)
    assert card_ids_in(fragment(body, f"pipeline-{world.todo.pk}")) == [c0.pk, c2.pk]
    assert card_ids_in(fragment(body, f"pipeline-{world.doing.pk}")) == [c1.pk]
    assert flash_text(response) == ""  # any earlier error message is cleared


def test_htmx_order_post_moving_a_card_across_pipelines_answers_with_both(world, as_user):
    c0, c1, c2 = world.cards
    response = as_user(world.editor, htmx=True).post(f"{b(world)}p/{world.doing.pk}/order/", {"card": [c2.pk]})
    assert response.status_code == 200
    ids = oob_ids(response)
    assert {f"pipeline-{world.todo.pk}", f"pipeline-{world.doing.pk}"} <= set(ids)
    assert positions(world.todo) == [(c0.pk, 0), (c1.pk, 1)]
    assert positions(world.doing) == [(c2.pk, 0)]


def test_htmx_order_post_within_one_pipeline_answers_with_that_pipeline_only(world, as_user):
    c0, c1, c2 = world.cards
    response = as_user(world.editor, htmx=True).post(
        f"{b(world)}p/{world.todo.pk}/order/", {"card": [c2.pk, c0.pk, c1.pk]}
    )
    assert [i for i in oob_ids(response) if i.startswith("pipeline-")] == [f"pipeline-{world.todo.pk}"]
    assert card_ids_in(fragment(text_of(response), f"pipeline-{world.todo.pk}")) == [c2.pk, c0.pk, c1.pk]
    assert positions(world.todo) == [(c2.pk, 0), (c0.pk, 1), (c1.pk, 2)]


def test_stale_order_naming_a_deleted_card_is_applied_and_answered_with_the_truth(world, as_user):
    c0, c1, c2 = world.cards
    services.card_delete(card=c1, actor=world.owner)
    response = as_user(world.editor, htmx=True).post(
        f"{b(world)}p/{world.todo.pk}/order/", {"card": [c2.pk, c1.pk, c0.pk]}
    )
    assert response.status_code == 200
    assert positions(world.todo) == [(c2.pk, 0), (c0.pk, 1)]
    assert card_ids_in(fragment(text_of(response), f"pipeline-{world.todo.pk}")) == [c2.pk, c0.pk]


def test_unknown_card_id_in_an_order_is_ignored_like_a_deleted_one(world, as_user):
    c0, c1, c2 = world.cards
    response = as_user(world.editor, htmx=True).post(
        f"{b(world)}p/{world.todo.pk}/order/", {"card": [c1.pk, 987654, c0.pk, c2.pk]}
    )
    assert response.status_code == 200
    assert positions(world.todo) == [(c1.pk, 0), (c0.pk, 1), (c2.pk, 2)]


def test_stale_order_keeps_a_card_added_meanwhile_after_its_predecessor(world, as_user):
    c0, c1, c2 = world.cards
    c3 = services.card_create(pipeline=world.todo, title="Added meanwhile", actor=world.owner)
    response = as_user(world.editor, htmx=True).post(
        f"{b(world)}p/{world.todo.pk}/order/", {"card": [c2.pk, c1.pk, c0.pk]}
    )
    assert positions(world.todo) == [(c2.pk, 0), (c3.pk, 1), (c1.pk, 2), (c0.pk, 3)]
    assert card_ids_in(fragment(text_of(response), f"pipeline-{world.todo.pk}")) == [c2.pk, c3.pk, c1.pk, c0.pk]


def test_htmx_card_add_answers_with_its_pipeline(world, as_user):
    response = as_user(world.editor, htmx=True).post(
        f"{b(world)}p/{world.doing.pk}/cards/add/", {"title": "Fresh card"}
    )
    assert response.status_code == 200
    assert [i for i in oob_ids(response) if i.startswith("pipeline-")] == [f"pipeline-{world.doing.pk}"]
    new = Card.objects.get(title="Fresh card")
    assert card_ids_in(fragment(text_of(response), f"pipeline-{world.doing.pk}")) == [new.pk]
    assert (new.pipeline_id, new.position, new.updated_by_id) == (world.doing.pk, 0, world.editor.pk)


def test_htmx_pipeline_add_and_order_answer_with_the_whole_strip(world, as_user):
    client = as_user(world.editor, htmx=True)
    response = client.post(f"{b(world)}pipelines/add/", {"name": "Done"})
    assert response.status_code == 200
    assert "pipelines" in oob_ids(response)
    done = Pipeline.objects.get(board=world.board, name="Done")
    assert done.position == 2
    strip = text_of(response)
    assert strip.index(f'id="pipeline-{world.todo.pk}"') < strip.index(f'id="pipeline-{done.pk}"')

    response = client.post(f"{b(world)}pipelines/order/", {"pipeline": [done.pk, world.todo.pk, world.doing.pk]})
    assert "pipelines" in oob_ids(response)
    body = text_of(response)
    assert body.index(f'id="pipeline-{done.pk}"') < body.index(f'id="pipeline-{world.todo.pk}"')
    order = list(Pipeline.objects.filter(board=world.board).values_list("id", flat=True))
    assert order == [done.pk, world.todo.pk, world.doing.pk]


def test_stale_pipeline_order_naming_a_deleted_pipeline_is_applied(world, as_user):
    extra = services.pipeline_create(board=world.board, name="Gone soon", actor=world.owner)
    gone = extra.pk
    services.pipeline_delete(pipeline=extra, actor=world.owner)
    response = as_user(world.editor, htmx=True).post(
        f"{b(world)}pipelines/order/", {"pipeline": [world.doing.pk, gone, world.todo.pk]}
    )
    assert response.status_code == 200
    assert list(Pipeline.objects.filter(board=world.board).values_list("id", "position")) == [
        (world.doing.pk, 0),
        (world.todo.pk, 1),
    ]


def test_htmx_pipeline_move_and_rename_answer_with_fragments(world, as_user):
    client = as_user(world.editor, htmx=True)
    response = client.post(f"{b(world)}p/{world.todo.pk}/move/", {"position": 5})
    assert "pipelines" in oob_ids(response)
    assert list(Pipeline.objects.filter(board=world.board).values_list("id", flat=True)) == [
        world.doing.pk,
        world.todo.pk,
    ]
    response = client.post(f"{b(world)}p/{world.todo.pk}/rename/", {"name": "Backlog"})
    assert oob_ids(response)[0] == f"pipeline-{world.todo.pk}"
    assert "Backlog" in fragment(text_of(response), f"pipeline-{world.todo.pk}")


def test_htmx_board_rename_answers_with_the_header(world, as_user):
    response = as_user(world.editor, htmx=True).post(f"{b(world)}rename/", {"name": "Q3 roadmap"})
    assert "board-head" in oob_ids(response)
    assert '<h1 class="board-title">Q3 roadmap</h1>' in text_of(response)


def test_htmx_card_edit_answers_with_the_card_and_its_detail(world, as_user):
    card = world.cards[0]
    response = as_user(world.editor, htmx=True).post(
        f"{b(world)}c/{card.pk}/edit/", {"title": "Sharper", "description": "More", "version": 1}
    )
    body = text_of(response)
    assert f"card-{card.pk}" in oob_ids(response)
    assert re.search(r'<div id="panel" hx-swap-oob="innerHTML">\s*<article class="card-detail"', body)
    assert "<p>More</p>" in body


def test_htmx_deletes_answer_with_fragments_and_close_the_panel(world, as_user):
    client = as_user(world.owner, htmx=True)
    response = client.post(f"{b(world)}c/{world.cards[0].pk}/delete/")
    assert f"pipeline-{world.todo.pk}" in oob_ids(response)
    assert '<div id="panel" hx-swap-oob="innerHTML"></div>' in text_of(response)
    response = client.post(f"{b(world)}p/{world.doing.pk}/delete/")
    assert "pipelines" in oob_ids(response)
    response = client.post(f"{b(world)}delete/")
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/"


def test_htmx_member_changes_answer_with_the_header_and_the_members_panel(world, as_user):
    client = as_user(world.owner, htmx=True)
    response = client.post(f"{b(world)}members/add/", {"username": "stan", "role": "editor"})
    assert "board-head" in oob_ids(response)
    assert re.search(r'<div id="panel" hx-swap-oob="innerHTML">\s*<article class="members-panel">', text_of(response))
    assert Membership.objects.get(board=world.board, user=world.stranger).role == Role.EDITOR
    client.post(f"{b(world)}members/{world.stranger.pk}/role/", {"role": "viewer"})
    assert Membership.objects.get(board=world.board, user=world.stranger).role == Role.VIEWER
    client.post(f"{b(world)}members/{world.stranger.pk}/remove/")
    assert not Membership.objects.filter(board=world.board, user=world.stranger).exists()
    assert as_user(world.stranger).get(b(world)).status_code == 404


def test_htmx_home_create_redirects_the_browser_to_the_new_board(world, as_user):
    response = as_user(world.viewer, htmx=True).post("/", {"name": "Mine now"})
    board = Board.objects.get(name="Mine now")
    assert response["HX-Redirect"] == f"/b/{board.pk}/"
    assert board.owner == world.viewer


def test_htmx_card_detail_and_members_answer_with_the_panel_only(world, as_user):
    client = as_user(world.viewer, htmx=True)
    for url in (f"{b(world)}c/{world.cards[0].pk}/", f"{b(world)}members/"):
        body = text_of(client.get(url))
        assert body.startswith('<div id="panel" hx-swap-oob="innerHTML">')
        assert "<html" not in body


# --- escaping and Markdown ----------------------------------------------------------------------------


@pytest.fixture
def hostile(world):
    """The board, a pipeline and a card all named with a script tag."""
    services.board_rename(board=world.board, name=XSS, actor=world.owner)
    services.pipeline_rename(pipeline=world.todo, name=XSS, actor=world.owner)
    card = world.cards[0]
    services.card_update(card=card, title=XSS, description="", actor=world.owner)
    return card


def test_names_with_markup_are_escaped_on_the_board_page(world, as_user, hostile):
    body = text_of(as_user(world.owner).get(b(world)))
    assert XSS not in body
    assert f'<h1 class="board-title">{XSS_ESCAPED}</h1>' in body
    assert f">{XSS_ESCAPED}</h2>" in body  # the pipeline's name
    assert f">{XSS_ESCAPED}</a>" in body  # the card's title
    assert f"<title>{XSS_ESCAPED} · LiveBoard</title>" in body


def test_board_names_and_filter_text_with_markup_are_escaped_on_home_and_in_the_filter_box(world, as_user, hostile):
    client = as_user(world.editor)
    home = text_of(client.get("/"))
    assert XSS not in home
    assert XSS_ESCAPED in home
    body = text_of(client.get(b(world), {"q": '"><script>alert(1)</script>'}))
    assert XSS not in body
    assert 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in body


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_refusals_that_quote_the_input_escape_it(world, as_user, htmx):
    client = as_user(world.owner, htmx=htmx)
    for url, data in (
        (f"{b(world)}p/{world.todo.pk}/order/", {"card": "<b>x</b>"}),
        (f"{b(world)}members/add/", {"username": XSS, "role": "editor"}),
        (f"{b(world)}members/{world.editor.pk}/role/", {"role": XSS}),
    ):
        response = client.post(url, data)
        assert response.status_code == 400
        assert "<b>x</b>" not in text_of(response)
        assert XSS not in text_of(response)
        assert "&lt;" in text_of(response)


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_names_with_markup_are_escaped_in_card_detail_and_confirmations(world, as_user, hostile, htmx):
    client = as_user(world.owner, htmx=htmx)
    for url in (
        f"{b(world)}c/{hostile.pk}/",
        f"{b(world)}c/{hostile.pk}/edit/",
        f"{b(world)}c/{hostile.pk}/delete/",
        f"{b(world)}p/{world.todo.pk}/delete/",
        f"{b(world)}delete/",
    ):
        body = text_of(client.get(url))
        assert XSS not in body
        assert XSS_ESCAPED in body
    assert XSS not in text_of(client.get(f"{b(world)}members/"))


def test_names_with_markup_are_escaped_in_htmx_answers_and_broadcasts(
    world, as_user, published, django_capture_on_commit_callbacks
):
    client = as_user(world.editor, htmx=True)
    posts = [
        (f"{b(world)}rename/", {"name": XSS}),
        (f"{b(world)}pipelines/add/", {"name": XSS}),
        (f"{b(world)}p/{world.todo.pk}/cards/add/", {"title": XSS}),
        (f"{b(world)}c/{world.cards[0].pk}/edit/", {"title": XSS, "description": XSS, "version": 1}),
    ]
    for url, data in posts:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, data)
        assert response.status_code == 200
        assert XSS not in text_of(response)
        assert XSS_ESCAPED in text_of(response)
        board_id, message = published.pop()
        assert board_id == world.board.pk and message["type"] == "board.fragments"
        assert XSS not in message["html"]
        assert XSS_ESCAPED in message["html"]
        assert message["html"] in text_of(response)  # the actor gets the very bytes the others get


@pytest.mark.parametrize(
    "description",
    [
        "Hello <script>alert(1)</script> world",
        "[click me](javascript:alert(1))",
        '<a href="javascript:alert(1)">click</a>',
        "<img src=x onerror=alert(1)>",
        '<iframe src="https://evil.example"></iframe>',
        "[data](data:text/html;base64,PHNjcmlwdD4=)",
    ],
    ids=["script", "md-js-link", "html-js-link", "onerror", "iframe", "data-url"],
)
def test_markdown_descriptions_never_let_script_through(world, as_user, description):
    card = world.cards[0]
    services.card_update(card=card, title="T", description=description, actor=world.owner)
    for htmx in (False, True):
        rendered = description_html(text_of(as_user(world.viewer, htmx=htmx).get(f"{b(world)}c/{card.pk}/")))
        lowered = rendered.lower()
        assert "<script" not in lowered
        assert "javascript:" not in lowered
        assert "onerror" not in lowered
        assert "<iframe" not in lowered
        assert "data:" not in lowered


def test_markdown_descriptions_render_formatting_links_and_line_breaks(world, as_user):
    card = world.cards[0]
    text = "First line\nsecond line\n\n**bold** and [docs](https://example.com)\n\n- one\n- two"
    services.card_update(card=card, title="T", description=text, actor=world.owner)
    rendered = description_html(text_of(as_user(world.viewer).get(f"{b(world)}c/{card.pk}/")))
    assert re.search(r"First line<br\s*/?>\s*second line", rendered)
    assert "<strong>bold</strong>" in rendered
    assert 'href="https://example.com"' in rendered
    assert 'rel="noopener noreferrer nofollow"' in rendered
    assert "<li>one</li>" in rendered


def test_an_empty_description_says_so(world, as_user):
    body = text_of(as_user(world.viewer).get(f"{b(world)}c/{world.cards[0].pk}/"))
    assert "No description." in description_html(body)


# --- what viewers see ------------------------------------------------------------------------------------


def test_viewer_board_page_has_no_edit_controls(world, as_user):
    body = text_of(as_user(world.viewer).get(b(world)))
    assert 'data-role="viewer"' in body
    for control in ("/cards/add/", "/rename/", "/edit/", "/pipelines/add/", "/move/", "/delete/", "editor-only"):
        assert control not in body
    assert "Card 0" in body  # but the board itself is there


def test_viewer_card_detail_and_members_have_no_edit_controls(world, as_user):
    client = as_user(world.viewer)
    card_page = text_of(client.get(f"{b(world)}c/{world.cards[0].pk}/"))
    for control in ("/edit/", "/delete/", "/move/"):
        assert control not in card_page
    members_page = text_of(client.get(f"{b(world)}members/"))
    for control in ("/members/add/", "/role/", "/remove/"):
        assert control not in members_page
    assert "eddie" in members_page
    assert "vera" in members_page


def test_editor_board_page_has_edit_controls_but_not_the_owners(world, as_user):
    body = text_of(as_user(world.editor).get(b(world)))
    assert 'data-role="editor"' in body
    assert f'action="{b(world)}p/{world.todo.pk}/cards/add/"' in body
    assert f'action="{b(world)}rename/"' in body
    assert f'action="{b(world)}pipelines/add/"' in body
    card_page = text_of(as_user(world.editor).get(f"{b(world)}c/{world.cards[0].pk}/"))
    assert f'href="{b(world)}c/{world.cards[0].pk}/edit/"' in card_page
    assert f'href="{b(world)}delete/"' not in body  # deleting the board is the owner's
    members_page = text_of(as_user(world.editor).get(f"{b(world)}members/"))
    assert "/members/add/" not in members_page


def test_owner_board_page_offers_board_delete_and_member_management(world, as_user):
    client = as_user(world.owner)
    assert f'href="{b(world)}delete/"' in text_of(client.get(b(world)))
    members_page = text_of(client.get(f"{b(world)}members/"))
    assert f'action="{b(world)}members/add/"' in members_page
    assert f'action="{b(world)}members/{world.viewer.pk}/role/"' in members_page
    assert f'action="{b(world)}members/{world.viewer.pk}/remove/"' in members_page


def test_home_lists_owned_and_shared_boards_with_roles_and_nothing_else(world, as_user):
    body = text_of(as_user(world.viewer).get("/"))
    assert "Roadmap" in body
    assert "role-viewer" in body
    assert "Secret plans" not in body
    owner_home = text_of(as_user(world.owner).get("/"))
    assert "role-owner" in owner_home


# --- filter --------------------------------------------------------------------------------------------


@pytest.fixture
def searchable(world):
    """Cards whose title or description mention 'foo' in different cases, and one that does not."""
    c0, c1, c2 = world.cards
    services.card_update(card=c0, title="Fix FOO parser", description="", actor=world.owner)
    services.card_update(card=c1, title="Unrelated", description="mentions Foo inside", actor=world.owner)
    services.card_update(card=c2, title="Nothing here", description="bar", actor=world.owner)
    services.card_create(pipeline=world.other_pipeline, title="foo elsewhere", actor=world.stranger)
    return c0, c1, c2


def test_board_page_filter_hides_cards_that_do_not_match(world, as_user, searchable):
    c0, c1, c2 = searchable
    body = text_of(as_user(world.viewer).get(b(world), {"q": "foo"}))
    assert hidden_cards(body) == {c2.pk}
    assert set(card_ids_in(body)) == {c0.pk, c1.pk, c2.pk}  # hidden, not dropped: live updates still land
    assert 'value="foo"' in body


def test_board_page_without_a_filter_hides_nothing(world, as_user, searchable):
    assert hidden_cards(text_of(as_user(world.viewer).get(b(world)))) == set()
    assert hidden_cards(text_of(as_user(world.viewer).get(b(world), {"q": "   "}))) == set()


@pytest.mark.parametrize("query", ["foo", "FOO", "fOo", " foo "])
def test_filter_json_lists_matching_ids_by_title_or_description_in_any_case(world, as_user, searchable, query):
    c0, c1, c2 = searchable
    response = as_user(world.viewer).get(f"{b(world)}filter/", {"q": query})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    assert sorted(data["ids"]) == sorted([c0.pk, c1.pk])


def test_filter_json_with_no_match_or_no_query(world, as_user, searchable):
    client = as_user(world.viewer)
    assert json.loads(client.get(f"{b(world)}filter/", {"q": "zzz"}).content)["ids"] == []
    everything = json.loads(client.get(f"{b(world)}filter/").content)["ids"]
    assert sorted(everything) == sorted(c.pk for c in world.cards)


def test_filter_json_never_reveals_another_boards_cards(world, as_user, searchable):
    data = json.loads(as_user(world.viewer).get(f"{b(world)}filter/", {"q": "elsewhere"}).content)
    assert data["ids"] == []
    assert as_user(world.viewer).get(f"/b/{world.other_board.pk}/filter/", {"q": "foo"}).status_code == 404


def test_filter_agrees_between_page_and_json(world, as_user, searchable):
    client = as_user(world.viewer)
    for query in ("foo", "BAR", "card", "x"):
        body = text_of(client.get(b(world), {"q": query}))
        shown = set(card_ids_in(body)) - hidden_cards(body)
        assert shown == set(json.loads(client.get(f"{b(world)}filter/", {"q": query}).content)["ids"])


# --- accounts -------------------------------------------------------------------------------------------


def test_signup_creates_a_user_and_logs_them_in(db):
    client = Client()
    assert client.get("/accounts/signup/").status_code == 200
    response = client.post("/accounts/signup/", {"username": "newbie", "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    user = get_user_model().objects.get(username="newbie")
    assert user.check_password(PASSWORD)
    home = client.get("/")
    assert home.status_code == 200
    assert "newbie" in text_of(home)
    assert client.post("/", {"name": "First board"}).status_code == 302
    assert Board.objects.get(name="First board").owner == user


def test_signup_with_mismatched_or_weak_passwords_is_refused(db):
    client = Client()
    response = client.post("/accounts/signup/", {"username": "newbie", "password1": PASSWORD, "password2": "other"})
    assert response.status_code == 400
    assert "didn’t match" in alerts(response) or "didn't match" in alerts(response)
    response = client.post("/accounts/signup/", {"username": "newbie", "password1": "123", "password2": "123"})
    assert response.status_code == 400
    assert "too short" in alerts(response)
    assert not get_user_model().objects.filter(username="newbie").exists()


def test_signup_when_logged_in_goes_home(world, as_user):
    assert as_user(world.owner).get("/accounts/signup/")["Location"] == "/"


def test_login_then_logout(world):
    client = Client()
    response = client.get(b(world))
    assert response.status_code == 302
    login_url = response["Location"]
    assert login_url == f"/accounts/login/?next={b(world)}"
    assert client.get(login_url).status_code == 200

    response = client.post("/accounts/login/", {"username": "eddie", "password": "wrong", "next": b(world)})
    assert response.status_code == 200
    assert "didn't match" in alerts(response)

    response = client.post("/accounts/login/", {"username": "eddie", "password": PASSWORD, "next": b(world)})
    assert response.status_code == 302
    assert response["Location"] == b(world)
    assert client.get(b(world)).status_code == 200

    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get(b(world)).status_code == 302
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_board_pages_require_login(world, as_user, htmx):
    client = as_user(None, htmx=htmx)
    for url in ("/", b(world), f"{b(world)}c/{world.cards[0].pk}/", f"{b(world)}members/"):
        response = client.get(url)
        if htmx:
            assert response.status_code == 401
        else:
            assert response.status_code == 302
            assert response["Location"].startswith("/accounts/login/")

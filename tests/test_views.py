"""HTTP views: who may do what, bad input, the no-JavaScript path, htmx fragments, escaping, filter, accounts.

Moving cards and pipelines (the one move path, stale neighbours, numbers from 1) is in
test_views_moves.py; comments, edit claims and activity in test_collaboration.py.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from board import services
from board.api.tokens import token_create
from board.hooks import owner as hook_writes
from board.models import (
    Activity,
    ApiToken,
    Board,
    Card,
    Comment,
    Delivery,
    EditClaim,
    Label,
    Membership,
    Pipeline,
    Role,
    Webhook,
)
from tests.conftest import PASSWORD
from tests.pages import board_order, page_of

XSS = "<script>alert(1)</script>"
XSS_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
MESSAGE_HEADER = "X-LiveBoard-Message"  # marks a deliberate refusal the page shows (defect 1)
PANEL_OPEN = '<div id="panel" hx-swap-oob="innerHTML">'


# --- helpers ------------------------------------------------------------------------------------


def burl(w, name: str, *ids: int) -> str:
    """The URL named `name` of the world's board (then the ids of what it addresses)."""
    return reverse(name, args=[w.board.pk, *ids])


def b(w) -> str:
    """The world's board page."""
    return reverse("board", args=[w.board.pk])


def card_order(pipeline: Pipeline | int) -> list[int]:
    """The pipeline's card ids in board order (ranks are gapped: compare order, never values)."""
    return list(Card.objects.filter(pipeline=pipeline).order_by("position", "id").values_list("id", flat=True))


def pipeline_order(board: Board) -> list[int]:
    return list(Pipeline.objects.filter(board=board).order_by("position", "id").values_list("id", flat=True))


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
        "tokens": sorted(ApiToken.objects.values_list("id", "user_id", "revoked_at")),
        "webhooks": sorted(Webhook.objects.values_list("id", "board_id", "url")),
        "deliveries": sorted(Delivery.objects.values_list("id", "hook_id", "status")),
        "labels": sorted(Label.objects.values_list("id", "board_id", "name", "colour")),
        "card_labels": sorted(Label.cards.through.objects.values_list("card_id", "label_id")),
    }
    if content_only:  # an edit form's claim is an event too (claim.taken): leave those out
        events = Activity.objects.exclude(kind__startswith="claim.").values_list("id", "board_id", "kind")
    else:
        events = Activity.objects.values_list("id", "board_id", "kind", "version")
        state["claims"] = sorted(EditClaim.objects.values_list("card_id", "user_id"))
    state["activities"] = sorted(events)
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
    """The markup of one pipeline (`pipeline-N`) or card (`card-N`) fragment in a body."""
    kind = "head" if element_id.endswith("-head") else element_id.rstrip("0123456789")
    tag = {"pipeline-": "section", "card-": "li", "head": "header"}.get(kind, "div")
    found = re.search(rf'<{tag} id="{element_id}"[^>]*>.*?</{tag}>', body, re.S)
    assert found, f"no {element_id} in the body"
    return found.group(0)


def card_ids_in(markup: str) -> list[int]:
    return [int(i) for i in re.findall(r'<li id="card-(\d+)"', markup)]


def pipeline_ids_in(markup: str) -> list[int]:
    return [int(i) for i in re.findall(r'<section id="pipeline-(\d+)"', markup)]


def hidden_cards(body: str) -> set[int]:
    return {int(i) for i, attrs in re.findall(r'<li id="card-(\d+)"([^>]*)>', body) if " hidden" in attrs}


def description_html(body: str) -> str:
    found = re.search(r'<div class="description">(.*?)</div>', body, re.S)
    assert found, "no description in the body"
    return found.group(1)


def dialog_of(body: str) -> tuple[str, str]:
    """The page's dialog: its opening tag and its inside."""
    found = re.search(r'(<dialog id="panel"[^>]*>)(.*?)</dialog>', body, re.S)
    assert found, "no dialog in the body"
    return found.group(1), found.group(2)


def assert_refusal_shown(response) -> None:
    """An htmx 4xx is marked as a refusal the page shows, so django-htmx's debug page leaves it alone."""
    assert 400 <= response.status_code < 500
    assert response.get(MESSAGE_HEADER) == "1", f"{response.status_code} without {MESSAGE_HEADER}: 1"


def csrf_client(user, *, htmx: bool = False) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    if htmx:
        client.defaults["HTTP_HX_REQUEST"] = "true"
    return client


def long(n: int) -> str:
    return "x" * n


# --- the permission matrix ------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    name: str  # the URL's name in board/urls.py, or a name mapped to it in URL_OF
    method: str
    url: Callable[[Any], str]
    # "login", "read", "edit", "owner"; for the comment (written by the editor) "author" or "author-or-owner"
    need: str
    data: Callable[[Any], dict] = lambda w: {}
    plain_get: int = 200  # the status of a successful GET without htmx
    prepare: Callable[[Any, Any], None] = lambda w, user: None  # set the stage for this user, before the snapshot
    plain_post: int = 302  # the status of a successful POST without htmx (a page that shows what was made: 200)
    htmx: bool = True  # False: a plain page whose forms post without htmx (tokens, import, webhooks)


def own_token(w, user) -> None:
    """A token of the user's own (the owner's for an anonymous request), to revoke."""
    w.token = token_create(user=user or w.owner, name="t", scope="read")[0]


def a_delivery(w, user) -> None:
    """A webhook of the board with one delivery, made by its owner."""
    w.hook = hook_writes.webhook_create(
        board=w.board, url="https://example.com/h", kinds=["card.created"], actor=w.owner
    )
    w.delivery = Delivery.objects.create(hook=w.hook, uid="12345678-1234-5678-1234-567812345678", kind="x", body="{}")


def a_file(name: str, text: str) -> Callable[[Any], dict]:
    return lambda w: {
        "kind": "liveboard",
        "file": SimpleUploadedFile(name, text(w).encode() if callable(text) else text.encode()),
    }


def claim_for(w, user) -> None:
    """The user has the first card's edit form open (so releasing it changes something)."""
    if user is not None:
        services.claim_take(card=w.cards[0], user=user)


ENDPOINTS = [
    Endpoint("home", "GET", lambda w: reverse("home"), "login"),
    Endpoint("home-create", "POST", lambda w: reverse("home"), "login", lambda w: {"name": "Fresh board"}),
    Endpoint("board", "GET", b, "read"),
    Endpoint("board-filter", "GET", lambda w: burl(w, "board-filter") + "?q=card", "read"),
    Endpoint("board-changes", "GET", lambda w: burl(w, "board-changes") + "?v=0", "read"),
    Endpoint("board-rename", "POST", lambda w: burl(w, "board-rename"), "edit", lambda w: {"name": "Renamed"}),
    Endpoint("board-delete-confirm", "GET", lambda w: burl(w, "board-delete"), "owner"),
    Endpoint("board-delete", "POST", lambda w: burl(w, "board-delete"), "owner"),
    Endpoint("pipeline-create", "POST", lambda w: burl(w, "pipeline-create"), "edit", lambda w: {"name": "Done"}),
    Endpoint(
        "pipeline-rename",
        "POST",
        lambda w: burl(w, "pipeline-rename", w.todo.pk),
        "edit",
        lambda w: {"name": "Backlog"},
    ),
    Endpoint("pipeline-move", "POST", lambda w: burl(w, "pipeline-move", w.todo.pk), "edit", lambda w: {"position": 2}),
    Endpoint(
        "pipeline-move-neighbours",
        "POST",
        lambda w: burl(w, "pipeline-move", w.todo.pk),
        "edit",
        lambda w: {"after": w.doing.pk, "before": ""},
    ),
    Endpoint(
        "pipeline-limit", "POST", lambda w: burl(w, "pipeline-limit", w.todo.pk), "edit", lambda w: {"limit": "5"}
    ),
    Endpoint("board-limits", "POST", lambda w: burl(w, "board-limits"), "owner", lambda w: {"limits": "hard"}),
    Endpoint("pipeline-delete-confirm", "GET", lambda w: burl(w, "pipeline-delete", w.doing.pk), "edit"),
    Endpoint("pipeline-delete", "POST", lambda w: burl(w, "pipeline-delete", w.doing.pk), "edit"),
    Endpoint(
        "card-create", "POST", lambda w: burl(w, "card-create", w.todo.pk), "edit", lambda w: {"title": "New card"}
    ),
    Endpoint("card", "GET", lambda w: burl(w, "card", w.cards[0].pk), "read"),
    Endpoint("card-edit-form", "GET", lambda w: burl(w, "card-edit", w.cards[0].pk), "edit"),
    Endpoint(
        "card-edit",
        "POST",
        lambda w: burl(w, "card-edit", w.cards[0].pk),
        "edit",
        lambda w: {"title": "Edited", "description": "Now with text", "version": 1},
    ),
    Endpoint("card-delete-confirm", "GET", lambda w: burl(w, "card-delete", w.cards[0].pk), "edit"),
    Endpoint("card-delete", "POST", lambda w: burl(w, "card-delete", w.cards[0].pk), "edit"),
    Endpoint(
        "card-move",
        "POST",
        lambda w: burl(w, "card-move", w.cards[0].pk),
        "edit",
        lambda w: {"pipeline": w.doing.pk, "position": 1},
    ),
    Endpoint(
        "card-move-neighbours",
        "POST",
        lambda w: burl(w, "card-move", w.cards[0].pk),
        "edit",
        lambda w: {"pipeline": w.todo.pk, "after": w.cards[2].pk, "before": ""},
    ),
    Endpoint("card-release", "POST", lambda w: burl(w, "card-release", w.cards[0].pk), "edit", prepare=claim_for),
    Endpoint("members", "GET", lambda w: burl(w, "members"), "read"),
    Endpoint(
        "member-add", "POST", lambda w: burl(w, "member-add"), "owner", lambda w: {"username": "stan", "role": "viewer"}
    ),
    Endpoint(
        "member-role", "POST", lambda w: burl(w, "member-role", w.editor.pk), "owner", lambda w: {"role": "viewer"}
    ),
    Endpoint("member-remove", "POST", lambda w: burl(w, "member-remove", w.viewer.pk), "owner"),
    Endpoint(
        "comment-create", "POST", lambda w: burl(w, "comment-create", w.cards[0].pk), "read", lambda w: {"body": "Hi"}
    ),
    Endpoint("comment", "GET", lambda w: burl(w, "comment", w.comment.pk), "read", plain_get=302),
    Endpoint("comment-edit-form", "GET", lambda w: burl(w, "comment-edit", w.comment.pk), "author"),
    Endpoint(
        "comment-edit", "POST", lambda w: burl(w, "comment-edit", w.comment.pk), "author", lambda w: {"body": "Fixed"}
    ),
    Endpoint("comment-delete-confirm", "GET", lambda w: burl(w, "comment-delete", w.comment.pk), "author-or-owner"),
    Endpoint("comment-delete", "POST", lambda w: burl(w, "comment-delete", w.comment.pk), "author-or-owner"),
    Endpoint(
        "label-create", "POST", lambda w: burl(w, "label-create"), "edit", lambda w: {"name": "Idea", "colour": "sky"}
    ),
    Endpoint(
        "label-update",
        "POST",
        lambda w: burl(w, "label-update", w.label.pk),
        "edit",
        lambda w: {"name": "Defect", "colour": "orange"},
    ),
    Endpoint("label-delete", "POST", lambda w: burl(w, "label-delete", w.label.pk), "edit"),
    Endpoint(
        "card-labels", "POST", lambda w: burl(w, "card-labels", w.cards[0].pk), "edit", lambda w: {"label": w.label.pk}
    ),
    Endpoint("activity", "GET", lambda w: burl(w, "activity"), "read"),
    Endpoint("card-history", "GET", lambda w: burl(w, "activity") + f"?card={w.cards[0].pk}", "read"),
    Endpoint("board-export-json", "GET", lambda w: burl(w, "board-export-json"), "read"),
    Endpoint("board-export-csv", "GET", lambda w: burl(w, "board-export-csv"), "read"),
    Endpoint("board-import-form", "GET", lambda w: burl(w, "board-import"), "edit", htmx=False),
    Endpoint(
        "board-import",
        "POST",
        lambda w: burl(w, "board-import"),
        "edit",
        a_file("c.csv", "title,pipeline\nImported,To do\n"),
        plain_post=200,
        htmx=False,
    ),  # fmt: skip
    Endpoint("import-form", "GET", lambda w: reverse("import"), "login", htmx=False),
    Endpoint(
        "import",
        "POST",
        lambda w: reverse("import"),
        "login",
        a_file("b.json", '{"format": 1, "board": {"name": "Imported", "pipelines": []}}'),
        plain_post=200,
        htmx=False,
    ),  # fmt: skip
    Endpoint("tokens", "GET", lambda w: reverse("tokens"), "login", htmx=False),
    Endpoint(
        "tokens-create",
        "POST",
        lambda w: reverse("tokens"),
        "login",
        lambda w: {"name": "CI", "scope": "read"},
        plain_post=200,
        htmx=False,
    ),  # fmt: skip
    Endpoint(
        "token-revoke",
        "POST",
        lambda w: reverse("token-revoke", args=[w.token.pk]),
        "login",
        prepare=own_token,
        htmx=False,
    ),  # fmt: skip
    Endpoint("hooks", "GET", lambda w: burl(w, "hooks"), "owner", htmx=False),
    Endpoint(
        "hooks-create",
        "POST",
        lambda w: burl(w, "hooks"),
        "owner",
        lambda w: {"url": "https://example.com/hook", "events": ["card.created"]},
        plain_post=200,
        htmx=False,
    ),  # fmt: skip
    Endpoint(
        "hook-delete", "POST", lambda w: burl(w, "hook-delete", w.hook.pk), "owner", prepare=a_delivery, htmx=False
    ),
    Endpoint(
        "delivery-resend",
        "POST",
        lambda w: burl(w, "delivery-resend", w.delivery.pk),
        "owner",
        prepare=a_delivery,
        htmx=False,
    ),  # fmt: skip
]

# Matrix entries that are a second way of calling a named URL.
URL_OF = {
    "home-create": "home",
    "board-delete-confirm": "board-delete",
    "pipeline-move-neighbours": "pipeline-move",
    "pipeline-delete-confirm": "pipeline-delete",
    "card-edit-form": "card-edit",
    "card-delete-confirm": "card-delete",
    "card-move-neighbours": "card-move",
    "comment-edit-form": "comment-edit",
    "comment-delete-confirm": "comment-delete",
    "card-history": "activity",
    "board-import-form": "board-import",
    "import-form": "import",
    "tokens-create": "tokens",
    "hooks-create": "hooks",
}

ROLES = ["owner", "editor", "viewer", "stranger", "anonymous"]


def endpoint(name: str) -> Endpoint:
    return next(e for e in ENDPOINTS if e.name == name)


@pytest.fixture
def commented(world):
    """The world, with a comment by the editor on the first card (for the comment endpoints)."""
    world.comment = services.comment_create(card=world.cards[0], author=world.editor, body="First!")
    world.label = services.label_create(board=world.board, name="Bug", colour="red", actor=world.owner)
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

    names = {p.name for p in urlpatterns} - {"signup", "theme", "language"}  # a person's own: test_theme, test_i18n
    covered = {URL_OF.get(e.name, e.name) for e in ENDPOINTS}
    assert names <= covered
    assert covered <= names  # and the matrix names no URL that is gone (the old order endpoints)


def test_the_old_order_endpoints_are_gone(world, as_user):
    from django.urls import NoReverseMatch

    for name in ("pipeline-order", "pipelines-order"):
        with pytest.raises(NoReverseMatch):
            reverse(name, args=[world.board.pk])
    client = as_user(world.owner)
    before = snapshot()
    for path in (f"{b(world)}pipelines/order/", f"{b(world)}p/{world.todo.pk}/order/"):
        assert client.post(path, {"card": [c.pk for c in world.cards]}).status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_its_rights_on_every_endpoint(commented, as_user, role, endpoint, htmx):
    world = commented
    if htmx and not endpoint.htmx:
        pytest.skip("a plain page: its forms post without htmx")
    user = None if role == "anonymous" else getattr(world, role)
    endpoint.prepare(world, user)
    before, before_content = snapshot(), snapshot(content_only=True)
    response = request(as_user(user, htmx=htmx), endpoint, world)
    outcome = expected_outcome(role, endpoint.need)

    if outcome == "login":
        if htmx:
            assert response.status_code == 401
            assert "log in again" in flash_text(response)
            assert_refusal_shown(response)
        else:
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("login") + "?next=")
        assert snapshot() == before
    elif outcome in (403, 404):
        assert response.status_code == outcome
        if htmx:
            assert_refusal_shown(response)
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
            assert response.status_code == endpoint.plain_post
            if endpoint.plain_post == 302:
                assert response["Location"].startswith("/")
        assert snapshot() != before


# --- bad input ----------------------------------------------------------------------------------------


BAD_INPUT = [
    # (case id, url, data, status, part of the message)
    ("board-rename-empty", lambda w: burl(w, "board-rename"), lambda w: {"name": ""}, 400, "required"),
    ("board-rename-blank", lambda w: burl(w, "board-rename"), lambda w: {"name": "   "}, 400, "required"),
    ("board-rename-201", lambda w: burl(w, "board-rename"), lambda w: {"name": long(201)}, 400, "at most 200"),
    ("pipeline-add-empty", lambda w: burl(w, "pipeline-create"), lambda w: {"name": ""}, 400, "required"),
    ("pipeline-add-201", lambda w: burl(w, "pipeline-create"), lambda w: {"name": long(201)}, 400, "at most 200"),
    (
        "pipeline-rename-empty",
        lambda w: burl(w, "pipeline-rename", w.todo.pk),
        lambda w: {"name": ""},
        400,
        "required",
    ),
    (
        "pipeline-rename-201",
        lambda w: burl(w, "pipeline-rename", w.todo.pk),
        lambda w: {"name": long(201)},
        400,
        "at most 200",
    ),
    ("card-add-empty", lambda w: burl(w, "card-create", w.todo.pk), lambda w: {"title": ""}, 400, "required"),
    (
        "card-add-201",
        lambda w: burl(w, "card-create", w.todo.pk),
        lambda w: {"title": long(201)},
        400,
        "at most 200",
    ),
    (
        "pipeline-move-abc",
        lambda w: burl(w, "pipeline-move", w.todo.pk),
        lambda w: {"position": "abc"},
        400,
        "whole number",
    ),
    (
        "pipeline-move-zero",
        lambda w: burl(w, "pipeline-move", w.doing.pk),
        lambda w: {"position": 0},
        400,
        "greater than or equal to 1",
    ),
    (
        "pipeline-move-negative",
        lambda w: burl(w, "pipeline-move", w.doing.pk),
        lambda w: {"position": -1},
        400,
        "greater than or equal to 1",
    ),
    (
        "pipeline-move-after-abc",
        lambda w: burl(w, "pipeline-move", w.doing.pk),
        lambda w: {"after": "abc", "before": ""},
        400,
        "whole number",
    ),
    (
        "card-move-position-zero",
        lambda w: burl(w, "card-move", w.cards[0].pk),
        lambda w: {"pipeline": w.doing.pk, "position": 0},
        400,
        "greater than or equal to 1",
    ),
    (
        "card-move-position-abc",
        lambda w: burl(w, "card-move", w.cards[0].pk),
        lambda w: {"pipeline": w.doing.pk, "position": "abc"},
        400,
        "whole number",
    ),
    (
        "card-move-after-abc",
        lambda w: burl(w, "card-move", w.cards[0].pk),
        lambda w: {"pipeline": w.todo.pk, "after": "abc", "before": ""},
        400,
        "whole number",
    ),
    (
        "card-move-before-zero",
        lambda w: burl(w, "card-move", w.cards[0].pk),
        lambda w: {"pipeline": w.todo.pk, "after": "", "before": 0},
        400,
        "greater than or equal to 1",
    ),
    (
        "card-move-no-pipeline",
        lambda w: burl(w, "card-move", w.cards[0].pk),
        lambda w: {"position": 1},
        400,
        "required",
    ),
    (
        "card-move-abc-pipeline",
        lambda w: burl(w, "card-move", w.cards[0].pk),
        lambda w: {"pipeline": "abc", "position": 1},
        400,
        "whole number",
    ),
    (
        "card-move-to-other-boards-pipeline",
        lambda w: burl(w, "card-move", w.cards[0].pk),
        lambda w: {"pipeline": w.other_pipeline.pk, "position": 1},
        404,
        "No such pipeline",
    ),
    (
        "card-move-neighbours-to-other-boards-pipeline",
        lambda w: burl(w, "card-move", w.cards[0].pk),
        lambda w: {"pipeline": w.other_pipeline.pk, "after": w.other_card.pk, "before": ""},
        404,
        "No such pipeline",
    ),
    (
        "other-boards-pipeline-rename",
        lambda w: burl(w, "pipeline-rename", w.other_pipeline.pk),
        lambda w: {"name": "Mine"},
        404,
        "No such pipeline",
    ),
    (
        "other-boards-pipeline-move",
        lambda w: burl(w, "pipeline-move", w.other_pipeline.pk),
        lambda w: {"position": 1},
        404,
        "No such pipeline",
    ),
    (
        "other-boards-pipeline-delete",
        lambda w: burl(w, "pipeline-delete", w.other_pipeline.pk),
        lambda w: {},
        404,
        "No such pipeline",
    ),
    (
        "other-boards-pipeline-card-add",
        lambda w: burl(w, "card-create", w.other_pipeline.pk),
        lambda w: {"title": "Sneaky"},
        404,
        "No such pipeline",
    ),
    (
        "other-boards-card-edit",
        lambda w: burl(w, "card-edit", w.other_card.pk),
        lambda w: {"title": "Mine", "description": "", "version": 1},
        404,
        "No such card",
    ),
    ("other-boards-card-delete", lambda w: burl(w, "card-delete", w.other_card.pk), lambda w: {}, 404, "No such card"),
    (
        "other-boards-card-move",
        lambda w: burl(w, "card-move", w.other_card.pk),
        lambda w: {"pipeline": w.todo.pk, "position": 1},
        404,
        "No such card",
    ),
    (
        "other-boards-card-move-neighbours",
        lambda w: burl(w, "card-move", w.other_card.pk),
        lambda w: {"pipeline": w.todo.pk, "after": w.cards[0].pk, "before": w.cards[1].pk},
        404,
        "No such card",
    ),
    (
        "missing-pipeline-rename",
        lambda w: burl(w, "pipeline-rename", 999999),
        lambda w: {"name": "X"},
        404,
        "No such pipeline",
    ),
    ("missing-card-delete", lambda w: burl(w, "card-delete", 999999), lambda w: {}, 404, "No such card"),
    (
        "missing-card-move",
        lambda w: burl(w, "card-move", 999999),
        lambda w: {"pipeline": w.todo.pk, "position": 1},
        404,
        "No such card",
    ),
    (
        "member-add-empty",
        lambda w: burl(w, "member-add"),
        lambda w: {"username": "", "role": "editor"},
        400,
        "required",
    ),
    (
        "member-add-unknown",
        lambda w: burl(w, "member-add"),
        lambda w: {"username": "nobody", "role": "editor"},
        400,
        "No user is called",
    ),
    (
        "member-add-owner",
        lambda w: burl(w, "member-add"),
        lambda w: {"username": "olive", "role": "editor"},
        400,
        "owns this board",
    ),
    (
        "member-add-twice",
        lambda w: burl(w, "member-add"),
        lambda w: {"username": "eddie", "role": "viewer"},
        400,
        "member already",
    ),
    (
        "member-add-as-owner",
        lambda w: burl(w, "member-add"),
        lambda w: {"username": "stan", "role": "owner"},
        400,
        "valid choice",
    ),
    (
        "member-role-owner",
        lambda w: burl(w, "member-role", w.editor.pk),
        lambda w: {"role": "owner"},
        400,
        "valid choice",
    ),
    (
        "member-role-stranger",
        lambda w: burl(w, "member-role", w.stranger.pk),
        lambda w: {"role": "viewer"},
        404,
        "No such member",
    ),
    ("member-remove-owner", lambda w: burl(w, "member-remove", w.owner.pk), lambda w: {}, 404, "No such member"),
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
        assert_refusal_shown(response)
        assert message in (flash_text(response) or alerts(response))
    elif status == 400:
        assert 'id="live"' in text_of(response)  # the board page again, with the message
        assert message in flash_text(response)
    else:
        assert message in alerts(response)
        assert world.other_card.title not in text_of(response)
    assert snapshot() == before


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_other_boards_card_in_the_url_is_not_found_even_for_reading(world, as_user, htmx):
    response = as_user(world.owner, htmx=htmx).get(burl(world, "card", world.other_card.pk))
    assert response.status_code == 404
    assert "No such card" in (flash_text(response) if htmx else alerts(response))
    assert world.other_card.title not in text_of(response)
    if htmx:
        assert_refusal_shown(response)


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_home_refuses_an_empty_or_too_long_board_name(world, as_user, htmx):
    client = as_user(world.owner, htmx=htmx)
    before = snapshot()
    for name, message in (("", "required"), (long(201), "at most 200")):
        response = client.post(reverse("home"), {"name": name})
        assert response.status_code == 400
        assert message in flash_text(response)
        if htmx:
            assert_refusal_shown(response)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "", "description": "", "version": 1}, "required"),
        ({"title": "   ", "description": "Kept", "version": 1}, "required"),
        ({"title": long(201), "description": "", "version": 1}, "at most 200"),
        ({"title": "Fine", "description": long(10_001), "version": 1}, "at most 10000"),
        ({"title": "Fine", "description": "", "version": "abc"}, "whole number"),
    ],
    ids=["empty-title", "blank-title", "title-201", "description-10001", "version-abc"],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_card_edit_with_bad_input_shows_the_form_again_with_the_error(world, as_user, data, message, htmx):
    card = world.cards[0]
    before = snapshot()
    response = as_user(world.editor, htmx=htmx).post(burl(world, "card-edit", card.pk), data)
    assert response.status_code == 400
    body = text_of(response)
    assert message in alerts(response)
    assert f'action="{burl(world, "card-edit", card.pk)}"' in body  # the form is there to fix and resend
    if data["title"].strip():
        assert f'value="{data["title"]}"' in body  # what was typed is kept
    if htmx:
        assert_refusal_shown(response)  # defect 1: not replaced by django-htmx's debug page
        assert body.startswith(PANEL_OPEN)  # the edit form, in the panel
        assert '<article class="card-edit"' in body
    else:
        opening, inside = dialog_of(body)
        assert " open" in opening
        assert '<article class="card-edit"' in inside
    assert snapshot() == before


def test_description_of_exactly_10000_characters_is_accepted(world, as_user):
    card = world.cards[0]
    response = as_user(world.editor).post(
        burl(world, "card-edit", card.pk), {"title": "T", "description": long(10_000), "version": 1}
    )
    assert response.status_code == 302
    card.refresh_from_db()
    assert len(card.description) == 10_000


@pytest.mark.parametrize(
    "endpoint", [e for e in ENDPOINTS if e.method == "POST"], ids=[e.name for e in ENDPOINTS if e.method == "POST"]
)
def test_post_without_csrf_token_is_refused_with_a_message(commented, endpoint):
    world = commented
    endpoint.prepare(world, world.editor)
    before = snapshot()
    response = csrf_client(world.editor).post(endpoint.url(world), endpoint.data(world))
    assert response.status_code == 403
    assert "security token" in alerts(response)
    assert snapshot() == before


def test_htmx_post_without_csrf_token_answers_with_the_flash_message(world):
    before = snapshot()
    response = csrf_client(world.owner, htmx=True).post(burl(world, "card-create", world.todo.pk), {"title": "X"})
    assert response.status_code == 403
    assert_refusal_shown(response)
    assert "security token" in flash_text(response)
    assert 'hx-swap-oob="true"' in text_of(response)
    assert snapshot() == before


def test_htmx_post_with_the_csrf_header_is_accepted(world):
    client = csrf_client(world.owner, htmx=True)
    client.get(b(world))  # sets the csrf cookie, as the page does
    token = client.cookies["csrftoken"].value
    response = client.post(burl(world, "card-create", world.todo.pk), {"title": "X"}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200


def test_wrong_http_method_is_refused(world, as_user):
    client = as_user(world.owner)
    assert client.get(burl(world, "board-rename")).status_code == 405
    assert client.post(b(world)).status_code == 405
    assert client.post(burl(world, "card", world.cards[0].pk)).status_code == 405
    assert client.get(burl(world, "card-move", world.cards[0].pk)).status_code == 405
    assert client.get(burl(world, "pipeline-move", world.todo.pk)).status_code == 405


# --- the no-JavaScript path -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["board-rename", "pipeline-create", "pipeline-rename", "pipeline-move", "pipeline-move-neighbours"]
    + ["pipeline-delete", "card-create", "card-delete", "card-move", "card-move-neighbours"],
)
def test_plain_form_posts_redirect_back_to_the_board_page(world, as_user, name):
    response = request(as_user(world.editor), endpoint(name), world)
    assert response.status_code == 302
    assert response["Location"] == b(world)


def test_plain_card_edit_redirects_to_the_card_and_member_changes_to_the_members_page(world, as_user):
    client = as_user(world.owner)
    card = world.cards[0]
    response = client.post(burl(world, "card-edit", card.pk), {"title": "Edited", "description": "", "version": 1})
    assert response["Location"] == burl(world, "card", card.pk)
    response = client.post(burl(world, "member-add"), {"username": "stan", "role": "viewer"})
    assert response["Location"] == burl(world, "members")
    assert client.get(response["Location"]).status_code == 200


def test_plain_failed_member_add_answers_the_board_page_with_the_members_panel_still_open(world, as_user):
    """Defect 12: without JavaScript the dialog stays open with the members list, the message and the input."""
    before = snapshot()
    response = as_user(world.owner).post(burl(world, "member-add"), {"username": "nobody", "role": "viewer"})
    assert response.status_code == 400
    body = text_of(response)
    assert 'id="live"' in body  # the board page again
    opening, inside = dialog_of(body)
    assert " open" in opening
    assert '<article class="members-panel">' in inside
    assert "No user is called 'nobody'" in strip_tags(inside)
    assert 'value="nobody"' in inside  # what was typed is kept
    assert f'action="{burl(world, "member-add")}"' in inside  # to fix and resend
    assert "eddie" in inside and "vera" in inside  # the members list is there
    assert snapshot() == before


def test_htmx_failed_member_add_keeps_the_members_panel_with_the_message_and_the_input(world, as_user):
    response = as_user(world.owner, htmx=True).post(burl(world, "member-add"), {"username": "nobody", "role": "viewer"})
    assert response.status_code == 400
    assert_refusal_shown(response)
    body = text_of(response)
    assert body.startswith(PANEL_OPEN)
    assert '<article class="members-panel">' in body
    assert "No user is called 'nobody'" in alerts(response)
    assert 'value="nobody"' in body


@pytest.mark.parametrize(
    ("url", "action", "question"),
    [
        (lambda w: burl(w, "board-delete"), lambda w: burl(w, "board-delete"), "Delete the board “Roadmap”"),
        (
            lambda w: burl(w, "pipeline-delete", w.todo.pk),
            lambda w: burl(w, "pipeline-delete", w.todo.pk),
            "and its 3 cards?",
        ),
        (
            lambda w: burl(w, "card-delete", w.cards[1].pk),
            lambda w: burl(w, "card-delete", w.cards[1].pk),
            "“Card 1”?",
        ),
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
    response = as_user(world.owner, htmx=True).get(burl(world, "card-delete", world.cards[1].pk))
    body = text_of(response)
    assert body.startswith(PANEL_OPEN)
    assert f'hx-post="{burl(world, "card-delete", world.cards[1].pk)}"' in body


def test_confirmed_plain_deletes_remove_and_keep_the_order(world, as_user):
    client = as_user(world.owner)
    c0, c1, c2 = world.cards
    assert client.post(burl(world, "card-delete", c1.pk)).status_code == 302
    assert card_order(world.todo) == [c0.pk, c2.pk]
    assert client.post(burl(world, "pipeline-delete", world.todo.pk)).status_code == 302
    assert pipeline_order(world.board) == [world.doing.pk]
    assert not Card.objects.filter(board=world.board).exists()
    response = client.post(burl(world, "board-delete"))
    assert response["Location"] == reverse("home")
    assert not Board.objects.filter(pk=world.board.pk).exists()
    assert client.get(b(world)).status_code == 404


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_card_edit_from_an_outdated_version_is_refused_showing_the_current_text(world, as_user, htmx):
    card = world.cards[0]
    services.card_update(card=card, title="Their title", description="Their **words**", actor=world.owner)
    before = snapshot()
    client = as_user(world.editor, htmx=htmx)
    response = client.post(
        burl(world, "card-edit", card.pk), {"title": "My title", "description": "Mine", "version": 1}
    )
    body = text_of(response)
    assert response.status_code == 409
    if htmx:
        assert_refusal_shown(response)
    assert "Someone else changed this card" in alerts(response)
    assert "Their title" in body
    assert "<strong>words</strong>" in body
    assert 'value="My title"' in body  # the user's text is kept in the form
    assert '<input type="hidden" name="version" value="2"' in body  # saving again is based on what they saw
    assert snapshot() == before

    response = client.post(
        burl(world, "card-edit", card.pk), {"title": "My title", "description": "Mine", "version": 2}
    )
    assert response.status_code == (200 if htmx else 302)
    card.refresh_from_db()
    assert (card.title, card.description, card.version) == ("My title", "Mine", 3)


def test_card_edit_page_prefills_the_current_text_and_version(world, as_user):
    card = world.cards[0]
    services.card_update(card=card, title="Shown", description="Body text", actor=world.owner)
    body = text_of(as_user(world.editor).get(burl(world, "card-edit", card.pk)))
    assert 'value="Shown"' in body
    assert ">Body text</textarea>" in body
    assert '<input type="hidden" name="version" value="2"' in body


# --- htmx answers ------------------------------------------------------------------------------------


def test_htmx_card_add_answers_with_the_new_card_at_the_end_and_the_count(world, as_user):
    existing = services.card_create(pipeline=world.doing, title="Already there", actor=world.owner)
    client = as_user(world.editor, htmx=True)
    page = page_of(client, world.board)
    response = client.post(burl(world, "card-create", world.doing.pk), {"title": "Fresh card"})
    assert response.status_code == 200
    body = text_of(response)
    assert f'hx-swap-oob="beforeend:#cards-{world.doing.pk}"' in body
    assert "Already there" not in body  # the pipeline's other cards are not sent again
    new = Card.objects.get(title="Fresh card")
    page.receive(body)
    assert page.order()[world.doing.pk] == [existing.pk, new.pk] == card_order(world.doing)  # added at the end
    assert page.counts == {world.doing.pk: 2}
    assert (new.pipeline_id, new.updated_by_id) == (world.doing.pk, world.editor.pk)
    assert flash_text(response) == ""  # any earlier error message is cleared


def test_htmx_pipeline_add_answers_with_the_new_pipeline_at_the_end(world, as_user):
    client = as_user(world.editor, htmx=True)
    page = page_of(client, world.board)
    response = client.post(burl(world, "pipeline-create"), {"name": "Done"})
    assert response.status_code == 200
    assert 'hx-swap-oob="beforebegin:#pipelines-end"' in text_of(response)
    assert "pipelines" not in oob_ids(response)  # not the whole strip
    done = Pipeline.objects.get(board=world.board, name="Done")
    page.receive(text_of(response))
    assert page.pipelines == pipeline_order(world.board) == [world.todo.pk, world.doing.pk, done.pk]


def test_htmx_pipeline_rename_answers_with_its_name(world, as_user):
    response = as_user(world.editor, htmx=True).post(burl(world, "pipeline-rename", world.todo.pk), {"name": "Backlog"})
    assert oob_ids(response)[:2] == [f"pipeline-{world.todo.pk}-name", f"pipeline-{world.todo.pk}-rename"]
    assert re.search(rf'<h2 id="pipeline-{world.todo.pk}-name"[^>]*>Backlog</h2>', text_of(response))
    assert 'value="Backlog"' in text_of(response)
    assert "pipelines" not in oob_ids(response)  # the one pipeline's name, not the strip
    assert f"card-{world.cards[0].pk}" not in text_of(response)  # nor its cards


def test_htmx_board_rename_answers_with_the_header(world, as_user):
    response = as_user(world.editor, htmx=True).post(burl(world, "board-rename"), {"name": "Q3 roadmap"})
    assert "board-head" in oob_ids(response)
    assert '<h1 class="board-title">Q3 roadmap</h1>' in text_of(response)


def crumb_of(markup: str) -> str:
    found = re.search(r'<span id="crumb"[^>]*>.*?</span>', markup, re.S)
    assert found, "no crumb in the markup"
    return found.group(0)


def test_board_rename_answers_and_broadcasts_the_new_page_title_and_crumb(
    world, as_user, published, django_capture_on_commit_callbacks
):
    """Defect 6: the tab's title (data-title) and the top bar's crumb follow a rename, on every page."""
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(world.editor, htmx=True).post(burl(world, "board-rename"), {"name": "Q3 roadmap"})
    assert response.status_code == 200
    broadcast = [m for _, m in published if m["type"] == "board.fragments"]
    assert len(broadcast) == 1
    for markup in (text_of(response), broadcast[0]["html"]["en"]):
        head = re.search(r'<header id="board-head"[^>]*>', markup).group(0)
        assert 'data-title="Q3 roadmap · LiveBoard"' in head
        assert 'hx-swap-oob="true"' in head
        crumb = crumb_of(markup)
        assert 'hx-swap-oob="true"' in crumb
        assert strip_tags(crumb) == "/ Q3 roadmap"
        assert "Roadmap</span>" not in markup
    assert broadcast[0]["html"]["en"] in text_of(response)  # the writer gets the very bytes the others get
    page = text_of(as_user(world.viewer).get(b(world)))
    assert "<title>Q3 roadmap · LiveBoard</title>" in page
    assert strip_tags(crumb_of(page)) == "/ Q3 roadmap"
    assert "hx-swap-oob" not in crumb_of(page)  # on the page itself it is just the crumb


def test_htmx_card_edit_answers_with_the_card_and_its_detail(world, as_user):
    card = world.cards[0]
    response = as_user(world.editor, htmx=True).post(
        burl(world, "card-edit", card.pk), {"title": "Sharper", "description": "More", "version": 1}
    )
    body = text_of(response)
    assert f"card-{card.pk}" in oob_ids(response)
    assert re.search(r'<div id="panel" hx-swap-oob="innerHTML">\s*<article class="card-detail"', body)
    assert "<p>More</p>" in body
    assert "Sharper" in fragment(body, f"card-{card.pk}")


def test_htmx_deletes_answer_with_fragments_and_close_the_panel(world, as_user):
    client = as_user(world.owner, htmx=True)
    page = page_of(client, world.board)
    response = client.post(burl(world, "card-delete", world.cards[0].pk))
    assert f'<i id="card-{world.cards[0].pk}" hx-swap-oob="delete"></i>' in text_of(response)
    assert '<div id="panel" hx-swap-oob="innerHTML"></div>' in text_of(response)
    page.receive(text_of(response))
    response = client.post(burl(world, "pipeline-delete", world.doing.pk))
    assert f'<i id="pipeline-{world.doing.pk}" hx-swap-oob="delete"></i>' in text_of(response)
    page.receive(text_of(response))
    assert page.order() == board_order(world.board)
    response = client.post(burl(world, "board-delete"))
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("home")


def test_htmx_member_changes_answer_with_the_header_and_the_members_panel(world, as_user):
    client = as_user(world.owner, htmx=True)
    response = client.post(burl(world, "member-add"), {"username": "stan", "role": "editor"})
    assert "board-head" in oob_ids(response)
    assert re.search(r'<div id="panel" hx-swap-oob="innerHTML">\s*<article class="members-panel">', text_of(response))
    assert Membership.objects.get(board=world.board, user=world.stranger).role == Role.EDITOR
    client.post(burl(world, "member-role", world.stranger.pk), {"role": "viewer"})
    assert Membership.objects.get(board=world.board, user=world.stranger).role == Role.VIEWER
    client.post(burl(world, "member-remove", world.stranger.pk))
    assert not Membership.objects.filter(board=world.board, user=world.stranger).exists()
    assert as_user(world.stranger).get(b(world)).status_code == 404


def test_htmx_home_create_redirects_the_browser_to_the_new_board(world, as_user):
    response = as_user(world.viewer, htmx=True).post(reverse("home"), {"name": "Mine now"})
    board = Board.objects.get(name="Mine now")
    assert response["HX-Redirect"] == reverse("board", args=[board.pk])
    assert board.owner == world.viewer


def test_htmx_card_detail_and_members_answer_with_the_panel_only(world, as_user):
    client = as_user(world.viewer, htmx=True)
    for url in (burl(world, "card", world.cards[0].pk), burl(world, "members")):
        body = text_of(client.get(url))
        assert body.startswith(PANEL_OPEN)
        assert "<html" not in body


def test_board_page_connects_its_socket_to_the_boards_socket_path(world, as_user):
    """The page's live updates come over the socket at board/routing.py's path (not the page's own)."""
    body = text_of(as_user(world.viewer).get(b(world)))
    found = re.search(r'<main id="live"[^>]*\bws-connect="([^"]*)"', body)
    assert found, "the board page has no socket to connect"
    assert re.fullmatch(rf"/ws/b/{world.board.pk}/\?page=[\w-]{{8,}}", found.group(1)), found.group(1)


def test_card_fragments_on_the_page_are_never_stale(world, as_user):
    """Card fragments are cached by what they show: each change shows on the next page."""
    card = world.cards[0]
    client = as_user(world.viewer)

    def shown() -> str:
        return fragment(text_of(client.get(b(world))), f"card-{card.pk}")

    assert "Card 0" in shown()
    services.card_update(card=card, title="Renamed once", description="", actor=world.editor)
    assert "Renamed once" in shown() and "edited by eddie" in shown()
    services.card_update(card=card, title="Renamed once", description="now described", actor=world.editor)
    assert "has-desc" in shown()
    services.comment_create(card=card, author=world.viewer, body="hi")
    assert "1 comment" in shown()
    services.claim_take(card=card, user=world.editor)
    assert "✎ eddie" in shown()
    services.claim_release(card=card, user=world.editor)
    assert "✎" not in shown()
    Card.objects.filter(pk=card.pk).update(title="Changed by hand")  # even a row changed behind the services' back
    assert "Changed by hand" in shown()


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
    assert f'data-title="{XSS_ESCAPED} · LiveBoard"' in body


def test_board_names_and_filter_text_with_markup_are_escaped_on_home_and_in_the_filter_box(world, as_user, hostile):
    client = as_user(world.editor)
    home = text_of(client.get(reverse("home")))
    assert XSS not in home
    assert XSS_ESCAPED in home
    body = text_of(client.get(b(world), {"q": '"><script>alert(1)</script>'}))
    assert XSS not in body
    assert 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in body


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_refusals_that_quote_the_input_escape_it(world, as_user, htmx):
    client = as_user(world.owner, htmx=htmx)
    for url, data in (
        (burl(world, "member-add"), {"username": XSS, "role": "editor"}),
        (burl(world, "member-add"), {"username": "stan", "role": XSS}),
        (burl(world, "member-role", world.editor.pk), {"role": XSS}),
    ):
        response = client.post(url, data)
        assert response.status_code == 400
        assert XSS not in text_of(response)
        assert "&lt;" in text_of(response)


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_names_with_markup_are_escaped_in_card_detail_and_confirmations(world, as_user, hostile, htmx):
    client = as_user(world.owner, htmx=htmx)
    for url in (
        burl(world, "card", hostile.pk),
        burl(world, "card-edit", hostile.pk),
        burl(world, "card-delete", hostile.pk),
        burl(world, "pipeline-delete", world.todo.pk),
        burl(world, "board-delete"),
    ):
        body = text_of(client.get(url))
        assert XSS not in body
        assert XSS_ESCAPED in body
    assert XSS not in text_of(client.get(burl(world, "members")))


def test_names_with_markup_are_escaped_in_htmx_answers_and_broadcasts(
    world, as_user, published, django_capture_on_commit_callbacks
):
    client = as_user(world.editor, htmx=True)
    posts = [
        (burl(world, "board-rename"), {"name": XSS}),
        (burl(world, "pipeline-create"), {"name": XSS}),
        (burl(world, "card-create", world.todo.pk), {"title": XSS}),
        (burl(world, "card-edit", world.cards[0].pk), {"title": XSS, "description": XSS, "version": 1}),
        (burl(world, "card-move", world.cards[0].pk), {"pipeline": world.doing.pk, "after": "", "before": ""}),
    ]
    for url, data in posts:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, data)
        assert response.status_code == 200
        assert XSS not in text_of(response)
        assert XSS_ESCAPED in text_of(response)
        board_id, message = published.pop()
        assert board_id == world.board.pk and message["type"] == "board.fragments"
        assert XSS not in message["html"]["en"]
        assert XSS_ESCAPED in message["html"]["en"]
        assert message["html"]["en"] in text_of(response)  # the actor gets the very bytes the others get


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
        rendered = description_html(text_of(as_user(world.viewer, htmx=htmx).get(burl(world, "card", card.pk))))
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
    rendered = description_html(text_of(as_user(world.viewer).get(burl(world, "card", card.pk))))
    assert re.search(r"First line<br\s*/?>\s*second line", rendered)
    assert "<strong>bold</strong>" in rendered
    assert 'href="https://example.com"' in rendered
    assert 'rel="noopener noreferrer nofollow"' in rendered
    assert "<li>one</li>" in rendered


def test_an_empty_description_says_so(world, as_user):
    body = text_of(as_user(world.viewer).get(burl(world, "card", world.cards[0].pk)))
    assert "No description." in description_html(body)


# --- what viewers see ------------------------------------------------------------------------------------


def controls_of(body: str) -> str:
    """The page without its card and pipeline fragments' data-move-url: those fragments are
    the same bytes for every member (the page ignores drags for a viewer; the server refuses)."""
    return re.sub(r' data-move-url="[^"]*"', "", body)


def test_viewer_board_page_has_no_edit_controls(world, as_user):
    body = text_of(as_user(world.viewer).get(b(world)))
    assert 'data-role="viewer"' in body
    controls = controls_of(body)
    for control in (
        burl(world, "card-create", world.todo.pk),
        burl(world, "board-rename"),
        burl(world, "pipeline-create"),
        burl(world, "pipeline-rename", world.todo.pk),
        burl(world, "pipeline-move", world.todo.pk),
        burl(world, "pipeline-delete", world.todo.pk),
        burl(world, "board-delete"),
        "/edit/",
        "/move/",
        "/delete/",
        "editor-only",
        "owner-only",
    ):
        assert control not in controls
    assert "Card 0" in body  # but the board itself is there


def test_viewer_card_detail_and_members_have_no_edit_controls(world, as_user):
    client = as_user(world.viewer)
    card = world.cards[0]
    card_page = controls_of(text_of(client.get(burl(world, "card", card.pk))))
    for control in (burl(world, "card-edit", card.pk), burl(world, "card-delete", card.pk), "/move/", "/delete/"):
        assert control not in card_page
    assert f'action="{burl(world, "comment-create", card.pk)}"' in card_page  # viewers comment
    members_page = text_of(client.get(burl(world, "members")))
    for control in (burl(world, "member-add"), "/role/", "/remove/"):
        assert control not in members_page
    assert "eddie" in members_page
    assert "vera" in members_page


def test_editor_board_page_has_edit_controls_but_not_the_owners(world, as_user):
    body = text_of(as_user(world.editor).get(b(world)))
    assert 'data-role="editor"' in body
    assert f'action="{burl(world, "card-create", world.todo.pk)}"' in body
    assert f'action="{burl(world, "board-rename")}"' in body
    assert f'action="{burl(world, "pipeline-create")}"' in body
    assert f'action="{burl(world, "pipeline-move", world.todo.pk)}"' in body
    card_page = text_of(as_user(world.editor).get(burl(world, "card", world.cards[0].pk)))
    assert f'href="{burl(world, "card-edit", world.cards[0].pk)}"' in card_page
    assert f'action="{burl(world, "card-move", world.cards[0].pk)}"' in card_page
    assert f'href="{burl(world, "board-delete")}"' not in body  # deleting the board is the owner's
    members_page = text_of(as_user(world.editor).get(burl(world, "members")))
    assert burl(world, "member-add") not in members_page


def test_owner_board_page_offers_board_delete_and_member_management(world, as_user):
    client = as_user(world.owner)
    assert f'href="{burl(world, "board-delete")}"' in text_of(client.get(b(world)))
    members_page = text_of(client.get(burl(world, "members")))
    assert f'action="{burl(world, "member-add")}"' in members_page
    assert f'action="{burl(world, "member-role", world.viewer.pk)}"' in members_page
    assert f'action="{burl(world, "member-remove", world.viewer.pk)}"' in members_page


def test_home_lists_owned_and_shared_boards_with_roles_and_nothing_else(world, as_user):
    body = text_of(as_user(world.viewer).get(reverse("home")))
    assert "Roadmap" in body
    assert f'href="{b(world)}"' in body
    assert "role-viewer" in body
    assert "Secret plans" not in body
    owner_home = text_of(as_user(world.owner).get(reverse("home")))
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


def test_a_filtered_page_does_not_leave_hidden_fragments_for_an_unfiltered_one(world, as_user, searchable):
    """The fragment cache keys on `hidden` too: the same card renders hidden for one page only."""
    c0, c1, c2 = searchable
    client = as_user(world.viewer)
    assert hidden_cards(text_of(client.get(b(world), {"q": "foo"}))) == {c2.pk}
    assert hidden_cards(text_of(client.get(b(world)))) == set()
    assert hidden_cards(text_of(client.get(b(world), {"q": "bar"}))) == {c0.pk, c1.pk}


@pytest.mark.parametrize("query", ["foo", "FOO", "fOo", " foo "])
def test_filter_json_lists_matching_ids_by_title_or_description_in_any_case(world, as_user, searchable, query):
    c0, c1, c2 = searchable
    response = as_user(world.viewer).get(burl(world, "board-filter"), {"q": query})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    assert sorted(data["ids"]) == sorted([c0.pk, c1.pk])


def test_filter_json_with_no_match_or_no_query(world, as_user, searchable):
    client = as_user(world.viewer)
    assert json.loads(client.get(burl(world, "board-filter"), {"q": "zzz"}).content)["ids"] == []
    everything = json.loads(client.get(burl(world, "board-filter")).content)["ids"]
    assert sorted(everything) == sorted(c.pk for c in world.cards)


def test_filter_json_never_reveals_another_boards_cards(world, as_user, searchable):
    data = json.loads(as_user(world.viewer).get(burl(world, "board-filter"), {"q": "elsewhere"}).content)
    assert data["ids"] == []
    other = reverse("board-filter", args=[world.other_board.pk])
    assert as_user(world.viewer).get(other, {"q": "foo"}).status_code == 404


def test_filter_agrees_between_page_and_json(world, as_user, searchable):
    client = as_user(world.viewer)
    for query in ("foo", "BAR", "card", "x"):
        body = text_of(client.get(b(world), {"q": query}))
        shown = set(card_ids_in(body)) - hidden_cards(body)
        assert shown == set(json.loads(client.get(burl(world, "board-filter"), {"q": query}).content)["ids"])


# --- accounts -------------------------------------------------------------------------------------------


def test_signup_creates_a_user_and_logs_them_in(db):
    client = Client()
    signup = reverse("signup")
    assert client.get(signup).status_code == 200
    response = client.post(signup, {"username": "newbie", "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    user = get_user_model().objects.get(username="newbie")
    assert user.check_password(PASSWORD)
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert "newbie" in text_of(home)
    assert client.post(reverse("home"), {"name": "First board"}).status_code == 302
    assert Board.objects.get(name="First board").owner == user


def test_signup_with_mismatched_or_weak_passwords_is_refused(db):
    client = Client()
    signup = reverse("signup")
    response = client.post(signup, {"username": "newbie", "password1": PASSWORD, "password2": "other"})
    assert response.status_code == 400
    assert "didn’t match" in alerts(response) or "didn't match" in alerts(response)
    response = client.post(signup, {"username": "newbie", "password1": "123", "password2": "123"})
    assert response.status_code == 400
    assert "too short" in alerts(response)
    assert not get_user_model().objects.filter(username="newbie").exists()


def test_signup_when_logged_in_goes_home(world, as_user):
    assert as_user(world.owner).get(reverse("signup"))["Location"] == reverse("home")


def test_login_then_logout(world):
    client = Client()
    response = client.get(b(world))
    assert response.status_code == 302
    login_url = response["Location"]
    assert login_url == f"{reverse('login')}?next={b(world)}"
    assert client.get(login_url).status_code == 200

    response = client.post(reverse("login"), {"username": "eddie", "password": "wrong", "next": b(world)})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in alerts(response)

    response = client.post(reverse("login"), {"username": "eddie", "password": PASSWORD, "next": b(world)})
    assert response.status_code == 302
    assert response["Location"] == b(world)
    assert client.get(b(world)).status_code == 200

    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(b(world)).status_code == 302
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_board_pages_require_login(world, as_user, htmx):
    client = as_user(None, htmx=htmx)
    for url in (reverse("home"), b(world), burl(world, "card", world.cards[0].pk), burl(world, "members")):
        response = client.get(url)
        if htmx:
            assert response.status_code == 401
            assert_refusal_shown(response)
        else:
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("login"))

"""The REST API: the same roles as the web, token scopes, clear errors with a code, the same services."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from board import events
from board.api.tokens import token_create, token_revoke
from board.models import Activity, ApiToken, Board, Card, Comment, Pipeline

ROLES = ("owner", "editor", "viewer", "stranger")


def bearer(token: str, **extra) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}", enforce_csrf_checks=True, **extra)


def token_for(user, scope: str = "write", **kwargs) -> str:
    return token_create(user=user, name="test", scope=scope, **kwargs)[1]


def call(client: Client, method: str, url: str, body: dict | None = None):
    if method in ("get", "delete"):
        return getattr(client, method)(url)
    return getattr(client, method)(url, data=json.dumps(body or {}), content_type="application/json")


def endpoints(world):
    """(method, url, body, needs): needs is read, comment (any member), or edit."""
    b, p, c = world.board.pk, world.doing.pk, world.cards[1].pk
    base = f"/api/v1/boards/{b}"
    return [
        ("get", f"{base}/", None, "read"),
        ("post", f"{base}/pipelines/", {"name": "Review"}, "edit"),
        ("patch", f"{base}/pipelines/{p}/", {"name": "Doing now"}, "edit"),
        ("post", f"{base}/pipelines/{p}/move/", {"after": None}, "edit"),
        ("delete", f"{base}/pipelines/{p}/", None, "edit"),
        ("post", f"{base}/cards/", {"pipeline": world.todo.pk, "title": "From the API"}, "edit"),
        ("get", f"{base}/cards/{c}/", None, "read"),
        ("patch", f"{base}/cards/{c}/", {"title": "Renamed by API"}, "edit"),
        ("post", f"{base}/cards/{c}/move/", {"pipeline": p, "after": None}, "edit"),
        ("delete", f"{base}/cards/{c}/", None, "edit"),
        ("get", f"{base}/cards/{c}/comments/", None, "read"),
        ("post", f"{base}/cards/{c}/comments/", {"body": "From the API"}, "comment"),
    ]


def expected(role: str, scope: str, method: str, needs: str) -> tuple[int, str | None]:
    writes = method != "get"
    if writes and scope == "read":
        return 403, "read_only_token"  # before the board is looked at: says nothing about it
    if role == "stranger":
        return 404, "not_found"
    if needs == "edit" and role == "viewer":
        return 403, "viewer_cannot_write"
    return {"get": 200, "post": 201, "patch": 200, "delete": 204}[method], None


@pytest.mark.parametrize("scope", ["read", "write"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("index", range(12))
def test_permission_matrix_every_endpoint_scope_and_role(world, role, scope, index):
    user = {"owner": world.owner, "editor": world.editor, "viewer": world.viewer, "stranger": world.stranger}[role]
    method, url, body, needs = endpoints(world)[index]
    status, code = expected(role, scope, method, needs)
    if code is None and url.endswith("/move/"):
        status = 200  # a move answers with what moved
    before = Board.objects.get(pk=world.board.pk).version
    response = call(bearer(token_for(user, scope)), method, url, body)
    assert response.status_code == status, (method, url, response.content)
    after = Board.objects.get(pk=world.board.pk).version
    if code is not None:
        assert response.json()["code"] == code and response.json()["detail"]
        assert after == before  # a refusal changes nothing
    elif method != "get":
        assert after == before + 1  # one write through the services: one event
        assert Activity.objects.filter(board=world.board, version=after, actor=user).exists()


@pytest.mark.parametrize("state", ["expired", "revoked", "unknown"])
@pytest.mark.parametrize("index", range(12))
def test_an_expired_revoked_or_unknown_token_gets_401_on_every_endpoint(world, state, index):
    method, url, body, _needs = endpoints(world)[index]
    if state == "expired":
        raw = token_for(world.owner, expires_at=timezone.now() - timedelta(seconds=1))
    else:
        raw = token_for(world.owner)
        if state == "revoked":
            token_revoke(token=ApiToken.objects.get(key_hash=hashlib.sha256(raw.encode()).hexdigest()))
        else:
            raw = raw[:-2] + "xx"
    before = Board.objects.get(pk=world.board.pk).version
    response = call(bearer(raw), method, url, body)
    assert response.status_code == 401
    assert (
        response.json()["code"]
        == {"expired": "token_expired", "revoked": "token_revoked", "unknown": "invalid_token"}[state]
    )
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert Board.objects.get(pk=world.board.pk).version == before


def test_a_logged_in_browser_session_is_no_api_credential(world, as_user):
    client = as_user(world.owner)
    response = client.post(
        f"/api/v1/boards/{world.board.pk}/pipelines/", data='{"name": "x"}', content_type="application/json"
    )
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    assert client.get("/api/v1/boards/").status_code == 401
    assert not Pipeline.objects.filter(name="x").exists()


def test_bearer_writes_need_no_csrf_token_and_are_live_in_the_activity(world):
    response = call(bearer(token_for(world.editor)), "post", f"/api/v1/boards/{world.board.pk}/cards/",
                    {"pipeline": world.doing.pk, "title": "Via API", "description": "d"})  # fmt: skip
    assert response.status_code == 201
    card = Card.objects.get(title="Via API")
    assert response.json() == {
        "id": card.pk, "pipeline": world.doing.pk, "title": "Via API", "description": "d", "version": 1,
        "created_at": response.json()["created_at"], "updated_at": response.json()["updated_at"],
    }  # fmt: skip
    event = Activity.objects.filter(board=world.board).first()
    assert (event.kind, event.actor, event.card_id) == (events.CARD_CREATED, world.editor, card.pk)


def test_board_list_is_paginated_and_holds_only_my_boards(world):
    from board import services

    for i in range(3):
        services.board_create(owner=world.viewer, name=f"Own {i}")
    client = bearer(token_for(world.viewer, "read"))
    first = client.get("/api/v1/boards/?page_size=2").json()
    assert first["count"] == 4 and len(first["results"]) == 2 and first["next"]
    second = client.get(first["next"]).json()
    names = {b["name"]: b["role"] for b in first["results"] + second["results"]}
    assert names == {"Roadmap": "viewer", "Own 0": "owner", "Own 1": "owner", "Own 2": "owner"}
    assert "Secret plans" not in json.dumps(first) + json.dumps(second)


def test_a_board_reads_with_its_pipelines_and_cards_in_order(world):
    data = bearer(token_for(world.viewer, "read")).get(f"/api/v1/boards/{world.board.pk}/").json()
    assert data["name"] == "Roadmap" and data["role"] == "viewer" and data["owner"] == "olive"
    assert [p["name"] for p in data["pipelines"]] == ["To do", "Doing"]
    assert [c["title"] for c in data["pipelines"][0]["cards"]] == ["Card 0", "Card 1", "Card 2"]


def test_errors_are_clear_4xx_with_a_code_and_change_nothing(world):
    client = bearer(token_for(world.owner))
    base = f"/api/v1/boards/{world.board.pk}"
    response = call(client, "post", f"{base}/cards/", {"pipeline": world.todo.pk})
    assert (
        response.status_code == 400 and response.json()["code"] == "required" and "title" in response.json()["fields"]
    )
    response = call(client, "post", f"{base}/cards/", {"pipeline": world.other_pipeline.pk, "title": "x"})
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    response = call(client, "post", f"{base}/cards/", {"pipeline": world.todo.pk, "title": "bad\u202etitle"})
    assert (
        response.status_code == 400
        and response.json()["code"] == "invalid"
        and "text-direction" in response.json()["detail"]
    )
    card = world.cards[0]
    response = call(client, "patch", f"{base}/cards/{card.pk}/", {"title": "new", "version": 99})
    assert response.status_code == 409 and response.json()["code"] == "stale_version"
    response = call(
        client, "post", f"{base}/cards/{world.other_card.pk}/move/", {"pipeline": world.doing.pk, "after": None}
    )
    assert response.status_code == 404
    response = client.post(f"{base}/cards/", data="{not json", content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "parse_error"
    response = call(client, "post", f"{base}/cards/{card.pk}/move/", {"pipeline": world.doing.pk, "after": 2**70})
    assert response.status_code == 400 and response.json()["code"] == "max_value"
    assert Card.objects.get(pk=card.pk).title == "Card 0" and not Card.objects.filter(title="x").exists()
    assert bearer("x").get("/api/v1/boards/").json()["code"] == "invalid_token"
    assert Client(HTTP_AUTHORIZATION="Bearer a b").get("/api/v1/boards/").json()["code"] == "malformed_token"


def test_move_places_the_card_after_its_new_neighbour(world):
    client = bearer(token_for(world.editor))
    base = f"/api/v1/boards/{world.board.pk}"
    first, second, third = world.cards
    assert (
        call(
            client, "post", f"{base}/cards/{first.pk}/move/", {"pipeline": world.todo.pk, "after": third.pk}
        ).status_code
        == 200
    )
    assert list(Card.objects.filter(pipeline=world.todo).values_list("pk", flat=True)) == [
        second.pk,
        third.pk,
        first.pk,
    ]
    call(client, "post", f"{base}/pipelines/{world.doing.pk}/move/", {"after": None})
    assert list(Pipeline.objects.filter(board=world.board).values_list("name", flat=True)) == ["Doing", "To do"]


def test_comments_read_and_added_by_any_member_with_a_write_token(world):
    client = bearer(token_for(world.viewer))
    url = f"/api/v1/boards/{world.board.pk}/cards/{world.cards[0].pk}/comments/"
    assert call(client, "post", url, {"body": "見ました"}).json()["author"] == "vera"
    listed = client.get(url).json()
    assert listed["count"] == 1 and listed["results"][0]["body"] == "見ました"
    assert Comment.objects.get().author == world.viewer


def test_the_openapi_schema_is_served_and_names_every_endpoint():
    response = Client().get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    paths = set(schema["paths"])
    assert "/api/v1/boards/{board_id}/cards/{card_id}/move/" in paths and len(paths) == 9


def test_tokens_page_shows_a_new_token_once_and_keeps_only_its_hash(world, as_user, caplog):
    client = as_user(world.owner)
    caplog.set_level(logging.DEBUG)
    response = client.post("/accounts/tokens/", {"name": "CI", "scope": "write", "expires_in": "30"})
    assert response.status_code == 200 and response["Cache-Control"].count("no-store")
    token = ApiToken.objects.get(user=world.owner)
    raw = response.content.decode().split('id="new-token" class="token" value="')[1].split('"')[0]
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest() and raw not in token.key_hash
    assert token.scope == "write" and timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)
    assert bearer(raw).get("/api/v1/boards/").status_code == 200
    assert bearer(raw).get(f"/api/v1/boards/{world.other_board.pk}/").status_code == 404
    listing = client.get("/accounts/tokens/").content.decode()
    assert raw not in listing and token.prefix in listing and "CI" in listing
    # Someone else cannot revoke it; its owner can, and then it authenticates nothing.
    assert as_user(world.stranger).post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 302
    assert bearer(raw).get("/api/v1/boards/").json()["code"] == "token_revoked"
    assert raw not in caplog.text


def test_a_token_form_with_bad_input_is_refused_with_its_message(world, as_user):
    response = as_user(world.owner).post("/accounts/tokens/", {"name": "", "scope": "admin"})
    assert response.status_code == 400 and not ApiToken.objects.exists()
    assert "Name" in response.content.decode()
    assert as_user(None).get("/accounts/tokens/").status_code == 302

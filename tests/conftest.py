"""Shared fixtures: users in every role, a small board, logged-in clients."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client, override_settings

from board import services
from board.live import broadcast, fragments
from board.models import Board, Card, Pipeline, Role

PASSWORD = "a-long-test-password-1"


@pytest.fixture(scope="session", autouse=True)
def _collected_static(tmp_path_factory):
    """Static files as production and `make run` serve them: collectstatic's hashed, compressed
    copies and manifest, in a directory of this run's own (servers the tests start use it too)."""
    root = tmp_path_factory.mktemp("static")
    before = os.environ.get("STATIC_ROOT")
    os.environ["STATIC_ROOT"] = str(root)
    try:
        with override_settings(STATIC_ROOT=root):
            call_command("collectstatic", interactive=False, verbosity=0)
            yield root
    finally:
        if before is None:
            os.environ.pop("STATIC_ROOT", None)
        else:
            os.environ["STATIC_ROOT"] = before


@pytest.fixture(autouse=True)
def _language_of_no_request():
    """A request's language stays active in its thread (Django's LocaleMiddleware): not into the next test."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_steps_of_earlier_tests():
    """Boards of each test reuse ids and versions of the last one: their kept steps must not."""
    from django.core.cache import caches

    caches["steps"].clear()
    caches["default"].clear()  # and the languages their pages read (board.live.languages)


@pytest.fixture(autouse=True)
def _fresh_channel_layers():
    """Each test gets its own in-memory layer: its queues belong to one event loop."""
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture
def published(monkeypatch) -> list[tuple[int, dict]]:
    """Record what would go to the channel layer (board id, message) instead of sending it."""
    sent: list[tuple[int, dict]] = []
    monkeypatch.setattr(broadcast, "publish", lambda group, message: sent.append((message.get("board"), message)))
    return sent


@pytest.fixture
def card_renders(monkeypatch) -> list[int]:
    """Ids of the cards rendered from the template (not taken from the cache), in order."""
    rendered: list[int] = []
    real = fragments.render_to_string

    def counting(template_name, context=None, *args, **kwargs):
        if template_name == fragments.CARD_PARTIAL:
            rendered.append(context["card"]["id"])
        return real(template_name, context, *args, **kwargs)

    monkeypatch.setattr(fragments, "render_to_string", counting)
    return rendered


def make_user(username: str):
    return get_user_model().objects.create_user(username=username, password=PASSWORD)


@dataclass
class World:
    owner: object
    editor: object
    viewer: object
    stranger: object
    board: Board
    todo: Pipeline
    doing: Pipeline
    cards: list[Card]
    other_board: Board
    other_pipeline: Pipeline
    other_card: Card


@pytest.fixture
def world(db) -> World:
    """A board owned by `owner` with an editor and a viewer; a stranger owns another board."""
    owner, editor, viewer, stranger = (make_user(n) for n in ("olive", "eddie", "vera", "stan"))
    board = services.board_create(owner=owner, name="Roadmap")
    todo = services.pipeline_create(board=board, name="To do", actor=owner)
    doing = services.pipeline_create(board=board, name="Doing", actor=owner)
    cards = [services.card_create(pipeline=todo, title=f"Card {i}", actor=owner) for i in range(3)]
    services.member_add(board=board, username="eddie", role=Role.EDITOR, actor=owner)
    services.member_add(board=board, username="vera", role=Role.VIEWER, actor=owner)
    other_board = services.board_create(owner=stranger, name="Secret plans")
    other_pipeline = services.pipeline_create(board=other_board, name="Hidden", actor=stranger)
    other_card = services.card_create(pipeline=other_pipeline, title="Do not leak", actor=stranger)
    board.refresh_from_db()
    return World(owner, editor, viewer, stranger, board, todo, doing, cards, other_board, other_pipeline, other_card)


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def as_user():
    """as_user(user, htmx=True) -> a test client logged in as `user` (None: anonymous)."""

    def make(user, *, htmx: bool = False) -> Client:
        client = client_for(user)
        if htmx:
            client.defaults["HTTP_HX_REQUEST"] = "true"
        return client

    return make


def positions(pipeline: Pipeline) -> list[tuple[int, int]]:
    return list(Card.objects.filter(pipeline=pipeline).order_by("position").values_list("id", "position"))

"""Every URL a page or fragment carries is a real one (`{% url ... as x %}` would hide a typo as "")."""

from __future__ import annotations

import re

import pytest
from django.urls import resolve, reverse

from board import services

URL_ATTRIBUTE = re.compile(r'\s(href|action|hx-get|hx-post|formaction|ws-connect|data-[a-z-]*url)="([^"]*)"')


def urls_in(html: str) -> list[tuple[str, str]]:
    return URL_ATTRIBUTE.findall(html)


def check(html: str) -> None:
    found = urls_in(html)
    assert found
    for attribute, url in found:
        assert url, f"empty {attribute}"
        if url.startswith("/") and not url.startswith("/static/") and attribute != "ws-connect":
            resolve(url.split("?")[0])


@pytest.mark.django_db
def test_every_url_on_the_board_page_its_panels_and_its_fragments_resolves(world, as_user):
    services.comment_create(card=world.cards[0], author=world.editor, body="Hello")
    owner = as_user(world.owner)
    board = world.board.pk
    card = world.cards[0].pk
    pages = [
        reverse("board", args=[board]),
        reverse("card", args=[board, card]),
        reverse("card-edit", args=[board, card]),
        reverse("members", args=[board]),
        reverse("card-delete", args=[board, card]),
        reverse("activity", args=[board]),
    ]
    for path in pages:
        response = owner.get(path)
        assert response.status_code == 200, path
        check(response.content.decode())
    page = owner.get(reverse("board", args=[board])).content.decode()
    (socket,) = re.findall(r'ws-connect="([^"?]+)', page)
    assert socket == f"/ws/b/{board}/"
    htmx = as_user(world.owner, htmx=True)
    added = htmx.post(reverse("card-create", args=[board, world.doing.pk]), {"title": "New"})
    assert added.status_code == 200
    check(added.content.decode())
    added = htmx.post(reverse("pipeline-create", args=[board]), {"name": "Later"})
    assert added.status_code == 200
    check(added.content.decode())

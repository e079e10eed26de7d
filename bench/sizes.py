"""Bytes per update: the websocket frame another page receives for a move, a rename, a pipeline add."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from websockets.sync.client import connect

from bench.data import World
from bench.fanout import Mover, ws_url
from bench.web import Browser

SECTION = re.compile(r'<section id="pipeline-(\d+)".*?</section>', re.S)


@dataclass
class Update:
    name: str
    frame: int  # payload bytes of the text frame (daphne does not compress)
    http: int  # bytes of the actor's HTTP answer
    reference: int = 0  # what it is compared with, in bytes
    reference_name: str = ""
    goal: str = ""
    met: bool | None = None


@dataclass
class Sizes:
    updates: list[Update]
    resync: int  # the connect message: the whole board
    page: int  # the board page as GET returns it
    extensions: str  # what daphne answered to a client offering permessage-deflate


def receive(ws, needle: str, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        message = ws.recv(timeout=max(0.01, deadline - time.monotonic()))
        if needle in message:
            return message


def drain(ws, quiet: float = 1.0) -> None:
    while True:
        try:
            ws.recv(timeout=quiet)
        except TimeoutError:
            return


def pipelines_in_page(page: str, ids: list[int]) -> int:
    """Bytes of those pipelines' sections as the board page shows them."""
    found = {int(m.group(1)): len(m.group(0).encode()) for m in SECTION.finditer(page)}
    return sum(found[i] for i in ids)


def measure(base_url: str, world: World) -> Sizes:
    from board.models import Card

    layout = world.sizes
    actor = Browser(base_url, world.owner_cookie)
    path = f"/b/{layout.board_id}/"
    headers = {"Cookie": world.observer_cookie, "Origin": base_url}
    with connect(ws_url(base_url, f"/ws{path}"), additional_headers=headers, proxy=None, max_size=2**24) as ws:
        extensions = ws.response.headers.get("Sec-WebSocket-Extensions", "") or "none"
        resync = len(ws.recv(timeout=10).encode())
        drain(ws)
        updates = []

        mover = Mover(base_url, world.owner_cookie, layout)
        _, body, _, touched = mover.move()
        frame = receive(ws, f'id="pipeline-{touched[1]}"')
        mover.browser.close()
        status, page = actor.get(path)
        two = pipelines_in_page(page, touched)
        move = Update(
            "card move (2 pipelines)", len(frame.encode()), len(body.encode()), two, "the 2 pipelines in the page"
        )
        move.goal, move.met = "<= 2x", move.frame <= 2 * two
        updates.append(move)

        card = Card.objects.get(pk=layout.cards[layout.pipelines[0]][0])
        data = {"title": card.title + " (renamed)", "description": card.description, "version": card.version}
        status, body, _ = actor.post(f"{path}c/{card.pk}/edit/", data)
        if status != 200:
            raise RuntimeError(f"rename answered {status}: {body[:300]}")
        frame = receive(ws, f'id="card-{card.pk}"')
        rename = Update("card rename", len(frame.encode()), len(body.encode()), 1536, "1.5 KB")
        rename.goal, rename.met = "<= 1.5 KB", rename.frame <= 1536
        updates.append(rename)

        status, body, _ = actor.post(f"{path}pipelines/add/", {"name": "Added by the bench"})
        if status != 200:
            raise RuntimeError(f"pipeline add answered {status}: {body[:300]}")
        frame = receive(ws, 'id="pipelines"')
        updates.append(Update("pipeline add (whole strip)", len(frame.encode()), len(body.encode())))
    actor.close()
    return Sizes(updates, resync, len(page.encode()), extensions)

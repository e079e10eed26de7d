"""Bytes per update: the websocket frame another page receives for a move, a rename, a pipeline add."""

from __future__ import annotations

import time
from dataclasses import dataclass

from websockets.sync.client import connect

from bench.data import World
from bench.fanout import SHOWN, VERSION, Mover, ws_url
from bench.web import Browser


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


MOVE_GOAL = 1024  # bytes a move may cost each watcher, whatever the pipeline's length
EDIT_GOAL = 1024  # a small edit, too (a rename)


def move_frame(base_url: str, world: World, layout, label: str) -> Update:
    """A card move on `layout`'s board, as another member's page receives it."""
    path = f"/ws/b/{layout.board_id}/"
    headers = {"Cookie": world.observer_cookie, "Origin": base_url}
    with connect(ws_url(base_url, path), additional_headers=headers, proxy=None, max_size=2**24) as ws:
        ws.recv(timeout=10)
        drain(ws)
        mover = Mover(base_url, world.owner_cookie, layout)
        version, body, _, _ = mover.move()
        frame = receive(ws, f'data-step="{version}"')
        mover.browser.close()
    update = Update(label, len(frame.encode()), len(body.encode()), MOVE_GOAL, "1 KB")
    update.goal, update.met = "<= 1 KB", update.frame <= MOVE_GOAL
    return update


RESUME_GOAL = 8 * 1024  # a 5-second drop during which 3 cards moved


def first_message(base_url: str, world: World, board_id: int, shown: str) -> str:
    headers = {"Cookie": world.observer_cookie, "Origin": base_url}
    url = ws_url(base_url, f"/ws/b/{board_id}/?v={shown}")
    with connect(url, additional_headers=headers, proxy=None, max_size=2**24) as ws:
        return ws.recv(timeout=10)


def reconnects(base_url: str, world: World, page: str) -> list[Update]:
    """What a page's socket is sent when it opens after the page loaded, and after missing 3 moves."""
    layout = world.sizes
    shown = SHOWN.search(page).group(1)
    first = first_message(base_url, world, layout.board_id, shown)
    opened = Update("connect after loading the page (who is here)", len(first.encode()), 0)
    opened.goal, opened.met = "nothing the page has", "data-step" not in first
    mover = Mover(base_url, world.owner_cookie, layout)
    for _ in range(3):  # while the page's socket is down
        version, _, _, _ = mover.move()
    mover.browser.close()
    resumed = first_message(base_url, world, layout.board_id, shown)
    resume = Update("reconnect after 3 moves (resume)", len(resumed.encode()), 0, RESUME_GOAL, "8 KB")
    resume.goal = "<= 8 KB, 3 steps"
    resume.met = resume.frame <= RESUME_GOAL and resumed.count("<template data-step=") == 3
    return [opened, resume]


def measure(base_url: str, world: World) -> Sizes:
    from board.models import Card

    layout = world.sizes
    actor = Browser(base_url, world.owner_cookie)
    path = f"/b/{layout.board_id}/"
    updates = [
        move_frame(base_url, world, world.sizes, "card move (pipelines of 25)"),
        move_frame(base_url, world, world.long, "card move (pipelines of 500)"),
    ]
    headers = {"Cookie": world.observer_cookie, "Origin": base_url}
    with connect(ws_url(base_url, f"/ws{path}"), additional_headers=headers, proxy=None, max_size=2**24) as ws:
        extensions = ws.response.headers.get("Sec-WebSocket-Extensions", "") or "none"
        resync = len(ws.recv(timeout=10).encode())
        drain(ws)

        def post(name: str, url: str, data: dict, goal: int | None) -> None:
            status, body, _ = actor.post(url, data)
            if status != 200:
                raise RuntimeError(f"{name} answered {status}: {body[:300]}")
            version = VERSION.search(body).group(1)
            frame = receive(ws, f'data-step="{version}"')
            update = Update(name, len(frame.encode()), len(body.encode()))
            if goal:
                update.reference, update.reference_name = goal, f"{goal / 1024:g} KB"
                update.goal, update.met = f"<= {goal / 1024:g} KB", update.frame <= goal
            updates.append(update)

        first, second = layout.pipelines[:2]
        post("pipeline move", f"{path}p/{second}/move/", {"after": "", "before": first}, MOVE_GOAL)
        card = Card.objects.get(pk=layout.cards[layout.pipelines[0]][0])
        data = {"title": card.title + " (renamed)", "description": card.description, "version": card.version}
        post("card rename", f"{path}c/{card.pk}/edit/", data, EDIT_GOAL)
        post("pipeline rename", f"{path}p/{first}/rename/", {"name": "Renamed by the bench"}, EDIT_GOAL)
        post("pipeline add (empty)", f"{path}pipelines/add/", {"name": "Added by the bench"}, None)
        status, page = actor.get(path)
    updates += reconnects(base_url, world, page)
    actor.close()
    return Sizes(updates, resync, len(page.encode()), extensions)

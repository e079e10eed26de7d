"""Render-once fragments and their broadcast to every open page of a board.

A write renders the fragments it changed once, inside its transaction and under the
board's row lock (so the bytes match the version they carry), and sends them through
the channel layer after commit. Each process subscribes one channel per process to the
groups of the boards its sockets show, and fans the same bytes out to those sockets
itself: a channel-layer hop per socket costs 7-11x the floor at 1000 sockets. The
writer's own process fans out at once, without waiting for the layer to bring the
change back.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import re
import time
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from board.models import Board, Pipeline

log = logging.getLogger("board.live")

# Close codes a board socket can end with (documented in the README).
CLOSE_NOT_LOGGED_IN = 4401
CLOSE_FORBIDDEN = 4403  # not a member, or removed from the board
CLOSE_BOARD_GONE = 4404  # no such board, or it was deleted
CLOSE_CLIENT_MESSAGE = 4400  # clients send nothing: the socket only broadcasts
CLOSE_ROLE_CHANGED = 4009  # the page reloads to show the controls of the new role
CLOSE_TOO_BIG = 1009

PAGE_HEADER = "HTTP_X_LIVEBOARD_PAGE"
PAGE_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
FRAGMENTS = "board/board.html"

# The page (tab) whose request is being served: its own socket is not sent the change,
# which it already has from its HTTP response.
_origin: ContextVar[str] = ContextVar("liveboard_origin", default="")
# Fragments rendered by writes inside `capture()`: the HTTP answer reuses those bytes.
_captured: ContextVar[list[str] | None] = ContextVar("liveboard_captured", default=None)
# The event loop of the server serving this request (set by project/asgi.py's handler):
# a write hands its broadcast to it directly.
serving_loop: ContextVar[asyncio.AbstractEventLoop | None] = ContextVar("liveboard_loop", default=None)


def current_page() -> str:
    """The open page (tab) this request came from, if it said."""
    return _origin.get()


try:  # CPython: str.encode copies a string's cached UTF-8 form instead of encoding it again
    _cache_utf8 = ctypes.pythonapi.PyUnicode_AsUTF8AndSize
    _cache_utf8.argtypes = [ctypes.py_object, ctypes.c_void_p]
    _cache_utf8.restype = ctypes.c_void_p
except AttributeError:  # another interpreter: each send encodes, as without this
    _cache_utf8 = None


def encoded_once(html: str) -> str:
    """The same string, its UTF-8 bytes made once: the server encodes a text frame per socket."""
    if _cache_utf8 is not None and not html.isascii():
        try:
            _cache_utf8(html, None)
        except UnicodeError:  # not encodable: each send fails on it as it would have
            pass
    return html


def group_name(board_id: int) -> str:
    return f"board-{board_id}"


class OriginPageMiddleware:
    """Remember which open page sent this request (header set by the page's htmx)."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        page = request.META.get(PAGE_HEADER, "")
        token = _origin.set(page if PAGE_ID.match(page) else "")
        try:
            return self.get_response(request)
        finally:
            _origin.reset(token)


@dataclass
class Captured:
    fragments: list[str] = field(default_factory=list)

    @property
    def html(self) -> str:
        return "".join(self.fragments)


@contextmanager
def capture() -> Iterator[Captured]:
    """Collect the fragments that writes inside the block render, to answer with them."""
    captured = Captured()
    token = _captured.set(captured.fragments)
    try:
        yield captured
    finally:
        _captured.reset(token)


# --- rendering -------------------------------------------------------------------------


def render_fragments(
    board: Board,
    *,
    cards: Iterable[int] = (),
    pipelines: Iterable[int | Pipeline] = (),
    strip: bool = False,
    header: bool = False,
    comments: Iterable[int] = (),
    removed_comments: Iterable[int] = (),
    activities: Iterable[Any] = (),
    can_edit: bool = True,
    is_owner: bool = True,
    actor_id: int | None = None,
) -> str:
    """Render the named fragments as out-of-band swaps stamped with the board's version.

    `actor_id` marks who made the change, so other pages can flash what changed. `pipelines`
    names pipelines by id, or gives them loaded with their cards in order (`card_list`, see
    selectors.give_cards), as a write that has just locked and placed those cards has them.
    """
    from board import selectors

    context = {
        "board": board,
        "can_edit": can_edit,
        "is_owner": is_owner,
        "oob": True,
        "now": timezone.now(),
        "by": actor_id,
        "csrf_token": "",  # shared by every page: each sends its own token in a header
    }
    parts: list[str] = []
    if header:
        context["members"] = selectors.members(board=board)
        parts.append(render_to_string(f"{FRAGMENTS}#header", context))
    if strip:
        context["pipelines"] = selectors.board_pipelines(board=board, now=context["now"])
        parts.append(render_to_string(f"{FRAGMENTS}#strip", context))
    else:
        given = [p for p in pipelines if isinstance(p, Pipeline)]
        pipeline_ids = sorted({p for p in pipelines if not isinstance(p, Pipeline)})
        for pipeline in given + selectors.pipelines_by_id(board=board, ids=pipeline_ids, now=context["now"]):
            parts.append(render_to_string(f"{FRAGMENTS}#pipeline", {**context, "pipeline": pipeline}))
        card_ids = sorted(set(cards))
        for card in selectors.cards_by_id(board=board, ids=card_ids) if card_ids else ():
            parts.append(render_to_string(f"{FRAGMENTS}#card", {**context, "card": card}))
    for comment in selectors.comments_by_id(board=board, ids=sorted(set(comments))):
        html = render_to_string(f"{FRAGMENTS}#comment", {**context, "comment": comment, "oob": False})
        if comment.edited_at is None:  # new: appended to the thread of any page showing the card
            parts.append(f'<div hx-swap-oob="beforeend:#comments-{comment.card_id}">{html}</div>')
        else:
            parts.append(html.replace("<li ", '<li hx-swap-oob="true" ', 1))
    for comment_id in removed_comments:
        parts.append(f'<li id="comment-{int(comment_id)}" hx-swap-oob="delete"></li>')
    # Each line rendered once: the board's list and the card's history show the same <li>.
    activities = list(activities)
    items = [render_to_string(f"{FRAGMENTS}#activity_items", {**context, "activities": [a]}) for a in activities]
    if items:
        parts.append(f'<div hx-swap-oob="afterbegin:#activity-list">{"".join(reversed(items))}</div>')
        for activity, item in zip(activities, items, strict=True):
            if activity.card_id:
                parts.append(f'<div hx-swap-oob="afterbegin:#history-{activity.card_id}">{item}</div>')
    return "".join(parts)


def render_presence(board_id: int) -> str:
    """Who has the board open now, stamped with the time so an older list never wins."""
    from board import selectors

    people = selectors.online_users(board_id=board_id)
    stamp = int(time.time() * 1000)
    return render_to_string(f"{FRAGMENTS}#presence", {"people": people, "stamp": stamp, "oob": True})


def render_resync(board_id: int) -> tuple[int, str] | None:
    """The whole board (header and strip) as one message, or None if it is gone."""
    with transaction.atomic():
        board = Board.objects.filter(pk=board_id).select_related("owner").first()
        if board is None:
            return None
        return board.version, render_fragments(board, strip=True, header=True)


def render_connect(board_id: int, cached: str) -> str:
    """What a (re)connecting page gets: the whole board, and who is here now."""
    return cached + render_presence(board_id)


def notice(text: str, *, state: str) -> str:
    """A status line swapped into the page's live-status area."""
    return format_html('<div id="live-status" class="live-status" data-state="{}" role="status">{}</div>', state, text)


# --- publishing (any process, any write path) ------------------------------------------------


def changed(board: Board, *, actor_id: int | None = None, **what: Any) -> str:
    """Render what a write changed, now, and broadcast it once the transaction commits.

    `what` names the fragments (see render_fragments): cards, pipelines, strip, header,
    comments, removed_comments, activities.
    """
    if actor_id is None:
        for activity in what.get("activities", ()):
            actor_id = activity.actor_id
    html = render_fragments(board, actor_id=actor_id, **what)
    captured = _captured.get()
    if captured is not None:
        captured.append(html)
    message = {
        "type": "board.fragments",
        "board": board.pk,
        "version": board.version,
        "html": html,
        "origin": _origin.get(),
    }
    transaction.on_commit(lambda: publish(board.pk, message))
    return html


def board_deleted(board_id: int) -> None:
    message = {"type": "board.deleted", "board": board_id}
    transaction.on_commit(lambda: publish(board_id, message))


def member_changed(board_id: int, user_id: int, *, removed: bool) -> None:
    message = {"type": "board.member", "board": board_id, "user": user_id, "removed": removed}
    transaction.on_commit(lambda: publish(board_id, message))


def publish(board_id: int, message: dict[str, Any]) -> None:
    """Send a message to every process showing the board; never fail the write over it."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if loop is not None:
        # Called from code running on an event loop (not the usual sync view thread).
        task = loop.create_task(_send(layer, board_id, message))
        _pending.add(task)
        task.add_done_callback(_pending.discard)
        return
    server = serving_loop.get()
    if server is not None and server.is_running():
        # A request's thread: hand the coroutine to the server's loop and wait for it, as
        # async_to_sync would, without its machinery for sync calls nested in the coroutine.
        asyncio.run_coroutine_threadsafe(_send(layer, board_id, message), server).result()
        return
    async_to_sync(_send)(layer, board_id, message)


_pending: set[asyncio.Task] = set()


async def _send(layer: Any, board_id: int, message: dict[str, Any]) -> None:
    local = _hubs.get(asyncio.get_running_loop())
    if local is not None and board_id in local.boards and message["type"] == "board.fragments":
        # This process's pages first, without the layer's round trip (through Redis, most
        # of a millisecond); the layer carries the change to the other processes meanwhile,
        # and the hub skips its own copy when it comes back. The writer's answer waits for
        # this dispatch: the event loop sends the change to the other pages before it writes
        # the answer, as the two compete for the loop's CPU.
        sending = asyncio.ensure_future(layer.group_send(group_name(board_id), message))
        await local.dispatch(message, own=True)
        try:
            await sending
        except Exception:  # noqa: BLE001 - the write is saved; other processes heal on their version watch
            local.forget_own(board_id, message["version"])
            log.warning("live update for board %s not sent to other processes", board_id, exc_info=True)
        return
    try:
        await layer.group_send(group_name(board_id), message)
    except Exception:  # noqa: BLE001 - the write is saved; pages heal on resync
        log.warning("live update for board %s not sent; pages resync when the layer is back", board_id, exc_info=True)


# --- the process-local fan-out --------------------------------------------------------------


class Socket(Protocol):
    """What the hub needs of an open board page (the consumer)."""

    page: str
    presence_key: str
    user_id: int

    async def deliver(self, version: int, html: str) -> None: ...

    async def end(self, code: int, html: str) -> None: ...


class Hub:
    """One channel-layer subscription per process per board, fanned out to local sockets."""

    REFRESH_SECONDS = 1800  # re-add group memberships well within the layer's group expiry
    HEARTBEAT_SECONDS = 30  # keep presence and edit claims of open pages fresh
    PRESENCE_DELAY = 0.5  # coalesce joins and leaves into one presence broadcast
    CLAIM_GRACE = 5.0  # a page whose socket is gone this long loses its edit claims
    WATCH_SECONDS = 1.0  # how often the versions of the boards shown here are compared
    FANOUT_BATCH = 10  # sockets sent a broadcast between pauses that let the loop run what else is due
    OWN_REMEMBERED = 256  # versions per board sent here first whose copy from the layer is still due

    def __init__(self) -> None:
        self.layer = get_channel_layer()
        self.channel: str | None = None
        self.boards: dict[int, set[Socket]] = {}
        self.healthy = True
        self.tasks: list[asyncio.Task] = []
        self.resync_cache: dict[int, tuple[int, str]] = {}
        self.presence_pending: set[int] = set()
        # The newest version delivered per board, and versions the database had that no
        # broadcast brought (a write from a process that cannot reach this one's layer).
        self.seen: dict[int, int] = {}
        self.behind: dict[int, int] = {}
        self.background: set[asyncio.Task] = set()
        self.membership = asyncio.Lock()
        # One message at a time, in the order they came: the layer's and this process's own.
        self.dispatching = asyncio.Lock()
        # Versions this process's writes sent its pages itself; their copies from the layer are skipped.
        self.own: dict[int, set[int]] = {}

    async def join(self, board_id: int, socket: Socket) -> None:
        # One join or leave at a time: pages open together, and the channel (which a Redis
        # layer subscribes to, an await) and each board's group membership are made once.
        async with self.membership:
            if self.channel is None:
                self.channel = await self.layer.new_channel("hub.")
            sockets = self.boards.get(board_id)
            if sockets is None:
                sockets = self.boards[board_id] = set()
                await self._subscribe(board_id)
            sockets.add(socket)
        if not self.tasks or any(task.done() for task in self.tasks):
            for task in self.tasks:
                task.cancel()
            self.tasks = [
                asyncio.create_task(self._receive_loop()),
                asyncio.create_task(self._refresh_loop()),
                asyncio.create_task(self._heartbeat_loop()),
                asyncio.create_task(self._watch_loop()),
            ]

    async def leave(self, board_id: int, socket: Socket) -> None:
        async with self.membership:
            sockets = self.boards.get(board_id)
            if sockets is None:
                return
            sockets.discard(socket)
            if sockets:
                return
            del self.boards[board_id]
            for per_board in (self.resync_cache, self.seen, self.behind, self.own):
                per_board.pop(board_id, None)
            try:
                await self.layer.group_discard(group_name(board_id), self.channel)
            except Exception:  # noqa: BLE001 - the membership expires by itself
                log.info("could not leave group of board %s", board_id, exc_info=True)

    async def _subscribe(self, board_id: int) -> None:
        try:
            await self.layer.group_add(group_name(board_id), self.channel)
        except Exception:  # noqa: BLE001 - the receive loop re-subscribes and resyncs
            log.warning("channel layer unavailable; board %s will resync when it is back", board_id)
            self.healthy = False

    async def resync_html(self, board_id: int) -> tuple[int, str] | None:
        """The whole board for a (re)connecting page, rendered once per version per process."""
        version = (await database_sync_to_async(_board_versions)([board_id]))[board_id]
        cached = self.resync_cache.get(board_id)
        if version is not None and cached and cached[0] == version:
            return cached
        fresh = await database_sync_to_async(render_resync)(board_id)
        if fresh is not None and board_id in self.boards:
            self.resync_cache[board_id] = fresh
            self.seen[board_id] = max(self.seen.get(board_id, 0), fresh[0])
        return fresh

    async def _receive_loop(self) -> None:
        delay = 0.2
        while True:
            try:
                if not self.healthy:
                    for board_id in list(self.boards):
                        await self.layer.group_add(group_name(board_id), self.channel)
                    self.healthy = True
                    log.info("channel layer back; resyncing %d board(s)", len(self.boards))
                    await self._resync_all()
                message = await self.layer.receive(self.channel)
                delay = 0.2
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - e.g. Redis went away: wait, then heal
                if self.healthy:
                    log.warning("channel layer receive failed; retrying", exc_info=True)
                self.healthy = False
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            try:
                await self.dispatch(message)
            except Exception:  # noqa: BLE001 - one bad message must not stop the fan-out
                log.exception("could not deliver %s", message.get("type"))

    async def _refresh_loop(self) -> None:
        while True:
            await asyncio.sleep(self.REFRESH_SECONDS)
            for board_id in list(self.boards):
                await self._subscribe(board_id)

    async def _watch_loop(self) -> None:
        """Heal pages when the database is ahead of what this process delivered.

        With the in-memory layer, a write from `manage.py shell` or a management command
        happens in another process and reaches no page through the layer; with Redis, a
        publish can fail while receiving works. One query per process per second finds
        both, and the boards that stay behind for a whole beat are sent again.
        """
        while True:
            await asyncio.sleep(self.WATCH_SECONDS)
            if not self.boards:
                continue
            try:
                versions = await database_sync_to_async(_board_versions)(list(self.boards))
            except Exception:  # noqa: BLE001 - tried again at the next beat
                log.warning("could not read board versions", exc_info=True)
                continue
            for board_id, version in versions.items():
                if version is None:  # deleted where no broadcast could tell us
                    await self.dispatch({"type": "board.deleted", "board": board_id})
                elif version <= self.seen.get(board_id, 0):
                    self.behind.pop(board_id, None)
                elif self.behind.get(board_id) == version:
                    self.behind.pop(board_id, None)
                    await self._resync_board(board_id)
                else:
                    self.behind[board_id] = version  # a broadcast may still be on its way

    async def _resync_board(self, board_id: int) -> None:
        self.resync_cache.pop(board_id, None)
        fresh = await self.resync_html(board_id)
        if fresh is None:
            await self.dispatch({"type": "board.deleted", "board": board_id})
            return
        self.seen[board_id] = max(self.seen.get(board_id, 0), fresh[0])
        for socket in list(self.boards.get(board_id, ())):
            await socket.deliver(*fresh)

    async def _heartbeat_loop(self) -> None:
        from board import services

        while True:
            await asyncio.sleep(self.HEARTBEAT_SECONDS)
            pages = [s.presence_key for sockets in self.boards.values() for s in sockets]
            try:
                await database_sync_to_async(services.presence_heartbeat)(pages=pages)
            except Exception:  # noqa: BLE001 - retried at the next beat
                log.warning("presence heartbeat failed", exc_info=True)

    def forget_own(self, board_id: int, version: int) -> None:
        """A version sent here first that the layer will not bring back (its send failed)."""
        self.own.get(board_id, set()).discard(version)

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    def presence_changed(self, board_id: int) -> None:
        """Someone came or went: broadcast who is here, once for a burst of changes."""
        if board_id not in self.presence_pending:
            self.presence_pending.add(board_id)
            self._spawn(self._send_presence(board_id))

    async def _send_presence(self, board_id: int) -> None:
        await asyncio.sleep(self.PRESENCE_DELAY)
        self.presence_pending.discard(board_id)
        try:
            html = await database_sync_to_async(render_presence)(board_id)
            message = {"type": "board.fragments", "board": board_id, "version": 0, "html": html, "origin": ""}
            await self.layer.group_send(group_name(board_id), message)
        except Exception:  # noqa: BLE001 - presence heals at the next join, leave or resync
            log.warning("presence of board %s not sent", board_id, exc_info=True)

    def page_gone(self, page: str) -> None:
        """A page's socket closed: unless it comes back soon, its edit claims end."""
        if page:
            self._spawn(self._end_claims(page))

    async def _end_claims(self, page: str) -> None:
        from board import services

        await asyncio.sleep(self.CLAIM_GRACE)
        if any(s.page == page for sockets in self.boards.values() for s in sockets):
            return  # reconnected to this process meanwhile
        await database_sync_to_async(services.claims_release_page)(page=page)

    async def _resync_all(self) -> None:
        for board_id in list(self.boards):
            await self._resync_board(board_id)

    async def dispatch(self, message: dict[str, Any], *, own: bool = False) -> None:
        """Hand one message to the local sockets of its board, one message at a time.

        `own`: a write of this process, sent here before the layer carries it to the others;
        the copy the layer brings back here is then skipped (a board's version is unique).
        """
        board_id = message.get("board")
        if message.get("type") == "board.fragments" and message.get("version"):
            if own:
                versions = self.own.setdefault(board_id, set())  # type: ignore[arg-type]
                if len(versions) >= self.OWN_REMEMBERED:  # copies the layer never brought back
                    versions.discard(min(versions))
                versions.add(message["version"])
            elif message["version"] in self.own.get(board_id, ()):  # type: ignore[arg-type]
                self.own[board_id].discard(message["version"])  # type: ignore[index]
                return
        async with self.dispatching:
            await self._dispatch(message)

    async def _dispatch(self, message: dict[str, Any]) -> None:
        board_id = message.get("board")
        sockets = list(self.boards.get(board_id, ()))  # type: ignore[arg-type]
        kind = message.get("type")
        if kind == "board.fragments":
            version, html, origin = message["version"], message["html"], message.get("origin") or None
            cached = self.resync_cache.get(board_id)  # type: ignore[arg-type]
            if cached and version > cached[0]:
                # Only a newer board drops the copy: presence lists carry version 0, and a
                # burst of joins would otherwise render the whole board again for each one.
                del self.resync_cache[board_id]  # type: ignore[arg-type]
            self.seen[board_id] = max(self.seen.get(board_id, 0), version)  # type: ignore[index]
            html = encoded_once(html)
            for index, socket in enumerate(sockets, 1):
                if socket.page != origin:
                    await socket.deliver(version, html)
                if index == 1 or index % self.FANOUT_BATCH == 0:
                    # Let the loop run what else is due, and write out whatever a socket's
                    # kernel buffer did not take at once (project/writes.py), while the rest
                    # are served (after the first page at once). At 100 pages, measured
                    # without these pauses the ratio to the floor was 1.55-1.71; with them, 1.42-1.46.
                    await _writes_go_out()
        elif kind == "board.deleted":
            self.resync_cache.pop(board_id, None)  # type: ignore[arg-type]
            html = notice(mark_safe("This board was deleted. <a href='/'>Back to your boards</a>"), state="ended")
            for socket in sockets:
                await socket.end(CLOSE_BOARD_GONE, html)
        elif kind == "board.member":
            for socket in sockets:
                if socket.user_id != message["user"]:
                    continue
                if message["removed"]:
                    text = mark_safe(
                        "You were removed from this board; it no longer updates. <a href='/'>Your boards</a>"
                    )
                    await socket.end(CLOSE_FORBIDDEN, notice(text, state="ended"))
                else:
                    await socket.end(CLOSE_ROLE_CHANGED, notice("Your role changed; reloading…", state="reload"))


async def _writes_go_out() -> None:
    """Yield until the loop has run the socket writes queued so far.

    One `sleep(0)` is not enough: the loop runs the callbacks already due (this task's own
    continuation among them) before those its poll has just found ready (queued socket
    writes), so each batch's queued writes went out only once the next batch was served.
    Two yields let them run in between.
    """
    await asyncio.sleep(0)
    await asyncio.sleep(0)


def _board_versions(board_ids: list[int]) -> dict[int, int | None]:
    found = dict(Board.objects.filter(pk__in=board_ids).values_list("pk", "version"))
    return {board_id: found.get(board_id) for board_id in board_ids}


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def hub() -> Hub:
    """This process's hub (one per event loop: tests run several loops in one process)."""
    loop = asyncio.get_running_loop()
    found = _hubs.get(loop)
    if found is None:
        found = _hubs[loop] = Hub()
    return found

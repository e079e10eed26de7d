"""Presence after a process dies: its pages leave every "here now" list within seconds, not 90.

A daphne killed with kill -9 never says its pages closed. Every live process beats every
few seconds (its own pages stay fresh) and sweeps pages no process keeps fresh, then sends
the boards concerned their people again; a restarted process does the same.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.utils import timezone
from websockets.sync.client import connect

from board import selectors, services
from board.live import presence as live_presence
from board.models import PRESENCE_TTL, Presence
from tests import servers
from tests.test_collaboration import open_socket, receive_presence

pytestmark = pytest.mark.django_db(transaction=True)


def age(page: str, seconds: float) -> None:
    Presence.objects.filter(page=page).update(seen_at=timezone.now() - timedelta(seconds=seconds))


def test_the_ttl_and_the_beat_forget_a_silent_page_within_seconds():
    beat = timedelta(seconds=live_presence.Presence.HEARTBEAT_SECONDS)
    assert PRESENCE_TTL >= 3 * beat  # two missed beats are not yet an absence
    assert PRESENCE_TTL + beat <= timedelta(seconds=15)  # it was 90 s (and nobody swept)


def test_a_sweep_forgets_pages_not_heard_from_and_names_their_boards(world):
    services.presence_join(board_id=world.board.pk, user=world.editor, page="page-eddie-1")
    services.presence_join(board_id=world.board.pk, user=world.viewer, page="page-vera-1")
    services.presence_join(board_id=world.other_board.pk, user=world.stranger, page="page-stan-1")
    age("page-vera-1", PRESENCE_TTL.total_seconds() + 1)
    assert services.presence_sweep() == {world.board.pk}
    assert selectors.online_users(board_id=world.board.pk) == ([world.editor], 1)
    assert not Presence.objects.filter(page="page-vera-1").exists()
    assert services.presence_sweep() == set()


def test_a_beat_keeps_its_pages_sweeps_others_and_restores_its_own_swept_rows(world):
    services.presence_join(board_id=world.board.pk, user=world.editor, page="page-eddie-1")
    services.presence_join(board_id=world.board.pk, user=world.viewer, page="page-ghost-1")  # a dead process's
    age("page-eddie-1", PRESENCE_TTL.total_seconds() - 1)
    age("page-ghost-1", PRESENCE_TTL.total_seconds() + 1)
    ours = [(world.board.pk, world.editor.pk, "page-eddie-1")]
    assert live_presence.Presence.beat(ours, claims=False) == {world.board.pk}  # the ghost went
    assert selectors.online_users(board_id=world.board.pk) == ([world.editor], 1)
    # This process could not beat for a while (its database away): the others swept its page.
    Presence.objects.all().delete()
    assert live_presence.Presence.beat(ours, claims=False) == {world.board.pk}
    assert selectors.online_users(board_id=world.board.pk) == ([world.editor], 1)
    assert live_presence.Presence.beat(ours, claims=False) == set()  # nothing changed
    assert Presence.objects.count() == 1


def test_open_pages_are_sent_the_list_without_the_ghost_after_a_beat(world, monkeypatch):
    monkeypatch.setattr(live_presence.Presence, "HEARTBEAT_SECONDS", 0.2)
    # A page of a process that died: still fresh for one more second, then nobody keeps it.
    services.presence_join(board_id=world.board.pk, user=world.viewer, page="page-ghost-1")
    age("page-ghost-1", PRESENCE_TTL.total_seconds() - 1)

    async def scenario():
        watcher, first = await open_socket(world.board.pk, world.owner, page="ownerpage01")
        assert 'title="vera has the board open"' in first
        started = time.monotonic()
        html = await receive_presence(watcher, timeout=5)
        while "vera" in html:
            html = await receive_presence(watcher, timeout=5)
        assert time.monotonic() - started < 3
        assert 'title="olive has the board open"' in html  # the watcher itself stays
        await watcher.disconnect()
        await asyncio.sleep(0)

    async_to_sync(scenario)()


def test_pages_of_a_daphne_killed_with_kill_9_leave_the_list_of_its_successors_pages(world):
    cookie_editor, cookie_owner = servers.session_cookie(world.editor), servers.session_cookie(world.owner)
    with (
        servers.daphne_process() as (dead_url, dead),
        connect(
            servers.ws_url(dead_url, world.board.pk, "editorpage01"),
            additional_headers={"Cookie": cookie_editor, "Origin": dead_url},
            open_timeout=10,
            max_size=2**22,
        ) as ghost,
    ):
        ghost.recv(timeout=10)
        assert selectors.online_users(board_id=world.board.pk) == ([world.editor], 1)
        os.kill(dead.pid, signal.SIGKILL)
        dead.wait(timeout=10)
        killed = time.monotonic()
    with servers.daphne() as base_url:
        with connect(
            servers.ws_url(base_url, world.board.pk, "ownerpage01"),
            additional_headers={"Cookie": cookie_owner, "Origin": base_url},
            open_timeout=10,
            max_size=2**22,
        ) as page:
            first = page.recv(timeout=10)
            assert 'title="eddie has the board open"' in first  # the ghost, as the dead process left it
            while True:
                html = page.recv(timeout=max(0.1, 25 - (time.monotonic() - killed)))
                if 'id="presence"' in html and "eddie" not in html:
                    break
            gone_after = time.monotonic() - killed
            assert selectors.online_users(board_id=world.board.pk) == ([world.owner], 1)  # while its page is open
    print(f"ghost gone {gone_after:.1f} s after kill -9")
    limit = (PRESENCE_TTL + timedelta(seconds=2 * live_presence.Presence.HEARTBEAT_SECONDS)).total_seconds()
    assert gone_after < limit, f"the ghost stayed {gone_after:.1f} s"

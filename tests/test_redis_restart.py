"""Redis killed and restarted during a burst of writes: no write lost, every page converged within 10 s.

The test runs its own redis-server (free port, nothing on disk) so that killing it disturbs nobody
else, and two daphne processes on it; writes go to both processes in turn while pages on both watch.
"""

from __future__ import annotations

import os
import signal
import time
import urllib.request
from contextlib import ExitStack

import pytest

from board.models import Card
from tests import servers
from tests.live_pages import LivePage, converged, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

WRITES = 60
KILL_AT, BACK_AT = 20, 40  # Redis is away while these writes are made


def board_page(base_url: str, board_id: int, cookie: str) -> str:
    request = urllib.request.Request(f"{base_url}/b/{board_id}/", headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=20) as response:
        return response.read().decode()


def test_a_redis_restart_during_a_burst_of_writes_loses_none_and_every_page_converges(world, tmp_path):
    board = world.board
    cookies = [servers.session_cookie(world.owner), servers.session_cookie(world.editor)]
    redis = servers.RedisServer()
    redis.start()
    with ExitStack() as stack:
        stack.callback(redis.stop)
        processes = [stack.enter_context(servers.daphne(redis_url=redis.url)) for _ in range(2)]
        pages = []
        for base_url in processes:
            for cookie in cookies:
                page = LivePage(board_page(base_url, board.pk, cookie), origin=base_url, headers={"Cookie": cookie})
                stack.callback(page.close)
                page.wait_open()
                pages.append(page)

        answers, added = [], []
        for i in range(WRITES):
            if i == KILL_AT:
                os.kill(redis.process.pid, signal.SIGKILL)
                redis.process.wait(timeout=10)
                redis.process = None
            if i == BACK_AT:
                # Without Redis each process still notices the versions its pages missed.
                outage = wait_until(converged(pages, board), timeout=10, what="every page converged without Redis")
                redis.start()  # empty: the kept steps are gone too
                back = time.monotonic()
            base_url = processes[i % 2]
            if i % 3 == 0:
                title = f"Burst {i}"
                path, data = f"/b/{board.pk}/p/{world.todo.pk}/cards/add/", {"title": title}
                added.append(title)
            else:
                card = world.cards[i % len(world.cards)]
                target = world.doing if i % 2 else world.todo
                path, data = f"/b/{board.pk}/c/{card.pk}/move/", {"pipeline": str(target.pk), "after": ""}
            answers.append(servers.post(base_url, path, data, cookie=cookies[i % 2])[0])
            time.sleep(0.03)
        last_write = time.monotonic()

        assert answers == [200] * WRITES  # every write was taken, Redis or not
        saved = set(Card.objects.filter(board=board, title__startswith="Burst ").values_list("title", flat=True))
        assert saved == set(added)  # and kept
        wait_until(converged(pages, board), timeout=10, what="every page converged after the Redis restart")
        took = time.monotonic() - last_write
        print(
            f"Redis restart mid-burst: {WRITES} writes, 0 lost; every page converged {took:.2f} s after the last write "
            f"({time.monotonic() - back:.2f} s after Redis came back); while it was away, {outage:.2f} s after a write"
        )

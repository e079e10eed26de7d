"""The production topology of deploy/, started on this machine and driven as browsers drive it.

nginx (the site of deploy/nginx, a self-signed certificate) terminates TLS in front of two daphne
processes started with liveboard@.service's options and deploy/liveboard.env.example's settings, on
PostgreSQL and Redis. People log in through the form over https, open the board over wss, move cards
and see each other's moves across the two processes; one daphne is killed with kill -9 and its pages
reconnect through nginx to the other and converge, with a write made during the outage.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from pathlib import Path

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from bench.procs import free_port
from board.models import Card
from tests import proxy, servers
from tests.conftest import PASSWORD
from tests.live_pages import LivePage, converged, wait_until

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.redis,
    pytest.mark.skipif(proxy.NGINX is None, reason="nginx is not installed (apt-get install -y nginx; CI installs it)"),
    pytest.mark.skipif(
        not (os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL")),
        reason="the production topology needs DATABASE_URL (PostgreSQL) and REDIS_URL (CI's second run sets them)",
    ),
]


def production_env(static_root: Path) -> dict[str, str]:
    """deploy/liveboard.env.example as an operator fills it in, for this machine."""
    env = proxy.env_file()
    del env["DATABASE_URL"], env["REDIS_URL"]  # this test run's own (tests.servers)
    env.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=proxy.DOMAIN,
        STATIC_ROOT=str(static_root),
        FAST_PASSWORD_HASHING="1",  # the test's users have fast hashes
    )
    return env


class Daphne:
    def __init__(self, stack: ExitStack, directory: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        self.log = directory / f"daphne-{self.port}.log"
        options = (*proxy.unit_daphne_args(), "--access-log", str(self.log))
        _, self.process = stack.enter_context(
            servers.daphne_process(redis_url=os.environ["REDIS_URL"], port=self.port, extra=env, args=options)
        )

    def served(self, pattern: str) -> bool:
        return self.log.exists() and re.search(pattern, self.log.read_text()) is not None


def daphne_of(page: LivePage, daphnes: list[Daphne]) -> Daphne:
    """The process serving a page's socket: the one whose log has its connection (the client's port)."""
    pattern = rf":{page.local_port} - - .*WSCONNECT {re.escape(page.path)}"
    found: list[Daphne] = []
    wait_until(lambda: bool(found.extend(d for d in daphnes if d.served(pattern)) or found), timeout=5, what="log")
    assert len(found) == 1
    return found[0]


def test_nginx_tls_two_daphnes_postgresql_redis_and_a_kill_9(world, tmp_path, _collected_static):
    board = world.board
    with ExitStack() as stack:
        env = production_env(_collected_static)
        daphnes = [Daphne(stack, tmp_path, env), Daphne(stack, tmp_path, env)]
        site = stack.enter_context(
            proxy.nginx(tmp_path, daphnes=[f"127.0.0.1:{d.port}" for d in daphnes], static_root=_collected_static)
        )

        # Plain http is sent to https; the login form works over https, its CSRF check included.
        with pytest.raises(urllib.error.HTTPError) as redirected:
            urllib.request.build_opener(proxy._NoRedirect()).open(site.http + "/accounts/login/", timeout=10)
        assert redirected.value.code == 301 and redirected.value.headers["Location"].startswith("https://localhost")
        people = {}
        for user in (world.owner, world.editor):
            browser = proxy.Browser(site)
            status, headers = browser.log_in(user.username, PASSWORD)
            assert (status, headers.get("Location")) == (302, "/"), headers
            assert all(c.secure for c in browser.cookies if c.name == "sessionid")
            people[user.username] = browser
        wrong = proxy.Browser(site)
        assert wrong.log_in(world.owner.username, "not the password")[0] == 200  # the form again, with its message
        # The client's address as nginx saw it reaches daphne (the login throttle counts per address),
        # whatever X-Forwarded-For the client sends itself.
        assert wrong.request("/accounts/login/?spoofed", headers={"X-Forwarded-For": "203.0.113.9"})[0] == 200
        wait_until(lambda: any(d.served(r"/accounts/login/\?spoofed") for d in daphnes), timeout=5, what="logged")
        assert not any(d.served("203.0.113.9") for d in daphnes)

        # Django saw https (X-Forwarded-Proto): no redirect loop, HSTS sent; nginx serves the static files.
        owner = people[world.owner.username]
        status, headers, html = owner.request(f"/b/{board.pk}/")
        assert status == 200 and "max-age=31536000" in headers["Strict-Transport-Security"]
        script = re.search(r'src="(/static/board\.[0-9a-f]{12}\.js)"', html).group(1)
        status, headers, body = owner.request(script)
        assert status == 200 and "2037" in headers["Expires"] and "htmx" in body

        # A socket from another origin is refused through the proxy too.
        with pytest.raises(InvalidStatus) as refused:
            connect(
                site.https.replace("https", "wss") + f"/ws/b/{board.pk}/",
                ssl=site.ssl_context(),
                additional_headers={"Cookie": owner.cookie_header(), "Origin": "https://evil.example"},
                open_timeout=10,
            )
        assert refused.value.response.status_code == 403

        # Four pages, two each; their sockets alternate between the two processes (round robin).
        htmls = [(b, b.request(f"/b/{board.pk}/")[2]) for b in people.values() for _ in range(2)]
        pages = []
        for browser, html in htmls:
            cookie = {"Cookie": browser.cookie_header()}
            page = LivePage(html, origin=site.https, headers=cookie, ssl=site.ssl_context())
            stack.callback(page.close)
            page.wait_open()
            pages.append(page)
        on = {id(p): daphne_of(p, daphnes) for p in pages}
        assert {d.port for d in on.values()} == {d.port for d in daphnes}, "every process serves a page"

        def write(page: LivePage, path: str, data: dict[str, str]) -> str:
            """What the page's script posts, with its CSRF token and its page id; the answer applied."""
            status, _, answer = people_of[id(page)].request(
                path, data, headers={"HX-Request": "true", "X-CSRFToken": page.csrf, "X-LiveBoard-Page": page.page_id}
            )
            assert status == 200, answer[:300]
            page.receive(answer)
            return answer

        people_of = {id(page): browser for page, (browser, _) in zip(pages, htmls, strict=True)}
        # A move from a page: the process that served it and the other one both deliver it.
        mover = pages[0]
        card = world.cards[0]
        write(mover, f"/b/{board.pk}/c/{card.pk}/move/", {"pipeline": str(world.doing.pk), "after": ""})
        served = next(d for d in daphnes if d.served(rf'"POST /b/{board.pk}/c/{card.pk}/move/" 200'))
        elsewhere = [p for p in pages if on[id(p)] is not served]
        assert elsewhere, "a page is connected through the other process"
        wait_until(converged(pages, board), timeout=5, what="every page shows the move")

        # kill -9 one process; a write right away (nginx passes it to the survivor) is not lost.
        victim = on[id(pages[0])]
        survivor = next(d for d in daphnes if d is not victim)
        orphans = [p for p in pages if on[id(p)] is victim]
        before = {id(p): p.connects for p in pages}
        os.kill(victim.process.pid, signal.SIGKILL)
        victim.process.wait(timeout=10)
        killed = time.monotonic()
        write(orphans[0], f"/b/{board.pk}/p/{world.todo.pk}/cards/add/", {"title": "Written during the outage"})
        moved = world.cards[1]
        write(orphans[-1], f"/b/{board.pk}/c/{moved.pk}/move/", {"pipeline": str(world.doing.pk), "after": ""})
        assert Card.objects.filter(board=board, title="Written during the outage").exists()

        wait_until(converged(pages, board), timeout=10, what="every page converged after kill -9")
        took = time.monotonic() - killed
        assert all(p.connects == before[id(p)] + 1 for p in orphans)  # they reconnected ...
        for page in orphans:  # ... through nginx to the survivor
            assert daphne_of(page, [survivor]) is survivor
        assert all(p.connects == before[id(p)] for p in pages if p not in orphans)  # the others never dropped
        print(f"kill -9 to every page converged through nginx: {took:.2f} s ({len(orphans)} of 4 pages reconnected)")
        assert "Connection refused) while connecting to upstream" in site.log()  # nginx did fail over
        assert "[emerg]" not in site.log() and "[crit]" not in site.log()

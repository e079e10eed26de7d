"""The websocket Origin check: scheme, host and port of the deployment's own origins, or listed ones."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.core.exceptions import ImproperlyConfigured

from board.live.same_origin import SameOriginMiddleware, parse_origin
from project.asgi import application
from tests.test_consumers import session_cookie


def handshake(middleware: SameOriginMiddleware, *, origin: str | None, host: str | None, scheme: str = "ws", **extra):
    """Run one handshake through the middleware; return whether it reached the app, and what was sent."""
    reached: list[dict] = []
    sent: list[dict] = []

    async def inner(scope, receive, send):
        reached.append(scope)

    headers = [(b"origin", origin.encode())] if origin is not None else []
    if host is not None:
        headers.append((b"host", host.encode()))
    headers += [(k.encode(), v.encode()) for k, v in extra.items()]
    scope = {"type": "websocket", "path": "/ws/b/1/", "scheme": scheme, "headers": headers}

    async def receive():
        return {"type": "websocket.connect"}

    async def send(message):
        sent.append(message)

    middleware.inner = inner
    async_to_sync(middleware)(scope, receive, send)
    return bool(reached), sent


@pytest.fixture
def check(settings):
    settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1", "[::1]", "board.example.com"]
    settings.SECURE_PROXY_SSL_HEADER = None

    def accepted(origin: str | None, host: str | None, *, listed: tuple[str, ...] = (), **kwargs) -> bool:
        return handshake(SameOriginMiddleware(None, origins=listed), origin=origin, host=host, **kwargs)[0]

    return accepted


def test_the_origin_the_socket_was_opened_on_is_accepted(check):
    assert check("http://testserver", "testserver")
    assert check("http://127.0.0.1:8000", "127.0.0.1:8000")
    assert check("http://testserver:80", "testserver")  # default ports are the same origin
    assert check("https://board.example.com", "board.example.com", scheme="wss")
    assert check("http://[::1]:8000", "[::1]:8000")
    assert check("HTTP://TestServer", "testserver")  # scheme and host are case-insensitive


def test_another_port_or_scheme_of_the_same_host_is_refused(check):
    assert not check("http://127.0.0.1:1", "127.0.0.1:8000")
    assert not check("http://127.0.0.1", "127.0.0.1:8000")
    assert not check("https://127.0.0.1", "127.0.0.1")  # socket opened over plain ws
    assert not check("http://board.example.com", "board.example.com", scheme="wss")
    assert not check("https://testserver:8000", "testserver:8000")


def test_another_host_or_no_proper_origin_is_refused(check):
    assert not check("http://evil.example", "testserver")
    assert not check("http://evil.example", "evil.example")  # DNS rebinding: not one of ALLOWED_HOSTS
    assert not check(None, "testserver")
    assert not check("null", "testserver")
    assert not check("http://testserver/page", "testserver")
    assert not check("http://user@testserver", "testserver")
    assert not check("ws://testserver", "testserver")
    assert not check("http://testserver", None)  # no Host: no origin of ours to compare with
    assert not check("http://testserver:99999", "testserver:99999")


def test_listed_origins_serve_pages_through_a_proxy(check):
    proxy = ("https://board.example.com",)
    assert check("https://board.example.com", "127.0.0.1:8001", listed=proxy)
    assert check("https://board.example.com:443", "127.0.0.1:8001", listed=proxy)
    assert not check("https://board.example.com:8443", "127.0.0.1:8001", listed=proxy)
    assert not check("http://board.example.com", "127.0.0.1:8001", listed=proxy)


def test_a_tls_proxy_header_sets_the_scheme_as_django_trusts_it(check, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert check("https://board.example.com", "board.example.com", **{"x-forwarded-proto": "https"})
    assert not check("http://board.example.com", "board.example.com", **{"x-forwarded-proto": "https"})
    assert check("http://board.example.com", "board.example.com", **{"x-forwarded-proto": "http"})
    assert not check("https://board.example.com", "board.example.com")  # no header: the socket's own scheme


def test_a_refused_handshake_is_closed_before_it_is_accepted_and_never_reaches_the_board(settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    reached, sent = handshake(SameOriginMiddleware(None, origins=()), origin="http://testserver:1", host="testserver")
    assert not reached
    assert sent == [{"type": "websocket.close"}]


def test_a_listed_origin_that_is_no_origin_stops_the_server_starting():
    with pytest.raises(ImproperlyConfigured, match="board.example.com/path"):
        SameOriginMiddleware(None, origins=["https://board.example.com/path"])
    assert parse_origin("https://board.example.com") == ("https", "board.example.com", 443)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("origin", ["http://testserver:1", "https://testserver", "http://testserver.evil.example"])
def test_the_board_socket_refuses_cross_origin_handshakes(world, origin):
    """Through the whole ASGI stack, as the black-box test opened them: no socket, no board sent."""
    cookie = session_cookie(world.owner)
    headers = [(b"host", b"testserver"), (b"origin", origin.encode()), (b"cookie", cookie)]

    async def scenario():
        communicator = WebsocketCommunicator(application, f"/ws/b/{world.board.pk}/", headers=headers)
        connected, _ = await communicator.connect()
        assert not connected

    async_to_sync(scenario)()


@pytest.mark.django_db(transaction=True)
def test_daphne_answers_a_cross_origin_upgrade_with_403_and_serves_its_own_origin(world):
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    from tests import servers

    cookie = servers.session_cookie(world.owner)
    with servers.daphne() as base_url:
        url = servers.ws_url(base_url, world.board.pk, "")
        port = base_url.rsplit(":", 1)[1]
        for origin in ("http://127.0.0.1:1", "https://127.0.0.1:" + port, "http://localhost:" + port):
            with pytest.raises(InvalidStatus) as refused:
                connect(url, additional_headers={"Cookie": cookie, "Origin": origin}, open_timeout=10)
            assert refused.value.response.status_code == 403
        with connect(url, additional_headers={"Cookie": cookie, "Origin": base_url}, open_timeout=10) as ws:
            assert 'id="pipelines"' in ws.recv(timeout=10)

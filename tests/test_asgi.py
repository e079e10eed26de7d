"""The ASGI entry point's process setup."""

from __future__ import annotations

import platform
import threading

import pytest

from project.asgi import map_large_buffers


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="a glibc setting")
def test_large_buffers_get_their_own_mappings_on_glibc():
    assert map_large_buffers() is True


def test_an_explicit_malloc_setting_is_left_alone(monkeypatch):
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "131072")
    assert map_large_buffers() is False


def _get(path: str = "/accounts/login/"):
    from asgiref.sync import async_to_sync
    from channels.testing import HttpCommunicator

    from project.asgi import application

    communicator = HttpCommunicator(application, "GET", path, headers=[(b"host", b"testserver")])
    return async_to_sync(communicator.get_response)()


def test_a_request_runs_its_signals_and_view_on_one_lane_thread(monkeypatch):
    from django.core import signals

    from project.asgi import SyncChainASGIHandler

    seen = []
    original = SyncChainASGIHandler.get_response

    def view_chain(self, request):
        seen.append(("view", threading.current_thread()))
        return original(self, request)

    def started(**kwargs):
        seen.append(("started", threading.current_thread()))

    def finished(**kwargs):
        seen.append(("finished", threading.current_thread()))

    monkeypatch.setattr(SyncChainASGIHandler, "get_response", view_chain)
    signals.request_started.connect(started)
    signals.request_finished.connect(finished)
    try:
        response = _get()
    finally:
        signals.request_started.disconnect(started)
        signals.request_finished.disconnect(finished)
    assert response["status"] == 200 and b'name="password"' in response["body"]
    assert [what for what, _ in seen] == ["started", "view", "finished"]
    threads = {thread for _, thread in seen}
    assert len(threads) == 1 and threads.pop().name.startswith("http-lane-")


@pytest.mark.django_db(transaction=True)
def test_requests_one_after_another_reuse_a_lane_and_its_database_connection():
    from django.core import signals
    from django.db import connection

    from project.asgi import django_asgi_app

    seen = []

    def query(**kwargs):  # as a view would: the lane's thread uses the database
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")

    def finished(**kwargs):  # after Django's own receiver, which closes connections it should
        seen.append((threading.current_thread(), connection.connection))

    signals.request_started.connect(query)
    signals.request_finished.connect(finished)
    try:
        for _ in range(3):
            assert _get()["status"] == 200
    finally:
        signals.request_started.disconnect(query)
        signals.request_finished.disconnect(finished)
        django_asgi_app.lanes.close_connections()  # later tests may not use the database
    assert len({thread for thread, _ in seen}) == 1
    connections = [conn for _, conn in seen]
    assert connections[0] is not None and all(conn is connections[0] for conn in connections)


def test_a_streaming_response_is_closed_after_its_body_is_sent(monkeypatch):
    from asgiref.sync import async_to_sync
    from asgiref.testing import ApplicationCommunicator
    from django.http import StreamingHttpResponse

    from project.asgi import SyncChainASGIHandler, application

    events = []

    async def body():
        events.append("body")
        yield b"hello"

    def streaming(self, request):
        response = StreamingHttpResponse(body())
        response._resource_closers.append(lambda: events.append("closed"))
        return response

    monkeypatch.setattr(SyncChainASGIHandler, "get_response", streaming)
    scope = {"type": "http", "method": "GET", "path": "/anything/", "query_string": b"", "headers": []}
    scope["headers"].append((b"host", b"testserver"))

    async def exchange():
        communicator = ApplicationCommunicator(application, scope)
        await communicator.send_input({"type": "http.request", "body": b""})
        messages = [await communicator.receive_output()]
        while messages[-1]["type"] != "http.response.body" or messages[-1].get("more_body"):
            messages.append(await communicator.receive_output())
        await communicator.wait()
        return messages

    messages = async_to_sync(exchange)()
    assert b"".join(m.get("body", b"") for m in messages) == b"hello"
    assert events == ["body", "closed"]


def test_lanes_give_a_request_the_least_busy_lane():
    import asyncio

    from project.asgi import Lanes

    lanes = Lanes(2)

    async def scenario():
        async with lanes.lane() as first:
            async with lanes.lane() as second:
                busy = (first, second)
        async with lanes.lane() as later:
            return busy, later

    busy, later = asyncio.run(scenario())
    assert busy == (0, 1) and later == 0

"""HTTP requests run on a few long-lived threads that keep their database connection."""

from __future__ import annotations

import asyncio
import threading

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import HttpCommunicator
from django.core.signals import request_started
from django.db import connection
from django.urls import reverse

from project.asgi import application
from project.lanes import Lanes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def lanes():
    found = application.application_mapping["http"]
    assert isinstance(found, Lanes)
    yield found
    found.close_connections()  # a later test may not be allowed the database at all


def test_requests_one_after_another_run_on_a_lane_thread_and_keep_its_connection(lanes):
    seen: list[tuple[str, int]] = []

    def finished(**kwargs):
        connection.ensure_connection()
        seen.append((threading.current_thread().name, id(connection.connection)))

    async def get() -> int:
        response = await HttpCommunicator(
            application, "GET", reverse("login"), headers=[(b"host", b"testserver")]
        ).get_response()
        return response["status"]

    request_started.connect(finished)
    try:
        for _ in range(3):
            assert async_to_sync(get)() == 200
    finally:
        request_started.disconnect(finished)
    assert len(seen) == 3 and all(name.startswith("http-lane-") for name, _ in seen)
    assert len(set(seen)) == 1  # the same thread, the same open connection


def test_a_request_takes_the_least_busy_lane():
    names: list[str] = []
    release = threading.Event()

    def work(wait: bool) -> None:
        names.append(threading.current_thread().name)
        if wait:
            release.wait(5)

    async def app(scope, receive, send):
        await sync_to_async(work)(scope["wait"])

    lanes = Lanes(app, 2)

    async def scenario():
        slow = asyncio.ensure_future(lanes({"wait": True}, None, None))
        await asyncio.sleep(0.05)
        await lanes({"wait": False}, None, None)  # goes to the free lane, not behind the slow one
        release.set()
        await slow

    async_to_sync(scenario)()
    assert names[0] != names[1] and all(name.startswith("http-lane-") for name in names)
